"""Issue 17, item 3: a hostile value in any field of any event is refused by the guard, or stored and
projected without stopping the projector. On SQLite and on PostgreSQL.

The event classes are discovered from the aggregates of ``ledger/`` (every nested event class of every
``Aggregate`` subclass), so an event added later is covered without anyone remembering it. The events
are the real ones a scenario records through the HTTP API (customers, contract, options, hours,
interventions, penalty credits, usage, a month close with its invoices and documents, a payment, a
dispute mail and its resolution, corrections, a VAT rate, a termination); a class the scenario does
not produce is built from its annotations (``sample``).

Each field (nested records, mappings and lists walked; the first item of a list) is replaced by
hostile values of every kind: NUL, lone surrogates, C0/C1 controls, bidi overrides, line separators,
1 MB strings, huge/negative/NaN/Infinity Decimals and amounts, ints beyond bigint, dates out of
range, wrong types. A refusal must be ``InvalidInput`` naming that field. An accepted event is
stored (the ledger's mapper encodes it, as the recorder stores it, and decodes it back) and projected
(the projector's handlers, in the read-model state just before the original event, in a transaction
rolled back after), and must not fail. Bounded: only the first event of each class is mutated, at
most ``MAX_LEAVES`` fields of it, and an event's mutations are applied one transaction each.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import types
import typing
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, CanInitAggregate, DomainEvent
from eventsourcing.persistence import Notification
from fastapi.testclient import TestClient
from support.api_helpers import ADMIN, at, close_february, get, post
from support.factories import GRID_2026_A, contract, customer, usage_events

import ledger
from billing.persistence import tables as t
from billing.persistence.projections import ReadModelProjector
from billing.services.case_intake import MailRefused
from ledger import event_guard
from ledger.clock import FixedClock
from ledger.errors import InvalidInput
from ledger.money import Money, _exact
from ledger.months import Month

CORPUS = Path(__file__).parents[1] / "data" / "mail"
MAX_LEAVES = 60
MEGABYTE = "a" * 1_000_000


# -- discovery --------------------------------------------------------------------------------


def event_classes() -> list[type[DomainEvent]]:
    """Every concrete event class of every aggregate of ledger/ (left out: the ``Event`` base that the
    others extend, and the library's default ``Created`` of an aggregate created by its own event)."""
    found: dict[str, type[DomainEvent]] = {}
    for module_info in pkgutil.iter_modules(ledger.__path__):
        module = importlib.import_module(f"ledger.{module_info.name}")
        for aggregate in vars(module).values():
            if not (inspect.isclass(aggregate) and issubclass(aggregate, Aggregate) and aggregate is not Aggregate):
                continue
            nested = [v for v in vars(aggregate).values() if inspect.isclass(v) and issubclass(v, DomainEvent)]
            named_creation = any(issubclass(c, CanInitAggregate) and c.__name__ != "Created" for c in nested)
            for cls in nested:
                if any(other is not cls and issubclass(other, cls) for other in nested):
                    continue  # a base of another event of this aggregate
                if cls.__name__ == "Created" and named_creation:
                    continue  # the library's default, unused: the aggregate is created by its own event
                found[cls.__qualname__] = cls
    return [found[name] for name in sorted(found)]


def test_every_aggregate_s_events_are_discovered() -> None:
    names = {cls.__qualname__ for cls in event_classes()}
    assert {"Case.Received", "UsageBatch.Recorded", "Invoice.Issued", "CustomerAccount.Registered",
            "QuarantinedMail.Quarantined", "MonthClose.InvoicesIssued"} <= names
    assert "CustomerAccount.Event" not in names and "CustomerAccount.Created" not in names
    assert len(names) >= 55


# -- hostile values ---------------------------------------------------------------------------

HOSTILE_TEXT = ["\x00", "a\x00b", "\ud800", "x\udfff", "\x1b[31mred", "\x07", "\x7f", "\x85", "\x9b",
                "\u202eevil", "\u2066isolate", "line\u2028sep", "para\u2029", MEGABYTE]
# Fields naming another row (an invoice, a grid version...): another valid value there names a row
# that does not exist, which is not a hostile value but another fact; their hostile values still apply.
REFERENCES = frozenset({"number", "invoice", "credit_note", "case", "credit_id", "version", "option", "account",
                        "corrects", "month"})
WRONG_TYPES: list[Any] = [0, 1.5, None, [], {}, b"bytes", True, Decimal("1"), date(2026, 1, 1), object()]


def hostile_values(value: Any, owner: str, name: str, in_mapping: bool) -> Iterator[Any]:
    """Hostile replacements for ``value`` (the field ``name`` of ``owner``). Inside a mapping of no
    declared shape (an invoice's document, a price grid) only same-type values: the guard cannot know
    that a document's "lines" is a list, and those mappings are built by the ledger, not typed in."""
    kind = type(value)
    if kind is str or value is None:
        for text in HOSTILE_TEXT:
            yield value + text if isinstance(value, str) else text
        if name in event_guard.MULTILINE_FIELDS:
            yield (value or "") + "\nsecond line\ttab\r\n"
        if isinstance(value, str) and not in_mapping and name not in REFERENCES:
            limit = event_guard.text_limit(owner, name)
            yield (value + "é" * limit)[: limit] if limit < 200_000 else value  # the longest allowed
            yield value + "é" * (limit + 1)  # one too long
    if kind is int:
        yield from (2**63, -(2**63) - 1, 2**31, -(2**31) - 1, 2**80, -1, 0)
    if kind is bool:
        yield from (not value,)
    if kind is Decimal:
        yield from (Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-Infinity"), Decimal("1E+30"),
                    Decimal("-1E+30"), Decimal("-5.5"), Decimal("1E-1000000"), Decimal("999.99"),
                    Decimal("1" * 60))
    if kind is Money:
        yield from (_exact(Decimal("NaN")), _exact(Decimal("Infinity")), _exact(Decimal("1E+30")),
                    Money(Decimal("-12.34")), Money(Decimal("999999999.99")), _exact(Decimal("1E-1000000")))
    if kind is date:
        yield from (date(1, 1, 1), date(9999, 12, 31), date(1899, 12, 31), date(2201, 1, 1), date(2200, 12, 31),
                    date(1900, 1, 1))
    if kind is datetime:
        yield from (datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
                    datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    if kind is Month:
        yield from (Month(9999, 1), Month(2026, 13), Month(1, 1))
    if not in_mapping:
        yield from (w for w in WRONG_TYPES if type(w) is not kind and not (value is None and w is None))


# -- walking and replacing fields ---------------------------------------------------------------

Path_ = tuple[Any, ...]


def leaves(value: Any, path: Path_, in_mapping: bool, owner: str) -> Iterator[tuple[Path_, Any, bool, str]]:
    """(path, value, inside an untyped mapping, owner) of every replaceable value under ``value``."""
    if isinstance(value, Money) or value is None or isinstance(value, (str, int, Decimal, date, Month, UUID)):
        yield path, value, in_mapping, owner
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        yield path, value, in_mapping, owner
        for f in dataclasses.fields(value):
            yield from leaves(getattr(value, f.name), (*path, f.name), in_mapping, type(value).__qualname__)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key), True, owner)
    elif isinstance(value, (list, tuple)):
        yield path, value, in_mapping, owner
        if value:
            yield from leaves(value[0], (*path, 0), in_mapping, owner)


def replaced(value: Any, path: Path_, new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: replaced(value[head], rest, new)}
    if isinstance(value, list):
        return [replaced(value[0], rest, new), *value[1:]]
    if isinstance(value, tuple):
        return (replaced(value[0], rest, new), *value[1:])
    clone = object.__new__(type(value))  # frozen records and events, without re-running their checks
    for f in dataclasses.fields(value):
        object.__setattr__(clone, f.name, getattr(value, f.name))
    object.__setattr__(clone, head, replaced(getattr(value, head), rest, new))
    return clone


def field_of(path: Path_) -> str:
    """The guard's name for ``path``: ``mail.subject``, ``document.lines[0].label``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# -- events the scenario does not record: built from their annotations ------------------------------

SAMPLE_TEXT = {"account": "acme", "month": "2026-02", "sha256": "0" * 64}


def sample(hint: Any, name: str) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return sample(next(a for a in typing.get_args(hint) if a is not type(None)), name)
    if hint is str:
        return SAMPLE_TEXT.get(name, "x")
    if hint is bool:
        return False
    if hint is int:
        return 1
    if hint is Decimal:
        return Decimal("1.00")
    if hint is Money:
        return Money(Decimal("1.00"))
    if hint is datetime:
        return datetime(2026, 3, 1, 12, tzinfo=UTC)
    if hint is date:
        return date(2026, 3, 1)
    if hint is Month:
        return Month(2026, 2)
    if origin in (list, tuple):
        item = sample(typing.get_args(hint)[0], name)
        return [item] if origin is list else (item,)
    if origin is dict:
        return {"k": sample(typing.get_args(hint)[1], name)}
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        return hint(**{f.name: sample(hints[f.name], f.name) for f in dataclasses.fields(hint)})
    return "x"


def sample_event(cls: type[DomainEvent]) -> DomainEvent:
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {"originator_id": uuid4(), "originator_version": 1 if issubclass(cls, CanInitAggregate) else 2,
                              "timestamp": datetime(2026, 3, 1, tzinfo=UTC)}
    for f in dataclasses.fields(cls):
        if f.name in values:
            continue
        values[f.name] = "x" if f.name == "originator_topic" else sample(hints.get(f.name, str), f.name)
    if "originator_topic" in values:
        from eventsourcing.utils import get_topic

        outer = importlib.import_module(cls.__module__)
        values["originator_topic"] = get_topic(getattr(outer, cls.__qualname__.split(".")[0]))
    return cls(**values)


def kin_of(built: DomainEvent, recorded: dict[str, tuple[int, DomainEvent]]) -> DomainEvent:
    """``built`` as the next event of the last recorded aggregate of its kind, with the fields that a
    recorded event of that aggregate also has (its number, account, invoice...) copied from it."""
    aggregate = type(built).__qualname__.split(".")[0]
    kin = [e for name, (_p, e) in recorded.items() if name.split(".")[0] == aggregate]
    if not kin:
        return built
    values = {f.name: getattr(built, f.name) for f in dataclasses.fields(built)}
    values["originator_id"] = kin[-1].originator_id
    values["originator_version"] = max(e.originator_version for e in kin) + 100
    for name in list(values):
        if name in ("originator_id", "originator_version", "timestamp", "originator_topic"):
            continue
        for e in kin:
            if hasattr(e, name) and type(getattr(e, name)) is type(values[name]):
                values[name] = getattr(e, name)
                break
    return type(built)(**values)


# -- the scenario --------------------------------------------------------------------------------


def scenario(client: TestClient, clock: FixedClock) -> None:
    """Facts of every kind, through the API as finance and the platform record them."""
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    post(client, "/v1/admin/customers", customer("acme"))
    post(client, "/v1/admin/customers/acme/contract", contract("2026-02-10"))
    post(client, "/v1/admin/customers/acme/options", {"option": "advanced_support", "pack": "AS4",
                                                      "accepted_on": "2026-02-10"})
    post(client, "/v1/admin/customers/acme/options", {"option": "branding_removal", "accepted_on": "2026-02-10"})
    at(clock, "2026-02-20")
    post(client, "/v1/admin/customers/acme/support-hours", {"on": "2026-02-12", "hours": "2.5", "note": "call\nback"})
    post(client, "/v1/admin/customers/acme/support-hours", {"on": "2026-02-13", "hours": "1", "note": "twice"})
    post(client, "/v1/admin/customers/acme/support-hours/2/withdraw", {"reason": "posted twice"}, 200)
    post(client, "/v1/admin/customers/acme/interventions", {"on": "2026-02-12", "hours": "1.5", "description": "CSV"})
    post(client, "/v1/admin/customers/acme/interventions", {"on": "2026-02-13", "hours": "1", "description": "dup"})
    post(client, "/v1/admin/customers/acme/interventions/2/withdraw", {"reason": "posted twice"}, 200)
    response = client.post("/v1/usage", json={"events": usage_events("acme", 50, credits=7)}, headers=ADMIN)
    assert response.status_code < 300, response.text
    close_february(client, clock)
    number = get(client, "/v1/admin/invoices?month=2026-02")["invoices"][0]["number"]
    at(clock, "2026-03-05")
    post(client, "/v1/admin/customers/acme/payments", {"invoice": number, "amount": "10.00",
                                                      "received_on": "2026-03-05", "method": "transfer",
                                                      "reference": "VIR 1"})
    post(client, "/v1/admin/customers/acme/penalty-credits", {"amount": "30.00", "reason": "outage",
                                                              "incident_on": "2026-03-03", "granted_on": "2026-03-05"})
    at(clock, "2026-03-10", hour=11)
    mail = (CORPUS / "01-fr-plain-valid.eml").read_bytes()
    case = client.post("/v1/admin/disputes/emails", content=mail,
                       headers={**ADMIN, "Content-Type": "message/rfc822"}).json()["case"]
    client.post(f"/v1/admin/disputes/{case}/answer", json={"note": "we look into it"}, headers=ADMIN)
    client.post(f"/v1/admin/disputes/{case}/resolve", json={"outcome": "rejected", "note": "usage is right"},
                headers=ADMIN)
    post(client, f"/v1/admin/invoices/{number}/credit-notes", {"amount_ht": "10.00", "reason": "Geste commercial"})
    post(client, "/v1/admin/vat-rates", {"rate": "21.00", "effective_from": "2026-04-01"})
    terms = {"restoration_hours": "4", "yearly_max_hours": "20", "penalty_per_hour": "50.00"}
    assert client.put("/v1/admin/customers/acme/sla-terms", json=terms, headers=ADMIN).status_code == 200
    post(client, "/v1/admin/customers/acme/incidents", {"reference": "INC-1", "notified_at": "2026-03-10T09:00:00+01:00"})
    post(client, "/v1/admin/customers/acme/incidents/INC-1/confirm", {"at": "2026-03-10T09:30:00+01:00"}, 200)
    post(client, "/v1/admin/customers/acme/incidents/INC-1/restore", {"at": "2026-03-10T16:00:00+01:00"}, 200)
    container = client.app.state.container  # type: ignore[attr-defined]
    container.cases.quarantine(b"Subject: x\r\n\r\nbody", MailRefused(
        reason="assessment.subject contains a control character (U+0000)", field="assessment.subject",
        message_id="q-1@example.org", sender="someone@example.org", subject="x\x00y"))
    post(client, "/v1/admin/customers/acme/options/branding_removal/end", {"ended_on": "2026-03-31"}, 200)
    post(client, "/v1/admin/customers/acme/termination", {"notified_on": "2026-03-20", "channel": "email"})


# -- the property ---------------------------------------------------------------------------------


def project_alone(projector: ReadModelProjector, domain_event: DomainEvent, position: int) -> None:
    """Store ``domain_event`` as the recorder would (the ledger's mapper, and back) and run its handler
    on the read models as they are, in a transaction rolled back afterwards."""
    stored = projector.ledger.mapper.to_stored_event(domain_event)
    notification = Notification(id=position, originator_id=stored.originator_id,
                                originator_version=stored.originator_version, topic=stored.topic, state=stored.state)
    with projector.engine.connect() as conn:
        transaction = conn.begin()
        try:
            projector._apply(conn, [notification], bulk=False)
        finally:
            transaction.rollback()


def test_a_hostile_value_in_any_field_of_any_event_is_refused_or_stored_and_projected(
    client: TestClient, clock: FixedClock
) -> None:
    scenario(client, clock)
    container = client.app.state.container  # type: ignore[attr-defined]
    projector: ReadModelProjector = container.projector
    ledger_app = container.ledger
    projector.catch_up()
    assert projector.failure is None
    notifications = ledger_app.recorder.select_notifications(start=1, limit=100_000)
    recorded: dict[str, tuple[int, DomainEvent]] = {}
    for n in notifications:
        domain_event = ledger_app.mapper.to_domain_event(n)
        recorded.setdefault(type(domain_event).__qualname__, (n.id, domain_event))
    classes = event_classes()
    from_scenario = sorted(name for name in (c.__qualname__ for c in classes) if name in recorded)
    assert len(from_scenario) >= 35, from_scenario

    # Replay the ledger by hand into emptied read models; before each class's first event, try its
    # mutations against the read models as they stand at that point.
    first_of: dict[int, str] = {position: name for name, (position, _e) in recorded.items()}
    tried = refused = projected = 0
    problems: list[str] = []
    unprojected: list[str] = []

    def mutate(name: str, base: DomainEvent, position: int, project: bool) -> None:
        nonlocal tried, refused, projected
        owner = type(base).__qualname__
        fields = [f.name for f in dataclasses.fields(base)
                  if f.name not in ("originator_id", "originator_version", "timestamp", "originator_topic")]
        walked = [leaf for field in fields for leaf in leaves(getattr(base, field), (field,), False, owner)]
        for path, value, in_mapping, leaf_owner in walked[:MAX_LEAVES]:
            leaf_name = next((p for p in reversed(path) if isinstance(p, str)), path[0])
            for hostile in hostile_values(value, leaf_owner, leaf_name, in_mapping):
                tried += 1
                mutated = replaced(base, path, hostile)
                label = f"{name}.{field_of(path)} = {repr(hostile)[:60]}"
                try:
                    event_guard.check_events([mutated])
                except InvalidInput as exc:
                    refused += 1
                    top = str(exc.field).split(".")[0].split("[")[0]
                    if top != path[0]:
                        problems.append(f"{label}: refused naming {exc.field!r}")
                    continue
                except Exception as exc:  # the guard itself must never crash
                    problems.append(f"{label}: guard raised {type(exc).__name__}: {exc}")
                    continue
                try:
                    if project:
                        project_alone(projector, mutated, position)
                        projected += 1
                    else:
                        ledger_app.mapper.to_domain_event(ledger_app.mapper.to_stored_event(mutated))
                except Exception as exc:
                    problems.append(f"{label}: accepted, then {type(exc).__name__}: {str(exc)[:200]}")

    with projector._local_lock:  # the app's projector thread waits meanwhile
        projector.reset()
        for n in notifications:
            name = first_of.get(n.id)
            if name is not None:
                position, base = recorded[name]
                mutate(name, base, position, project=True)
            with projector.engine.begin() as conn:
                projector._apply(conn, [n], bulk=False)
        # The classes the scenario did not record: built from their annotations, as the next event of
        # an aggregate of their kind that it did record (same-named fields copied from its events), on
        # the read models of the whole scenario. Projected when that built event itself projects
        # (its handler may need facts the scenario lacks); otherwise stored (the mapper) only.
        built = [c for c in classes if c.__qualname__ not in recorded]
        last = notifications[-1].id
        for cls in built:
            base = kin_of(sample_event(cls), recorded)
            event_guard.check_events([base])  # the built event itself passes
            try:
                project_alone(projector, base, last + 1)
            except Exception:
                unprojected.append(cls.__qualname__)
                mutate(cls.__qualname__, base, 0, project=False)
            else:
                mutate(cls.__qualname__, base, last + 1, project=True)
    projector.rebuild()
    assert projector.failure is None
    assert client.get("/health").status_code == 200
    assert not problems, "\n".join(problems[:60]) + f"\n... {len(problems)} problems"
    assert tried > 2000 and refused > 1000 and projected > 100, (tried, refused, projected)
    print(f"\n{len(classes)} event classes, {len(from_scenario)} from the scenario, {len(built)} built "
          f"({', '.join(c.__qualname__ for c in built)}; not projected: {', '.join(unprojected)}); "
          f"{tried} hostile events, {refused} refused, {projected} stored and projected")
    assert t.mail_quarantine is not None
