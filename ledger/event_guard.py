"""The one check every event passes before it is stored (issue 17, item 1).

Hostile text was checked at the routes (billing/api/fields.py, ledger/input_checks.py), but not
every fact enters through a route: the IMAP poller, the jobs, bank statements, the CLI and the
demo record events too, and one event a read model cannot hold (a NUL byte, which PostgreSQL
text refuses) stops the projector at it for good. So ``Ledger.save`` (billing/persistence/
eventstore.py) hands every pending event to :func:`check_events` first, and a refused event
refuses the whole save: a 422 naming the field (``InvalidInput``), nothing stored.

The rules are the read models' (billing/persistence/tables.py) and the transcodings'
(ledger/transcodings.py), written from the event classes themselves: each event's fields are
checked against the type annotations of its class (``str``, ``int``, ``Decimal``, ``Money``,
``date``, records, ``list[...]``, ``X | None``...), so a wrong type is refused too, and a value
typed ``Any`` (an invoice's document) is walked and held to the same rules by its runtime type.

- Text: no NUL, no lone surrogate, no other C0/C1 control character, no bidirectional override
  or isolate, and no line or paragraph separator, except that the free-text fields that may span
  lines (notes, descriptions, reasons, a mail's text: :data:`MULTILINE_FIELDS`) keep line feeds,
  carriage returns and tabs. Bounded by the column the field is projected into (a ``String(n)``,
  :data:`TEXT_LIMITS`) or by :data:`MAX_LINE` / :data:`MAX_PARAGRAPH`.
- Whole numbers: within the column (``Integer``, or ``BigInteger`` for :data:`BIGINT_FIELDS`);
  ``bool`` only where the class says ``bool``.
- Decimals and Money: finite, within ``Numeric(14, 2)`` (amounts) or the field's own column
  (hours ``Numeric(10, 2)``, a VAT rate ``Numeric(5, 2)``), and at most 40 digits and 30 decimals
  (a Decimal such as ``1E-1000000`` is finite and small but prints as a million characters).
- Dates and instants: within 1900-2200 (business dates are 2000-2100 at the edge; computed dates
  such as a notice period's end, and a mail's Date header, go a little outside that).
- Sizes: at most :data:`MAX_ITEMS` items in a list (a usage batch holds up to 10,000 records,
  a direct-debit file as many debits as there are accounts).

Usage ingestion stores one event of up to 10,000 records per batch: its lists of text and whole
numbers are checked in C (one regular-expression search over the joined strings, ``min``/``max``
over the numbers), never element by element in Python.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import types
import typing
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from ledger.errors import InvalidInput
from ledger.money import Money
from ledger.months import Month

MAX_LINE = 10_000  # one line of text that no String(n) column bounds (a mail's subject or sender)
MAX_PARAGRAPH = 100_000  # multi-line text (the mail text kept for finance is 20,000 characters)
MAX_ITEMS = 100_000  # items of one list or mapping
MAX_DIGITS = 40
MIN_EXPONENT = -30
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2200, 12, 31)
INT_MAX = 2**31 - 1  # Integer columns
BIGINT_MAX = 2**63 - 1  # BigInteger columns
AMOUNT_LIMIT = Decimal(10) ** 12  # Numeric(14, 2) and Numeric(18, 6) hold magnitudes below 10^12

# The free-text fields that may span lines (the rule of input_checks.clean_text(multiline=True)).
MULTILINE_FIELDS = frozenset({"note", "description", "reason", "text", "error", "message", "answer_note"})
# Fields projected into a String(n) column (billing/persistence/tables.py), by field name; an item
# of a list field has the list's limit (a usage batch's ``ids`` and ``accounts``). A mail's ``via``
# ("outbox:<file>", "smtp:<host>:<port>") goes into the Text column ``documents.mail_detail``: no limit here.
TEXT_LIMITS: dict[str, int] = {
    "account": 64, "accounts": 64, "ids": 128, "plan": 64, "plan_grid_version": 64, "version": 64,
    "option": 32, "pack": 32, "invoice": 32, "number": 32, "corrects": 32, "credit_note": 32,
    "month": 7, "credit_id": 64, "method": 16, "payment_method": 16, "vat_regime": 16, "siren": 9,
    "vat_number": 32, "kind": 16, "status": 16, "outcome": 16, "termination_kind": 16, "request": 32,
    "reply_to": 36, "case": 36, "scheme": 8, "sha256": 64, "sequence_type": 4, "mandate": 35,
    "schema": 20, "created_at": 32, "message_id": 600, "language": 8, "channel": 32,
    "initiated_by": 16, "series": 16, "content_type": 255, "filename": 255,
    "status_code": 16, "status_at": 40,  # invoice_lifecycle (issue 22)
}
# Where one field name means another column, by "<record or event class>.<field>".
TEXT_LIMITS_OF_CLASS: dict[str, int] = {
    "Mandate.reference": 35,  # the SEPA RUM, direct_debits.mandate String(35)
    "DirectDebitFile.Recorded.message_id": 35,  # pain.008 MsgId, sepa_files.message_id String(35)
    "DirectDebitFile.DebitReturned.reason": 4,  # an ISO 20022 return code, direct_debits.return_reason
    # Issue 22: when a document was transmitted to the plateforme agréée or refused, documents.pa_at String(40).
    "Invoice.TransmittedToPlatform.at": 40,
    "Invoice.TransmissionRejected.at": 40,
    "CreditNote.TransmittedToPlatform.at": 40,
    "CreditNote.TransmissionRejected.at": 40,
}
BIGINT_FIELDS = frozenset({"at", "credits", "cutoff", "at_micros", "position"})
DECIMAL_LIMITS: dict[str, Decimal] = {
    "hours": Decimal(10) ** 8,  # Numeric(10, 2)
    "rate": Decimal(1000),  # a VAT rate, Numeric(5, 2)
    "vat_rate": Decimal(1000),
}

# Cc (C0, DEL, C1), Cs (lone surrogates), bidi overrides and isolates, line/paragraph separators.
_BAD_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069\u2028\u2029]")
_BAD_IN_PARAGRAPH = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
_ASCII_CONTROLS = bytes(range(0x20)) + b"\x7f"
_BASE_FIELDS = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic"})

Check = Callable[[Any, str], None]


def check_events(events: Iterable[Any]) -> None:
    """Refuse (``InvalidInput`` naming the field) the first event a read model could not hold."""
    for domain_event in events:
        cls = type(domain_event)
        plan = _PLANS.get(cls)
        if plan is None:
            plan = _PLANS[cls] = _plan_of_event(cls)
        for name, check in plan:
            check(getattr(domain_event, name), name)


def check_value(value: Any, field: str) -> None:
    """The rules for a value of no declared type (walked by its runtime type)."""
    _check_any(value, field)


def text_limit(owner: str, field: str) -> int:
    """The longest text ``owner.field`` may hold (owner: the event's or record's qualified name)."""
    leaf = field.rsplit(".", 1)[-1].split("[", 1)[0]
    limit = TEXT_LIMITS_OF_CLASS.get(f"{owner}.{leaf}")
    if limit is not None:
        return limit
    if leaf in TEXT_LIMITS:
        return TEXT_LIMITS[leaf]
    return MAX_PARAGRAPH if leaf in MULTILINE_FIELDS else MAX_LINE


def safe_text(value: object, max_length: int = 500) -> str:
    """A string any read model can hold and anyone can read: every character the guard refuses in
    one line shown as ``\\uXXXX``, cut to ``max_length`` (a quarantined mail's subject, a reason)."""
    text = value if isinstance(value, str) else repr(value)
    shown = _BAD_IN_LINE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return shown if len(shown) <= max_length else shown[: max_length - 1] + "…"


# -- plans: the checks of one event class or record class, built once from its annotations --

_PLANS: dict[type, list[tuple[str, Check]]] = {}
_RECORD_PLANS: dict[type, list[tuple[str, Check]]] = {}


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _plan_of_event(cls: type) -> list[tuple[str, Check]]:
    hints = _hints(cls)
    owner = cls.__qualname__
    names = [f.name for f in dataclasses.fields(cls)] if dataclasses.is_dataclass(cls) else list(hints)
    return [(n, _check_for(hints.get(n, Any), owner, n)) for n in names if n not in _BASE_FIELDS]


def _plan_of_record(cls: type) -> list[tuple[str, Check]]:
    plan = _RECORD_PLANS.get(cls)
    if plan is None:
        hints = _hints(cls)
        plan = [(f.name, _check_for(hints.get(f.name, Any), cls.__qualname__, f.name)) for f in dataclasses.fields(cls)]
        _RECORD_PLANS[cls] = plan
    return plan


def _check_for(hint: Any, owner: str, name: str) -> Check:
    """The check of a value annotated ``hint``, for the field ``name`` of ``owner``."""
    origin = typing.get_origin(hint)
    if hint is Any or hint is object:
        return _check_any
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(hint) if a is not type(None)]
        optional = len(members) < len(typing.get_args(hint))
        inner = _check_for(members[0], owner, name) if len(members) == 1 else _check_any

        def check_optional(value: Any, path: str) -> None:
            if value is None:
                if not optional:
                    raise InvalidInput(f"{path} is required", field=path)
                return
            inner(value, path)

        return check_optional
    if isinstance(hint, type) and issubclass(hint, enum.StrEnum):  # a status, a kind: one of its values
        values = frozenset(member.value for member in hint)
        shown = ", ".join(sorted(values))

        def check_choice(value: Any, path: str) -> None:
            if not isinstance(value, str) or value not in values:
                _refuse(path, f"must be one of {shown}")

        return check_choice
    if hint is str:
        limit = text_limit(owner, name)
        pattern = _BAD_IN_PARAGRAPH if name in MULTILINE_FIELDS else _BAD_IN_LINE
        return lambda value, path: _check_text(value, path, limit, pattern)
    if hint is bool:
        return _check_bool
    if hint is int:
        top = BIGINT_MAX if name in BIGINT_FIELDS else INT_MAX
        return lambda value, path: _check_int(value, path, top)
    if hint is Decimal:
        limit_d = DECIMAL_LIMITS.get(name, AMOUNT_LIMIT)
        return lambda value, path: _check_decimal(value, path, limit_d)
    if hint is Money:
        limit_m = DECIMAL_LIMITS.get(name, AMOUNT_LIMIT)
        return lambda value, path: _check_money(value, path, limit_m)
    if hint is datetime:
        return _check_datetime
    if hint is date:
        return _check_date
    if hint is Month:
        return _check_month
    if hint is UUID:
        return _check_uuid
    if origin in (list, tuple):
        args = [a for a in typing.get_args(hint) if a is not Ellipsis]
        item_hint = args[0] if args else Any
        if item_hint is str:
            limit = text_limit(owner, name)
            return lambda value, path: _check_texts(value, path, limit, origin)
        if item_hint is int:
            top = BIGINT_MAX if name in BIGINT_FIELDS else INT_MAX
            return lambda value, path: _check_ints(value, path, top, origin)
        item = _check_for(item_hint, owner, name)
        return lambda value, path: _check_items(value, path, origin, item)
    if origin is dict:
        pair = typing.get_args(hint)
        value_check = _check_for(pair[1], owner, name) if len(pair) == 2 else _check_any
        if value_check is _check_any:  # an invoice's document, a price grid: the fast walk first
            return _check_untyped_mapping
        return lambda value, path: _check_mapping(value, path, value_check)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        record_type = hint
        return lambda value, path: _check_record(value, path, record_type)
    return _check_any


# -- the rules --


def _refuse(path: str, why: str) -> typing.NoReturn:
    raise InvalidInput(f"{path} {why}", field=path)


def _check_text(value: Any, path: str, limit: int, pattern: re.Pattern[str]) -> None:
    if type(value) is str and value.isprintable() and len(value) <= limit:
        return  # the usual case, in C: no Cc, Cs, Cf (bidi), Zl or Zp at all
    if type(value) is not str:
        _refuse(path, f"must be text, not {type(value).__name__}")
    if len(value) > limit:
        _refuse(path, f"must be at most {limit} characters")
    bad = pattern.search(value)
    if bad is not None:
        _refuse(path, f"contains a control character (U+{ord(bad.group()):04X})")


def _check_texts(value: Any, path: str, limit: int, kind: type) -> None:
    """A list of strings (a usage batch's ids and accounts): checked joined, in C."""
    if not isinstance(value, (list, tuple)):
        _refuse(path, f"must be a list, not {type(value).__name__}")
    if len(value) > MAX_ITEMS:
        _refuse(path, f"must hold at most {MAX_ITEMS:,} items")
    if not value:
        return
    try:
        joined = "".join(value)
        longest = max(map(len, value))
    except TypeError:
        joined, longest = "", limit + 1  # a non-string item: found below
    if longest <= limit:
        if joined.isascii():  # the usual case, O(1) to know: only C0 and DEL can be wrong, found in C
            if len(joined.encode("ascii").translate(None, _ASCII_CONTROLS)) == len(joined):
                return
        elif _BAD_IN_LINE.search(joined) is None:
            return
    for i, item in enumerate(value):
        _check_text(item, f"{path}[{i}]", limit, _BAD_IN_LINE)


def _check_ints(value: Any, path: str, top: int, kind: type) -> None:
    """A list of whole numbers (a usage batch's instants and credits): types and range in C."""
    if not isinstance(value, (list, tuple)):
        _refuse(path, f"must be a list, not {type(value).__name__}")
    if len(value) > MAX_ITEMS:
        _refuse(path, f"must hold at most {MAX_ITEMS:,} items")
    if not value:
        return
    if set(map(type, value)) == {int} and -top - 1 <= min(value) and max(value) <= top:
        return
    for i, item in enumerate(value):
        _check_int(item, f"{path}[{i}]", top)


def _check_items(value: Any, path: str, kind: type, item: Check) -> None:
    if not isinstance(value, (list, tuple)):
        _refuse(path, f"must be a list, not {type(value).__name__}")
    if len(value) > MAX_ITEMS:
        _refuse(path, f"must hold at most {MAX_ITEMS:,} items")
    for i, element in enumerate(value):
        item(element, f"{path}[{i}]")


def _check_mapping(value: Any, path: str, value_check: Check) -> None:
    if type(value) is not dict:
        _refuse(path, f"must be a mapping, not {type(value).__name__}")
    if len(value) > MAX_ITEMS:
        _refuse(path, f"must hold at most {MAX_ITEMS:,} items")
    for key, element in value.items():
        if type(key) is not str:
            _refuse(path, "has a key that is not text")
        _check_text(key, f"{path} key", 200, _BAD_IN_LINE)
        value_check(element, f"{path}.{key}")


def _check_untyped_mapping(value: Any, path: str) -> None:
    if type(value) is dict and _plain(value):
        return
    _check_mapping(value, path, _check_any)


def _check_record(value: Any, path: str, record_type: type) -> None:
    if type(value) is not record_type:
        _refuse(path, f"must be a {record_type.__name__}, not {type(value).__name__}")
    for name, check in _plan_of_record(record_type):
        check(getattr(value, name), f"{path}.{name}")


def _check_bool(value: Any, path: str) -> None:
    if type(value) is not bool:
        _refuse(path, f"must be true or false, not {type(value).__name__}")


def _check_int(value: Any, path: str, top: int) -> None:
    if type(value) is not int:
        _refuse(path, f"must be a whole number, not {type(value).__name__}")
    if not -top - 1 <= value <= top:
        _refuse(path, f"must be between {-top - 1} and {top}")


def _check_decimal(value: Any, path: str, limit: Decimal) -> None:
    if type(value) is not Decimal:
        _refuse(path, f"must be a decimal, not {type(value).__name__}")
    _check_number(value, path, limit)


def _check_number(number: Decimal, path: str, limit: Decimal) -> None:
    if not number.is_finite():
        _refuse(path, "must be a finite number")
    sign_digits_exponent = number.as_tuple()
    exponent = sign_digits_exponent.exponent
    if len(sign_digits_exponent.digits) > MAX_DIGITS or not isinstance(exponent, int) or exponent < MIN_EXPONENT:
        _refuse(path, f"must have at most {MAX_DIGITS} digits and {-MIN_EXPONENT} decimals")
    if abs(number) >= limit:
        _refuse(path, f"must be less than {limit:f} in magnitude")


def _check_money(value: Any, path: str, limit: Decimal) -> None:
    if type(value) is not Money:
        _refuse(path, f"must be an amount, not {type(value).__name__}")
    if type(value.amount) is not Decimal:
        _refuse(path, "must be an amount in Decimal")
    _check_number(value.amount, path, limit)


def _check_date(value: Any, path: str) -> None:
    if type(value) is not date:
        _refuse(path, f"must be a date, not {type(value).__name__}")
    if not FIRST_DAY <= value <= LAST_DAY:
        _refuse(path, f"must be between {FIRST_DAY} and {LAST_DAY}")


def _check_datetime(value: Any, path: str) -> None:
    if not isinstance(value, datetime):
        _refuse(path, f"must be an instant, not {type(value).__name__}")
    if not FIRST_DAY <= value.date() <= LAST_DAY:
        _refuse(path, f"must be between {FIRST_DAY} and {LAST_DAY}")


def _check_month(value: Any, path: str) -> None:
    if type(value) is not Month:
        _refuse(path, f"must be a month, not {type(value).__name__}")
    if type(value.year) is not int or type(value.month) is not int:
        _refuse(path, "must be a month of whole numbers")
    if not FIRST_DAY.year <= value.year <= LAST_DAY.year or not 1 <= value.month <= 12:
        _refuse(path, f"must be a month between {FIRST_DAY.year} and {LAST_DAY.year}")


def _check_uuid(value: Any, path: str) -> None:
    if type(value) is not UUID:
        _refuse(path, f"must be a UUID, not {type(value).__name__}")


def _plain(value: Any) -> bool:
    """True when ``value`` holds only one-line printable text, whole numbers within bigint, booleans
    and None, in mappings and lists within their bounds: a document of 100 values is walked in a few
    microseconds, without building a field name. False sends it to the detailed walk, which names the
    field at fault or accepts what this shortcut does not decide (line breaks in a note, Decimals, dates)."""
    kind = type(value)
    if kind is dict:
        if len(value) > MAX_ITEMS:
            return False
        for key, item in value.items():
            if type(key) is not str or len(key) > 200 or not key.isprintable():
                return False
            item_kind = type(item)
            if item_kind is str:
                if len(item) > MAX_LINE or not item.isprintable():
                    return False
            elif item is None or item_kind is bool:
                continue
            elif item_kind is int:
                if not -BIGINT_MAX - 1 <= item <= BIGINT_MAX:
                    return False
            elif not _plain(item):
                return False
        return True
    if kind is list or kind is tuple:
        if len(value) > MAX_ITEMS:
            return False
        return all(map(_plain, value))
    if kind is str:
        return len(value) <= MAX_LINE and value.isprintable()
    if value is None or kind is bool:
        return True
    if kind is int:
        return -BIGINT_MAX - 1 <= value <= BIGINT_MAX
    return False


def _check_any(value: Any, path: str) -> None:
    """A value of no declared type (inside an invoice's document): checked by what it is."""
    kind = type(value)
    if value is None or kind is bool:
        return
    if kind is str:
        leaf = path.rsplit(".", 1)[-1].split("[", 1)[0]
        multiline = leaf in MULTILINE_FIELDS
        _check_text(value, path, MAX_PARAGRAPH if multiline else MAX_LINE,
                    _BAD_IN_PARAGRAPH if multiline else _BAD_IN_LINE)
    elif kind is int:
        _check_int(value, path, BIGINT_MAX)
    elif kind is Decimal:
        _check_number(value, path, AMOUNT_LIMIT)
    elif kind is Money:
        _check_money(value, path, AMOUNT_LIMIT)
    elif kind is dict:
        _check_mapping(value, path, _check_any)
    elif kind is list or kind is tuple:
        _check_items(value, path, kind, _check_any)
    elif kind is date:
        _check_date(value, path)
    elif kind is datetime:
        _check_datetime(value, path)
    elif kind is Month:
        _check_month(value, path)
    elif kind is UUID:
        return
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        _check_record(value, path, kind)
    elif kind is float:
        _refuse(path, "must not be a float (amounts are exact decimals, BILLING_RULES §3)")
    else:
        _refuse(path, f"cannot be stored ({kind.__name__})")
