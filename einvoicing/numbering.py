"""BR-FR-01 / BR-FR-02: the number of an invoice (BT-1) as the French rules accept it.

BR-FR-01 (French CTC schematron, function ``is-valid-id-format``): only letters A-Z and a-z, digits and
the characters ``+ - _ /``, with no space anywhere. BR-FR-02: at most 35 characters. Letters are the
unaccented Latin ones: the rule's pattern is ``^[A-Za-z0-9+\\-_/]+$``.
"""

from __future__ import annotations

import re
import string

MAX_LENGTH = 35
_ALLOWED = re.compile(r"[A-Za-z0-9+\-_/]+")


def number_problems(number: str) -> list[str]:
    """What BR-FR-01/02 find at fault in ``number`` (empty when it is a valid invoice number)."""
    problems: list[str] = []
    if not number:
        return ["BR-FR-01: an invoice number cannot be empty"]
    if len(number) > MAX_LENGTH:
        problems.append(f"BR-FR-02: {len(number)} characters, at most {MAX_LENGTH}")
    bad = sorted({c for c in number if not _ALLOWED.fullmatch(c)})
    if bad:
        problems.append(
            "BR-FR-01: only letters, digits and + - _ / are allowed, not " + " ".join(repr(c) for c in bad)
        )
    return problems


def is_valid_number(number: str) -> bool:
    return not number_problems(number)


def number_format_problems(fmt: str, *, max_year: int = 9999, max_seq: int = 999_999) -> list[str]:
    """Whether a numbering format such as ``FX-{year}-{seq:06d}`` can only give numbers BR-FR-01/02 accept.

    The fixed text must use allowed characters only; the longest number (year ``max_year``, sequence
    ``max_seq``) must fit in 35 characters; only the fields ``year`` and ``seq`` exist. A sequence
    outgrowing its padding makes the number longer: the length is checked at ``max_seq`` itself.
    """
    problems: list[str] = []
    try:
        parsed = list(string.Formatter().parse(fmt))
    except ValueError as exc:
        return [f"not a format: {exc}"]
    fields = {name for _, name, _, _ in parsed if name is not None}
    unknown = fields - {"year", "seq"}
    if unknown:
        problems.append(f"unknown fields {sorted(unknown)}: only {{year}} and {{seq}}")
    if "seq" not in fields:
        problems.append("the format has no {seq}: every number would be the same")
    literal = "".join(text for text, _, _, _ in parsed)
    bad = sorted({c for c in literal if not _ALLOWED.fullmatch(c)})
    if bad:
        problems.append("BR-FR-01: the fixed text holds " + " ".join(repr(c) for c in bad))
    if unknown:
        return problems
    try:
        samples = [fmt.format(year=year, seq=seq) for year in (2026, max_year) for seq in (1, max_seq)]
    except (ValueError, KeyError, IndexError) as exc:
        return [*problems, f"not a format for year and seq: {exc}"]
    seen: set[str] = set()
    for sample in samples:
        for problem in number_problems(sample):
            rule = problem.split(":")[0]
            if rule in seen or (rule == "BR-FR-01" and bad):  # the fixed text is already named
                continue
            seen.add(rule)
            problems.append(f"{problem} (e.g. {sample!r})")
    return problems
