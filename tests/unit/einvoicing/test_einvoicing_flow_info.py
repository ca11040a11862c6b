"""The flowInfo of POST /v1/flows, checked against the FlowInfo schema of the published OpenAPI."""

from __future__ import annotations

import hashlib
import json

import pytest
from support.standards import flow_service_openapi, openapi_schema_validator

from einvoicing.flow_info import (
    FlowInfo,
    FlowInfoError,
    FlowProfile,
    FlowSyntax,
    ProcessingRule,
    invoice_flow_info,
    lifecycle_flow_info,
)

PDF = b"%PDF-1.7 a Factur-X invoice"


def _flow_info_errors(document: object) -> list[str]:
    validator = openapi_schema_validator({"$ref": "#/components/schemas/FlowInfo"})
    return [e.message for e in validator.iter_errors(document)]


def test_our_enums_are_the_openapi_enums() -> None:
    schemas = flow_service_openapi()["components"]["schemas"]
    assert [s.value for s in FlowSyntax] == schemas["FlowSyntax"]["enum"]
    assert [p.value for p in FlowProfile] == schemas["FlowProfile"]["enum"]
    assert [r.value for r in ProcessingRule] == schemas["ProcessingRule"]["enum"]


def test_an_invoice_flow_info_validates_against_the_flow_info_schema() -> None:
    info = invoice_flow_info("FX-2026-000042", PDF, file_name="FX-2026-000042.pdf")
    document = json.loads(info.to_json())
    assert _flow_info_errors(document) == []
    assert document == {
        "trackingId": "FX-2026-000042",
        "name": "FX-2026-000042.pdf",
        "processingRule": "B2B",
        "flowSyntax": "Factur-X",
        "flowProfile": "CIUS",
        "sha256": hashlib.sha256(PDF).hexdigest(),
    }


def test_the_xml_alone_goes_as_cii() -> None:
    xml = b"<rsm:CrossIndustryInvoice/>"
    document = invoice_flow_info("FX-2026-000042", xml, file_name="FX-2026-000042.xml", syntax=FlowSyntax.CII).to_dict()
    assert document["flowSyntax"] == "CII" and _flow_info_errors(document) == []


def test_a_lifecycle_flow_info_validates_too() -> None:
    document = lifecycle_flow_info("FX-2026-000042-212", b"<cdar/>", file_name="FX-2026-000042-212.xml").to_dict()
    assert document["flowSyntax"] == "CDAR" and _flow_info_errors(document) == []


def test_the_schema_check_itself_catches_a_bad_flow_info() -> None:
    """The validator used above is not a rubber stamp: what the schema forbids, it reports."""
    assert _flow_info_errors({"trackingId": "x"})  # flowSyntax is required
    assert _flow_info_errors({"flowSyntax": "PDF"})
    assert _flow_info_errors({"flowSyntax": "CII", "sha256": "ABC"})
    assert _flow_info_errors({"flowSyntax": "CII", "trackingId": "x" * 37})


@pytest.mark.parametrize(
    "kwargs",
    [
        {"tracking_id": "x" * 37},  # NotOnlyUuid: maxLength 36
        {"tracking_id": ""},
        {"sha256": "A" * 64},  # lower-case hexadecimal only
        {"sha256": "a" * 63},
        {"name": "n" * 256},
    ],
)
def test_a_flow_info_the_schema_would_refuse_cannot_be_built(kwargs: dict[str, str]) -> None:
    with pytest.raises(FlowInfoError):
        FlowInfo(flow_syntax=FlowSyntax.CII, **kwargs)  # type: ignore[arg-type]


def test_only_enum_values_are_accepted() -> None:
    with pytest.raises(FlowInfoError):
        FlowInfo(flow_syntax="CII")  # type: ignore[arg-type]
    with pytest.raises(FlowInfoError, match="Factur-X level"):
        invoice_flow_info("FX-1", PDF, file_name="a.pdf", factur_x_level="minimum")
    with pytest.raises(FlowInfoError, match="Factur-X, CII or UBL"):
        invoice_flow_info("FX-1", PDF, file_name="a.pdf", syntax=FlowSyntax.CDAR)
