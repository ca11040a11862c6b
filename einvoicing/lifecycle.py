"""The lifecycle statuses of an invoice (XP Z12-012, "cycle de vie"): codes and their French labels.

Where each fact comes from (nothing here is made up):

- **The list of codes** is the closed list of rule BR-FR-CDV-CL-06 (MDT-105 / MDT-115) of the French CTC
  schematron for CDAR, ``BR-FR-CDV-Schematron-CDAR_V1.4.0.04`` (FNFE-MPE, published with the French
  rules): 200 to 214, 220, 221, 224 to 228, 250, 251, 300, 301, 400, 401, 500, 501 and 601. The rule is a
  warning, not fatal: a platform may send another code by bilateral agreement, so a parser must keep an
  unknown code as it came (:meth:`LifecycleStatus.of` returns ``None`` for it).
- **The labels**, only where a source in hand states them:
    * 200 Déposée, 202 Reçue, 203 Mise à disposition, 204 Prise en charge, 205 Approuvée,
      211 Paiement transmis, 212 Encaissée: the official examples of XP Z12-012 annex B
      (``shared/standards/cdar-examples/``, their ``ram:ProcessCondition`` and file names);
    * 206 Approuvée partiellement, 207 En litige, 208 Suspendue, 210 Refusée, 213 Rejetée,
      221 Erreur de routage, 501 Irrecevable: the same schematron's rules BR-FR-CDV-CL-09 (one assertion
      per status, each naming it) and BR-FR-CDV-15; 207's wording "En litige" is that of the issue and of
      the AFNOR example file ``UC4_F202500006_04-CDV-207_En_litige``.
      BR-FR-CDV-15's message has 206 and 208 the other way round ("206 (Suspendue) ou 208 (Approuvée
      Partiellement)"); its own per-code assertions in BR-FR-CDV-CL-09 (``..._MDT-113_206`` "APPROUVÉE
      PARTIELLEMENT", ``..._MDT-113_208`` "SUSPENDUE") are taken here.
  Every other code of the list has no label in those sources: :attr:`LifecycleStatus.label` is ``None``
  for it and a caller shows the label the message itself carries (MDT-106, ``ram:ProcessCondition``).
  Those labels are to be filled from XP Z12-012 itself, not guessed.
"""

from __future__ import annotations

from enum import StrEnum


class LifecycleEffect(StrEnum):
    """What a status received from the platform sets off beyond its record in the invoice's lifecycle."""

    RECORD = "record"  # recorded, nothing else
    CORRECT_AND_RESEND = "correct_and_resend"  # 213 Rejetée: finance alerted, the invoice corrected and sent again
    OPEN_DISPUTE = "open_dispute"  # 210 Refusée, 207 En litige: a dispute case, as a dispute email opens one (§8)


class LifecycleStatus(StrEnum):
    """A status code of MDT-105 (``ram:ProcessConditionCode``). The value is the code as written in the XML."""

    DEPOSEE = "200"
    STATUS_201 = "201"
    RECUE = "202"
    MISE_A_DISPOSITION = "203"
    PRISE_EN_CHARGE = "204"
    APPROUVEE = "205"
    APPROUVEE_PARTIELLEMENT = "206"
    EN_LITIGE = "207"
    SUSPENDUE = "208"
    STATUS_209 = "209"
    REFUSEE = "210"
    PAIEMENT_TRANSMIS = "211"
    ENCAISSEE = "212"
    REJETEE = "213"
    STATUS_214 = "214"
    STATUS_220 = "220"
    ERREUR_DE_ROUTAGE = "221"
    STATUS_224 = "224"
    STATUS_225 = "225"
    STATUS_226 = "226"
    STATUS_227 = "227"
    STATUS_228 = "228"
    STATUS_250 = "250"
    STATUS_251 = "251"
    STATUS_300 = "300"
    STATUS_301 = "301"
    STATUS_400 = "400"
    STATUS_401 = "401"
    STATUS_500 = "500"
    IRRECEVABLE = "501"
    STATUS_601 = "601"

    @property
    def code(self) -> str:
        return self.value

    @property
    def label(self) -> str | None:
        """The French label, where a source in hand gives it (module docstring); ``None`` otherwise."""
        return _LABELS.get(self)

    @property
    def requires_reason(self) -> bool:
        """BR-FR-CDV-15: these statuses must carry a reason code (MDT-113)."""
        return self in _REASON_REQUIRED

    @property
    def effect(self) -> LifecycleEffect:
        """What receiving this status asks of us (issue 22, item 3); recording it is always the first step."""
        return _EFFECTS.get(self, LifecycleEffect.RECORD)

    @classmethod
    def of(cls, code: str) -> LifecycleStatus | None:
        """The status for a code as found in a message, or ``None`` for a code outside BR-FR-CDV-CL-06."""
        try:
            return cls(code.strip())
        except ValueError:
            return None


_LABELS: dict[LifecycleStatus, str] = {
    LifecycleStatus.DEPOSEE: "Déposée",
    LifecycleStatus.RECUE: "Reçue",
    LifecycleStatus.MISE_A_DISPOSITION: "Mise à disposition",
    LifecycleStatus.PRISE_EN_CHARGE: "Prise en charge",
    LifecycleStatus.APPROUVEE: "Approuvée",
    LifecycleStatus.APPROUVEE_PARTIELLEMENT: "Approuvée partiellement",
    LifecycleStatus.EN_LITIGE: "En litige",
    LifecycleStatus.SUSPENDUE: "Suspendue",
    LifecycleStatus.REFUSEE: "Refusée",
    LifecycleStatus.PAIEMENT_TRANSMIS: "Paiement transmis",
    LifecycleStatus.ENCAISSEE: "Encaissée",
    LifecycleStatus.REJETEE: "Rejetée",
    LifecycleStatus.ERREUR_DE_ROUTAGE: "Erreur de routage",
    LifecycleStatus.IRRECEVABLE: "Irrecevable",
}

_REASON_REQUIRED = frozenset(
    {
        LifecycleStatus.APPROUVEE_PARTIELLEMENT,
        LifecycleStatus.EN_LITIGE,
        LifecycleStatus.SUSPENDUE,
        LifecycleStatus.REFUSEE,
        LifecycleStatus.REJETEE,
        LifecycleStatus.IRRECEVABLE,
    }
)

_EFFECTS = {
    LifecycleStatus.REJETEE: LifecycleEffect.CORRECT_AND_RESEND,
    LifecycleStatus.REFUSEE: LifecycleEffect.OPEN_DISPUTE,
    LifecycleStatus.EN_LITIGE: LifecycleEffect.OPEN_DISPUTE,
}
