"""Request plumbing shared by the routes: access, body size, scenario decoding and limits.

Guarantees: `read_body` never holds more than `max_request_bytes` of a body in memory;
`decode_scenario` either returns a parsed Scenario within every limit, with its effective
time limit, or raises ApiError (413 for size, 422 for malformed JSON, bad schema or a limit,
each naming the limit or carrying the findings of `allocator validate`); a synchronous
solve whose scenario asks for more time than the server allows is clamped, with a warning.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from allocator import Finding, Scenario, ScenarioError, parse_scenario

from .errors import ApiError, limit_error
from .jobs import JobStore
from .settings import Settings
from .worker import Dispatcher

bearer = HTTPBearer(auto_error=False, description="a token from the server's "
                    "ALLOCATOR_TOKENS (only when the server sets any)")


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_store(request: Request) -> JobStore:
    return request.app.state.store


def get_dispatcher(request: Request) -> Dispatcher | None:
    """The running dispatcher (None outside the app's lifespan: jobs then stay queued)."""
    return request.app.state.dispatcher


def owner_of(request: Request,
             credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]
             ) -> str:
    """The caller's identity: "" without tokens configured, else a digest of the token.

    Raises 401 when tokens are configured and none, or an unknown one, is sent.
    """
    tokens = get_settings(request).tokens
    if not tokens:
        return ""
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        raise ApiError(401, "unauthorized", key="api.token_needed", headers=challenge)
    given = credentials.credentials.encode()
    for token in tokens:
        if hmac.compare_digest(given, token.encode()):
            return hashlib.sha256(token.encode()).hexdigest()[:32]
    raise ApiError(401, "unauthorized", key="api.token_unknown", headers=challenge)


Owner = Annotated[str, Depends(owner_of)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[JobStore, Depends(get_store)]
DispatcherDep = Annotated[Dispatcher | None, Depends(get_dispatcher)]


async def read_body(request: Request, settings: Settings) -> bytes:
    """The request body, or 413 (naming the limit) as soon as it passes max_request_bytes."""
    limit = settings.max_request_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise limit_error(413, "max_request_bytes", limit, int(declared), "api.what.body_bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise limit_error(413, "max_request_bytes", limit, size, "api.what.body_bytes_least")
        chunks.append(chunk)
    return b"".join(chunks)


def decode_json(body: bytes) -> tuple[Any, str]:
    """(document, text) of a UTF-8 JSON body; 422 naming line and column when malformed."""
    try:
        text = body.decode("utf-8-sig")
        return json.loads(text), text
    except UnicodeDecodeError as exc:
        message = f"the body is not UTF-8 text (byte {exc.start})"
    except json.JSONDecodeError as exc:
        message = f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
    except RecursionError:
        message = "malformed JSON: nested too deeply"
    raise ApiError(422, "malformed_json", message,
                   findings=[Finding(severity="error", code="json", message=message)])


def check_sizes(raw: Any, settings: Settings, sync: bool) -> None:
    """422 when the document has more blocks or teachers than the limits allow."""
    if not isinstance(raw, dict):
        return
    blocks, teachers = raw.get("blocks"), raw.get("teachers")
    if isinstance(blocks, list):
        if sync and len(blocks) > settings.max_sync_blocks:
            raise limit_error(422, "max_sync_blocks", settings.max_sync_blocks, len(blocks),
                              "api.what.sync_blocks")
        if len(blocks) > settings.max_blocks:
            raise limit_error(422, "max_blocks", settings.max_blocks, len(blocks),
                              "api.what.blocks")
    if isinstance(teachers, list) and len(teachers) > settings.max_teachers:
        raise limit_error(422, "max_teachers", settings.max_teachers, len(teachers),
                          "api.what.teachers")


def parse_or_422(raw: Any) -> Scenario:
    """The Scenario, or 422 with the findings of `allocator validate`."""
    try:
        return parse_scenario(raw)
    except ScenarioError as exc:
        raise ApiError(422, "invalid_scenario", key="api.invalid_scenario",
                       fields={"n": len(exc.findings)}, findings=exc.findings) from None


def effective_time_limit(scenario: Scenario, asked: float | None, settings: Settings,
                         sync: bool) -> tuple[float, dict[str, Any] | None]:
    """The time limit to solve with, and the fields of the warning when it was clamped.

    The query's limit, else the scenario's if it sets one, else the scenario default capped
    at the server limit. A query limit over the server's is 422; so is a scenario's own
    limit for a job. A synchronous solve clamps the scenario's own limit to the server's
    and returns the warning's fields (asked, allowed, the setting's name and variable).
    """
    name = "max_sync_time_limit_s" if sync else "max_time_limit_s"
    allowed = getattr(settings, name)
    what = "api.what.query_time_limit"
    if asked is None:
        if "time_limit_s" not in scenario.options.model_fields_set:
            return min(scenario.options.time_limit_s, allowed), None
        asked = scenario.options.time_limit_s
        what = "api.what.scenario_time_limit"
        if sync and asked > allowed:
            return allowed, {"asked": f"{asked:g}", "allowed": f"{allowed:g}", "name": name,
                             "setting": Settings.env_name(name)}
    if asked > allowed:
        raise limit_error(422, name, allowed, asked, what)
    return asked, None


@dataclass
class Decoded:
    scenario: Scenario
    text: str
    time_limit: float
    clamped: dict[str, Any] | None = None  # fields of api.time_limit_clamped


def decode_scenario(body: bytes, settings: Settings, *, sync: bool,
                    time_limit: float | None) -> Decoded:
    """Decode, size-check and parse a scenario body (blocking: run it in a thread)."""
    raw, text = decode_json(body)
    check_sizes(raw, settings, sync)
    scenario = parse_or_422(raw)
    limit, clamped = effective_time_limit(scenario, time_limit, settings, sync)
    return Decoded(scenario, text, limit, clamped)
