"""A client of the Flow Service API of a plateforme agréée (AFNOR XP Z12-013, annex A, v1.1.0).

Three operations: ``POST /v1/flows`` (a multipart with the ``flowInfo`` JSON part, then the file),
``POST /v1/flows/search`` (flows updated after a moment: the incoming lifecycle statuses) and
``GET /v1/flows/{flowId}`` (a flow's metadata, or its file). Every call carries an OAuth2 bearer token
obtained with the client-credentials grant from ``BILLING_PA_TOKEN_URL`` and kept until shortly before it
expires.

Failures:

- 429, 5xx, timeouts and connection errors are retried with exponential backoff (full jitter), honouring
  ``Retry-After`` (seconds or an HTTP date), up to ``max_attempts``; then :class:`PaUnavailable`.
- 401 fetches a new token once (the platform may have revoked it), then is a rejection.
- Any other 4xx is a :class:`PaRejected` with the spec's ``errorCode`` / ``errorMessage``.
- A flow is never sent twice: when an attempt to send one failed after the request may have reached the
  platform (a timeout or a 5xx), the next attempt first searches the platform by ``trackingId`` and returns
  the flow found there instead of sending it again.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from billing.settings import Settings
from einvoicing.flow_info import FlowInfo, FlowProfile, FlowSyntax, ProcessingRule

log = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Statuses after which a POST may have been processed although we got no answer we can use.
AMBIGUOUS_STATUSES = frozenset({500, 502, 503, 504})


# --- Errors -----------------------------------------------------------------------------------------


class PaError(Exception):
    """Anything that went wrong talking to the plateforme agréée."""


class PaRejected(PaError):
    """The platform refused the request (a 4xx other than 429): sending it again will not help.

    ``error_code`` and ``error_message`` are the spec's ``Error`` fields; ``details`` the acknowledgement
    details (level, item, reasonCode, reasonMessage) when the platform gave some.
    """

    def __init__(
        self,
        status_code: int,
        error_code: str | None,
        error_message: str | None,
        *,
        operation: str,
        details: tuple[AcknowledgementDetail, ...] = (),
    ) -> None:
        self.status_code = status_code
        self.error_code = error_code
        self.error_message = error_message
        self.operation = operation
        self.details = details
        super().__init__(f"{operation}: {status_code} {error_code or ''} {error_message or ''}".strip())


class PaUnavailable(PaError):
    """The platform kept answering 429/5xx or timing out, ``attempts`` times."""

    def __init__(self, operation: str, attempts: int, last: str) -> None:
        self.operation = operation
        self.attempts = attempts
        self.last = last
        super().__init__(f"{operation}: platform unavailable after {attempts} attempts ({last})")


# --- The spec's records -----------------------------------------------------------------------------


class FlowAckStatus(StrEnum):
    PENDING = "Pending"
    OK = "Ok"
    ERROR = "Error"


class FlowDirection(StrEnum):
    IN = "In"
    OUT = "Out"


class DocType(StrEnum):
    """What ``GET /v1/flows/{flowId}`` returns: the metadata (JSON) or one of the files."""

    METADATA = "Metadata"
    ORIGINAL = "Original"
    CONVERTED = "Converted"
    READABLE_VIEW = "ReadableView"


@dataclass(frozen=True, slots=True)
class AcknowledgementDetail:
    """``AcknowledgementDetail``: level Error or Warning, the item at fault, a reason code and message.

    ``reason_code`` is one of the spec's ``ReasonCodeEnum`` (``AlreadyExistingFlow``, ``ChecksumMismatch``,
    ``InvalidSchema``…) or a platform's own code (the spec lets it extend the set).
    """

    level: str
    item: str
    reason_code: str
    reason_message: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AcknowledgementDetail:
        return cls(
            level=str(data.get("level", "")),
            item=str(data.get("item", "")),
            reason_code=str(data.get("reasonCode", "")),
            reason_message=str(data.get("reasonMessage", "")),
        )


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    status: FlowAckStatus | None  # None: a value the spec (v1.1.0) does not list
    details: tuple[AcknowledgementDetail, ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Acknowledgement:
        details = data.get("details")
        return cls(
            status=_enum(FlowAckStatus, data.get("status")),
            details=tuple(AcknowledgementDetail.from_json(d) for d in details if isinstance(d, dict))
            if isinstance(details, list)
            else (),
        )


@dataclass(frozen=True, slots=True)
class Flow:
    """A ``Flow`` resource (search results and ``GET`` metadata) or a ``FullFlowInfo`` (a submission)."""

    flow_id: str | None
    tracking_id: str | None = None
    submitted_at: datetime | None = None
    updated_at: datetime | None = None
    flow_type: str | None = None
    processing_rule: ProcessingRule | None = None
    flow_direction: FlowDirection | None = None
    flow_syntax: FlowSyntax | None = None
    flow_profile: FlowProfile | None = None
    sha256: str | None = None
    name: str | None = None
    acknowledgement: Acknowledgement | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Flow:
        """Lenient: a value outside the spec's enums, or a date that cannot be read, becomes ``None`` (and
        is logged) rather than failing the whole answer; a platform may run a newer version of the spec."""
        ack = data.get("acknowledgement")
        return cls(
            flow_id=_str(data.get("flowId")),
            tracking_id=_str(data.get("trackingId")),
            submitted_at=_parse_time(data.get("submittedAt")),
            updated_at=_parse_time(data.get("updatedAt")),
            flow_type=_str(data.get("flowType")),
            processing_rule=_enum(ProcessingRule, data.get("processingRule")),
            flow_direction=_enum(FlowDirection, data.get("flowDirection")),
            flow_syntax=_enum(FlowSyntax, data.get("flowSyntax")),
            flow_profile=_enum(FlowProfile, data.get("flowProfile")),
            sha256=_str(data.get("sha256")),
            name=_str(data.get("name")),
            acknowledgement=Acknowledgement.from_json(ack) if isinstance(ack, dict) else None,
        )


@dataclass(frozen=True, slots=True)
class SearchResult:
    limit: int | None
    results: tuple[Flow, ...]


_E = TypeVar("_E", bound=StrEnum)


def _enum(cls: type[_E], value: Any) -> _E | None:
    if value is None or value == "":
        return None
    try:
        return cls(value)
    except ValueError:
        log.warning("the platform sent %s %r, not a value of the spec", cls.__name__, value)
        return None


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        log.warning("the platform sent a date-time that cannot be read: %r", value)
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _format_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("a search moment must carry its time zone")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# --- Configuration and token ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PaConfig:
    url: str
    token_url: str
    client_id: str
    client_secret: str
    timeout: float = 15.0
    max_attempts: int = 5
    backoff_base: float = 0.5  # seconds: the n-th retry waits up to base * 2**n
    backoff_max: float = 30.0  # no wait longer than this, Retry-After included
    token_margin: float = 30.0  # a token is renewed this many seconds before it expires

    @classmethod
    def from_settings(cls, settings: Settings) -> PaConfig | None:
        """The platform of ``BILLING_PA_*``, or ``None`` when it is not configured (nothing is transmitted)."""
        if not settings.pa_enabled:
            return None
        return cls(
            url=settings.pa_url,
            token_url=settings.pa_token_url,
            client_id=settings.pa_client_id,
            client_secret=settings.pa_client_secret.get_secret_value(),
        )

    def __repr__(self) -> str:  # the secret never reaches a log
        return f"PaConfig(url={self.url!r}, token_url={self.token_url!r}, client_id={self.client_id!r})"


class TokenProvider:
    """OAuth2 client credentials (RFC 6749 §4.4): one token, kept until ``token_margin`` before it expires."""

    def __init__(self, config: PaConfig, http: httpx.Client, clock: Callable[[], float] = time.monotonic) -> None:
        self._config = config
        self._http = http
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self.fetched = 0  # how many tokens were asked for (tests, metrics)

    def token(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at:
                self._fetch()
            assert self._token is not None
            return self._token

    def invalidate(self, token: str) -> None:
        with self._lock:
            if self._token == token:
                self._token = None

    def _fetch(self) -> None:
        try:
            response = self._http.post(
                self._config.token_url,
                data={"grant_type": "client_credentials"},
                auth=(self._config.client_id, self._config.client_secret),  # client_secret_basic, §2.3.1
                timeout=self._config.timeout,
            )
        except httpx.HTTPError as exc:
            raise PaUnavailable("token", 1, type(exc).__name__) from exc
        self.fetched += 1
        if response.status_code != 200:
            body = _json_or_none(response) or {}
            if response.status_code in RETRYABLE_STATUSES:
                raise PaUnavailable("token", 1, f"HTTP {response.status_code}")
            raise PaRejected(
                response.status_code,
                str(body.get("error") or body.get("errorCode") or "") or None,
                str(body.get("error_description") or body.get("errorMessage") or "") or None,
                operation="token",
            )
        body = _json_or_none(response)
        if not isinstance(body, dict) or not body.get("access_token"):
            raise PaRejected(response.status_code, "invalid_token_response", "no access_token", operation="token")
        if str(body.get("token_type", "bearer")).lower() != "bearer":
            raise PaRejected(response.status_code, "unsupported_token_type", str(body.get("token_type")), operation="token")
        lifetime = float(body.get("expires_in") or 300)
        self._token = str(body["access_token"])
        self._expires_at = self._clock() + max(lifetime - self._config.token_margin, lifetime / 2)


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, json.JSONDecodeError):
        return None


# --- The client -------------------------------------------------------------------------------------


class FlowServiceClient:
    """The three Flow Service operations with retries, backoff and one token shared by all calls."""

    def __init__(
        self,
        config: PaConfig,
        *,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self._owns_http = http is None
        self._http = http or httpx.Client(timeout=config.timeout)
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.tokens = TokenProvider(config, self._http, clock)

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> FlowServiceClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # POST /v1/flows ---------------------------------------------------------------------------------

    def submit_flow(
        self, info: FlowInfo, content: bytes, *, file_name: str, content_type: str, check_existing: bool = False
    ) -> Flow:
        """Send one flow; the platform's ``FullFlowInfo`` (its ``flowId``) comes back.

        ``content_type`` is the file part's: ``application/pdf`` or ``application/xml`` (the spec's
        encoding). With a ``trackingId``, a retry after an ambiguous failure never sends a second flow;
        ``check_existing`` looks the ``trackingId`` up before the first attempt too (a job run again after
        a crash, which cannot know whether its earlier run reached the platform).
        """
        if content_type not in ("application/pdf", "application/xml"):
            raise ValueError("the file part is application/pdf or application/xml (FlowPostRequest encoding)")
        if check_existing and info.tracking_id:
            existing = self.find_by_tracking_id(info.tracking_id)
            if existing is not None:
                return existing
        files = {
            "flowInfo": (None, info.to_json().encode("utf-8"), "application/json"),
            "file": (file_name, content, content_type),
        }

        def before_retry(ambiguous: bool) -> Flow | None:
            if ambiguous and info.tracking_id:
                return self.find_by_tracking_id(info.tracking_id)
            return None

        response = self._send("createFlow", "POST", "/v1/flows", files=files, before_retry=before_retry)
        if isinstance(response, Flow):
            return response
        return Flow.from_json(self._json(response, "createFlow"))

    # POST /v1/flows/search --------------------------------------------------------------------------

    def search_flows(
        self,
        *,
        updated_after: datetime | None = None,
        updated_before: datetime | None = None,
        tracking_id: str | None = None,
        flow_types: Sequence[str] = (),
        directions: Sequence[FlowDirection] = (),
        processing_rules: Sequence[ProcessingRule] = (),
        ack_status: FlowAckStatus | None = None,
        limit: int = 100,
    ) -> SearchResult:
        """One page of flows matching every criterion given (at least one is required by the spec)."""
        where: dict[str, Any] = {}
        if updated_after is not None:
            where["updatedAfter"] = _format_time(updated_after)
        if updated_before is not None:
            where["updatedBefore"] = _format_time(updated_before)
        if tracking_id is not None:
            where["trackingId"] = tracking_id
        if flow_types:
            where["flowType"] = list(flow_types)
        if directions:
            where["flowDirection"] = [d.value for d in directions]
        if processing_rules:
            where["processingRule"] = [r.value for r in processing_rules]
        if ack_status is not None:
            where["ackStatus"] = ack_status.value
        if not where:
            raise ValueError("a search needs at least one criterion")
        if not 1 <= limit <= 100:
            raise ValueError("limit is 1 to 100 (SearchFlowParams)")
        response = self._send("searchFlow", "POST", "/v1/flows/search", json={"limit": limit, "where": where})
        assert isinstance(response, httpx.Response)
        body = self._json(response, "searchFlow")
        return SearchResult(
            limit=body.get("limit"), results=tuple(Flow.from_json(f) for f in body.get("results") or ())
        )

    def flows_updated_after(self, updated_after: datetime, *, page: int = 100, **criteria: Any) -> Iterator[Flow]:
        """Every flow updated after ``updated_after``, page by page: the spec paginates by ``updatedAfter``.

        Each next page asks for flows updated after the last ``updatedAt`` seen. Whether a platform reads
        ``updatedAfter`` as strict or not, nothing is repeated: the flows of that last instant already
        returned are skipped by ``flowId``. A full page with nothing new (more flows of one instant than a
        page holds, on a platform whose bound is inclusive) ends the walk rather than loop.
        """
        after = updated_after
        seen: set[str] = set()  # flowIds already returned whose updatedAt is ``after``
        while True:
            result = self.search_flows(updated_after=after, limit=page, **criteria)
            fresh = [f for f in result.results if f.flow_id is None or f.flow_id not in seen]
            yield from fresh
            if len(result.results) < page:
                return
            last = max((f.updated_at for f in result.results if f.updated_at is not None), default=None)
            if last is None or not fresh:
                log.warning("searchFlow: cannot page past %s (no updatedAt, or a full page of one instant)", after)
                return
            if last != after:
                seen = set()
            seen |= {f.flow_id for f in result.results if f.updated_at == last and f.flow_id}
            after = last

    def find_by_tracking_id(self, tracking_id: str) -> Flow | None:
        """The flow the platform holds under ``tracking_id``, if any (the first one it lists)."""
        found = self.search_flows(tracking_id=tracking_id, directions=(FlowDirection.OUT,), limit=100).results
        return next((f for f in found if f.tracking_id == tracking_id and f.flow_id), None)

    # GET /v1/flows/{flowId} -------------------------------------------------------------------------

    def get_flow(self, flow_id: str) -> Flow:
        """A flow's metadata (``docType=Metadata``)."""
        response = self._send("getFlow", "GET", f"/v1/flows/{_path_id(flow_id)}", params={"docType": "Metadata"})
        assert isinstance(response, httpx.Response)
        return Flow.from_json(self._json(response, "getFlow"))

    def download_flow(self, flow_id: str, doc_type: DocType = DocType.ORIGINAL) -> bytes:
        """A flow's file: the original as sent (an incoming CDAR, say), or the platform's converted or readable one."""
        if doc_type is DocType.METADATA:
            raise ValueError("use get_flow for the metadata")
        response = self._send(
            "getFlow",
            "GET",
            f"/v1/flows/{_path_id(flow_id)}",
            params={"docType": doc_type.value},
            accept="application/octet-stream, */*;q=0.1",  # the spec's file type; a platform may name the real one
        )
        assert isinstance(response, httpx.Response)
        return response.content

    # The one request loop ---------------------------------------------------------------------------

    def _send(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        before_retry: Callable[[bool], Flow | None] | None = None,
        accept: str = "application/json",
        **kwargs: Any,
    ) -> httpx.Response | Flow:
        url = self.config.url + path
        request_id = str(uuid.uuid4())  # the same X-Request-Id on every attempt: one logical call
        refreshed = False
        last = ""
        ambiguous = False
        attempt = 0
        while attempt < self.config.max_attempts:
            if attempt and before_retry is not None:
                found = before_retry(ambiguous)
                if found is not None:
                    log.info("%s: already on the platform as %s, not sent again", operation, found.flow_id)
                    return found
            attempt += 1
            try:
                token = self.tokens.token()
            except PaUnavailable as exc:
                last = f"token endpoint: {exc.last}"
                self._backoff(operation, attempt, None, last)
                continue
            headers = {"Authorization": f"Bearer {token}", "X-Request-Id": request_id, "Accept": accept}
            try:
                response = self._http.request(method, url, headers=headers, timeout=self.config.timeout, **kwargs)
            except httpx.TimeoutException as exc:
                # A write or read timeout may come after the platform took the request.
                ambiguous = ambiguous or not isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout)
                last = type(exc).__name__
                self._backoff(operation, attempt, None, last)
                continue
            except httpx.TransportError as exc:
                ambiguous = ambiguous or not isinstance(exc, httpx.ConnectError)
                last = type(exc).__name__
                self._backoff(operation, attempt, None, last)
                continue
            status = response.status_code
            if status < 300:
                return response
            if status == 401 and not refreshed:
                refreshed = True
                self.tokens.invalidate(token)
                attempt -= 1  # a new token is not a retry of the platform
                continue
            if status in RETRYABLE_STATUSES:
                ambiguous = ambiguous or status in AMBIGUOUS_STATUSES
                last = f"HTTP {status}"
                self._backoff(operation, attempt, response.headers.get("Retry-After"), last)
                continue
            raise _rejection(operation, response)
        raise PaUnavailable(operation, attempt, last)

    def _backoff(self, operation: str, attempt: int, retry_after: str | None, reason: str) -> None:
        if attempt >= self.config.max_attempts:
            return
        delay = _retry_after_seconds(retry_after)
        if delay is None:
            delay = self._rng.uniform(0, self.config.backoff_base * (2 ** (attempt - 1)))
        delay = min(max(delay, 0.0), self.config.backoff_max)
        log.warning("%s: %s, attempt %d of %d, next in %.2fs", operation, reason, attempt, self.config.max_attempts, delay)
        self._sleep(delay)

    @staticmethod
    def _json(response: httpx.Response, operation: str) -> dict[str, Any]:
        body = _json_or_none(response)
        if not isinstance(body, dict):
            raise PaError(f"{operation}: the platform answered {response.status_code} without a JSON object")
        return body


def _path_id(flow_id: str) -> str:
    if not flow_id or len(flow_id) > 36:
        raise ValueError("a flowId is 1 to 36 characters (NotOnlyUuid)")
    return quote(flow_id, safe="")


def _retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After``: delay-seconds or an HTTP-date (RFC 9110 §10.2.3); ``None`` when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def _rejection(operation: str, response: httpx.Response) -> PaRejected:
    body = _json_or_none(response)
    error_code = error_message = None
    details: tuple[AcknowledgementDetail, ...] = ()
    if isinstance(body, dict):
        error_code = body.get("errorCode")
        error_message = body.get("errorMessage")
        ack = body.get("acknowledgement")
        raw_details = ack.get("details") if isinstance(ack, dict) else body.get("details")
        if isinstance(raw_details, list):
            details = tuple(AcknowledgementDetail.from_json(d) for d in raw_details if isinstance(d, dict))
    return PaRejected(
        response.status_code,
        str(error_code) if error_code is not None else None,
        str(error_message) if error_message is not None else None,
        operation=operation,
        details=details,
    )


def flow_service_client(settings: Settings) -> FlowServiceClient | None:
    """The client of the configured platform, or ``None`` when ``BILLING_PA_*`` are unset."""
    config = PaConfig.from_settings(settings)
    return FlowServiceClient(config) if config is not None else None
