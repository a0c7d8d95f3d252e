"""Error answers: every failure becomes a `Problem` JSON body, never a traceback.

`ApiError` is raised by routes and dependencies; the handlers installed by
`install_error_handlers` turn it, FastAPI's request validation errors, Starlette's HTTP
errors (unknown route, wrong method) and any unexpected exception into `Problem` answers.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from allocator import normalize_lang, translate

from .schemas import FindingOut, LimitInfo, Problem
from .settings import Settings

log = logging.getLogger("api")


class ApiError(Exception):
    """An answer other than success: HTTP status, code, message, optional limit / findings.

    With `key` (a catalog key of `api.json`) and its `fields`, the message is written in the
    language the request asks for (Accept-Language); `message` is its English text."""

    def __init__(self, status: int, code: str, message: str | None = None, *,
                 limit: LimitInfo | None = None, findings: list[Any] | None = None,
                 headers: dict[str, str] | None = None, key: str | None = None,
                 fields: dict[str, Any] | None = None):
        self.key, self.fields = key, dict(fields or {})
        message = message if message is not None else self.text("en")
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.limit = limit
        self.findings = [FindingOut.of(f) for f in findings or []]
        self.headers = headers

    def problem(self, lang: str = "en") -> Problem:
        """The answer's body, its message in `lang` when the error has a catalog key."""
        return Problem(code=self.code, message=self.text(lang) if self.key else self.message,
                       limit=self.limit, findings=self.findings)

    def text(self, lang: str) -> str:
        """The message in `lang`; a field that is itself a catalog key (`api.what.*`) is
        translated too."""
        fields = {k: translate(v, lang) if isinstance(v, str) and v.startswith("api.what.")
                  else v for k, v in self.fields.items()}
        return translate(self.key or "", lang, **fields)


def accept_language(header: str | None) -> str:
    """The language of an Accept-Language header: the supported language (zh-CN, en) with
    the highest q-value, the first listed on a tie; English when none is supported."""
    best: tuple[float, int, str] | None = None
    for i, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        lang = normalize_lang(tag) if tag.strip() != "*" else None
        if lang is not None and q > 0 and (best is None or (-q, i) < (-best[0], best[1])):
            best = (q, i, lang)
    return best[2] if best else "en"


def request_lang(request: Request) -> str:
    """The language a request asks for (see `accept_language`)."""
    return accept_language(request.headers.get("accept-language"))


def limit_error(status: int, name: str, allowed: float, given: float, what: str) -> ApiError:
    """An answer for a request over the limit `name` (a Settings field); says which and how
    to get under it. `what` is a catalog key (`api.what.*`) naming the figure."""
    setting = Settings.env_name(name)
    return ApiError(status, "limit_exceeded", key="api.limit_exceeded",
                    fields={"what": what, "given": f"{given:g}", "name": name,
                            "allowed": f"{allowed:g}", "setting": setting},
                    limit=LimitInfo(name=name, setting=setting, allowed=allowed, given=given))



def problem_response(status: int, problem: Problem, headers: dict[str, str] | None = None,
                     lang: str | None = None) -> JSONResponse:
    """The Problem answer; `Content-Language` names `lang` when given."""
    if lang is not None:
        headers = {**(headers or {}), "Content-Language": lang}
    return JSONResponse(problem.model_dump(mode="json", exclude_none=True), status_code=status,
                        headers=headers)


def problem_of(error: dict[str, Any]) -> Problem:
    """An error dict of a worker or the store ({code, message, findings?}) as a Problem."""
    return Problem(code=error.get("code", "error"), message=error.get("message", "error"),
                   findings=[FindingOut.of(f) for f in error.get("findings", [])])


def error_response(error: dict[str, Any], status: int) -> JSONResponse:
    """An error dict ({code, message, findings?}) as an answer."""
    return problem_response(status, problem_of(error))


def _location(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc)


async def _on_api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    lang = request_lang(request)
    return problem_response(exc.status, exc.problem(lang), exc.headers, lang)


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    findings = []
    for e in exc.errors():
        loc = tuple(e.get("loc", ()))
        findings.append(FindingOut(severity="error", code="request", message=str(e.get("msg")),
                                   field=str(loc[-1]) if loc else None, path=_location(loc)))
    where = ", ".join(f.path or "" for f in findings)
    lang = request_lang(request)
    return problem_response(422, Problem(code="invalid_request", message=translate(
        "api.invalid_request", lang, where=where), findings=findings), lang=lang)


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """The methods the OpenAPI document lists for the route template matching `path`."""
    parts = path.strip("/").split("/")
    for template, operations in app.openapi().get("paths", {}).items():
        pattern = template.strip("/").split("/")
        if len(pattern) == len(parts) and all(
                a == b or (a.startswith("{") and a.endswith("}"))
                for a, b in zip(pattern, parts, strict=True)):
            return sorted(m.upper() for m in operations)
    return []


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    codes = {404: "not_found", 405: "method_not_allowed"}
    lang = request_lang(request)
    key = {404: "api.no_route", 405: "api.wrong_method"}.get(exc.status_code)
    message = translate(key, lang) if key else str(exc.detail)
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405:  # Starlette names only the first route's methods
        headers["Allow"] = ", ".join(allowed_methods(request.app, request.url.path))
    return problem_response(exc.status_code,
                            Problem(code=codes.get(exc.status_code, "http_error"),
                                    message=message), headers or None, lang)


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    lang = request_lang(request)
    return problem_response(500, Problem(code="internal_error", message=translate(
        "api.internal_error", lang)), lang=lang)


def install_error_handlers(app: FastAPI) -> None:
    """Route every failure of `app` to a Problem answer."""
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)
