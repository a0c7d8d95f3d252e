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

from .schemas import FindingOut, LimitInfo, Problem
from .settings import Settings

log = logging.getLogger("api")


class ApiError(Exception):
    """An answer other than success: HTTP status, code, message, optional limit / findings."""

    def __init__(self, status: int, code: str, message: str, *, limit: LimitInfo | None = None,
                 findings: list[Any] | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.limit = limit
        self.findings = [FindingOut.of(f) for f in findings or []]
        self.headers = headers

    def problem(self) -> Problem:
        return Problem(code=self.code, message=self.message, limit=self.limit,
                       findings=self.findings)


def limit_error(status: int, name: str, allowed: float, given: float, what: str) -> ApiError:
    """An answer for a request over the limit `name` (a Settings field); says which and how
    to get under it."""
    setting = Settings.env_name(name)
    return ApiError(status, "limit_exceeded",
                    f"{what}: {given:g} is over this server's limit {name} = {allowed:g} "
                    f"(set by {setting})",
                    limit=LimitInfo(name=name, setting=setting, allowed=allowed, given=given))


def problem_response(status: int, problem: Problem,
                     headers: dict[str, str] | None = None) -> JSONResponse:
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


async def _on_api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return problem_response(exc.status, exc.problem(), exc.headers)


async def _on_validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    findings = []
    for e in exc.errors():
        loc = tuple(e.get("loc", ()))
        findings.append(FindingOut(severity="error", code="request", message=str(e.get("msg")),
                                   field=str(loc[-1]) if loc else None, path=_location(loc)))
    where = ", ".join(f.path or "" for f in findings)
    return problem_response(422, Problem(code="invalid_request",
                                         message=f"the request is not valid ({where})",
                                         findings=findings))


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
    message = {404: "no such route (the API lives under /v1; /docs lists the routes)",
               405: "this route does not take that method"}.get(exc.status_code,
                                                                 str(exc.detail))
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405:  # Starlette names only the first route's methods
        headers["Allow"] = ", ".join(allowed_methods(request.app, request.url.path))
    return problem_response(exc.status_code,
                            Problem(code=codes.get(exc.status_code, "http_error"),
                                    message=message), headers or None)


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(500, Problem(code="internal_error",
                                         message="the server met an unexpected error; the "
                                                 "server log has the details"))


def install_error_handlers(app: FastAPI) -> None:
    """Route every failure of `app` to a Problem answer."""
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)
