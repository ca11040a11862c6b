"""The ``flowInfo`` part of ``POST /v1/flows`` (AFNOR XP Z12-013 Flow Service, v1.1.0, schema ``FlowInfo``).

The enums copy the OpenAPI's own (``components.schemas``): a value outside them cannot be built. The
``trackingId`` is our invoice (or credit-note) number: the platform hands it back on every flow of that
invoice and it makes a retry recognisable (``AlreadyExistingFlow``).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ProcessingRule(StrEnum):
    """``ProcessingRule``: B2B is e-invoicing; B2BInt and B2C are e-reported."""

    B2B = "B2B"
    B2B_INT = "B2BInt"
    B2C = "B2C"
    OUT_OF_SCOPE = "OutOfScope"
    ARCHIVE_ONLY = "ArchiveOnly"
    NOT_APPLICABLE = "NotApplicable"


class FlowSyntax(StrEnum):
    """``FlowSyntax``: the syntax of the file sent."""

    CII = "CII"
    UBL = "UBL"
    FACTUR_X = "Factur-X"
    CDAR = "CDAR"
    FRR = "FRR"


class FlowProfile(StrEnum):
    """``FlowProfile``."""

    BASIC = "Basic"
    CIUS = "CIUS"
    EXTENDED_CTC_FR = "Extended-CTC-FR"


#: Our documents' Factur-X level (``billing/documents``: EN 16931, guideline ``urn:cen.eu:en16931:2017``)
#: is the EN 16931 core with the French CIUS rules (BR-FR-*), the ``CIUS`` profile of the Flow Service.
FACTUR_X_LEVEL_PROFILE: dict[str, FlowProfile] = {
    "basic": FlowProfile.BASIC,
    "en16931": FlowProfile.CIUS,
    "extended": FlowProfile.EXTENDED_CTC_FR,
}

_NOT_ONLY_UUID_MAX = 36  # NotOnlyUuid: maxLength 36
_NAME_MAX = 255
_SHA256 = re.compile(r"^[a-f0-9]{64}$")


class FlowInfoError(ValueError):
    """A flowInfo the Flow Service schema would refuse."""


@dataclass(frozen=True, slots=True)
class FlowInfo:
    """A typed ``FlowInfo``; :meth:`to_json` gives the JSON part of the multipart request."""

    flow_syntax: FlowSyntax
    tracking_id: str | None = None
    name: str | None = None
    processing_rule: ProcessingRule | None = None
    flow_profile: FlowProfile | None = None
    sha256: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.flow_syntax, FlowSyntax):
            raise FlowInfoError(f"flowSyntax {self.flow_syntax!r} is not one of {[s.value for s in FlowSyntax]}")
        if self.processing_rule is not None and not isinstance(self.processing_rule, ProcessingRule):
            raise FlowInfoError(f"processingRule {self.processing_rule!r} is not a ProcessingRule")
        if self.flow_profile is not None and not isinstance(self.flow_profile, FlowProfile):
            raise FlowInfoError(f"flowProfile {self.flow_profile!r} is not a FlowProfile")
        if self.tracking_id is not None and not 0 < len(self.tracking_id) <= _NOT_ONLY_UUID_MAX:
            raise FlowInfoError(f"trackingId is 1 to {_NOT_ONLY_UUID_MAX} characters: {self.tracking_id!r}")
        if self.name is not None and len(self.name) > _NAME_MAX:
            raise FlowInfoError(f"name is at most {_NAME_MAX} characters")
        if self.sha256 is not None and not _SHA256.match(self.sha256):
            raise FlowInfoError("sha256 is 64 lower-case hexadecimal digits")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.tracking_id is not None:
            out["trackingId"] = self.tracking_id
        if self.name is not None:
            out["name"] = self.name
        if self.processing_rule is not None:
            out["processingRule"] = self.processing_rule.value
        out["flowSyntax"] = self.flow_syntax.value
        if self.flow_profile is not None:
            out["flowProfile"] = self.flow_profile.value
        if self.sha256 is not None:
            out["sha256"] = self.sha256
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def invoice_flow_info(
    number: str,
    content: bytes,
    *,
    file_name: str,
    syntax: FlowSyntax = FlowSyntax.FACTUR_X,
    processing_rule: ProcessingRule = ProcessingRule.B2B,
    factur_x_level: str = "en16931",
) -> FlowInfo:
    """The flowInfo of one of our invoices or credit notes: ``trackingId`` its number, the file's sha256.

    ``syntax`` is ``Factur-X`` for the PDF with its XML inside, ``CII`` for the XML alone.
    """
    try:
        profile = FACTUR_X_LEVEL_PROFILE[factur_x_level.lower()]
    except KeyError:
        raise FlowInfoError(f"no Flow Service profile for the Factur-X level {factur_x_level!r}") from None
    if syntax not in (FlowSyntax.FACTUR_X, FlowSyntax.CII, FlowSyntax.UBL):
        raise FlowInfoError(f"an invoice is sent as Factur-X, CII or UBL, not {syntax.value}")
    return FlowInfo(
        flow_syntax=syntax,
        tracking_id=number,
        name=file_name,
        processing_rule=processing_rule,
        flow_profile=profile,
        sha256=sha256_hex(content),
    )


def lifecycle_flow_info(tracking_id: str, content: bytes, *, file_name: str) -> FlowInfo:
    """The flowInfo of a CDAR lifecycle message we send (our 212 Encaissée)."""
    return FlowInfo(
        flow_syntax=FlowSyntax.CDAR,
        tracking_id=tracking_id,
        name=file_name,
        processing_rule=ProcessingRule.B2B,
        sha256=sha256_hex(content),
    )
