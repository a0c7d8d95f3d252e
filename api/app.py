"""The FastAPI application: `create_app(settings)` (uvicorn: ``api.app:create_app --factory``).

Guarantees: one server at a time uses a job store (a second one on the same SQLite file
refuses to start, naming the file); on start, jobs a stopped server left running are
re-queued or failed (`JobStore.recover`) and queued jobs start; on a clean stop, running
solves are killed and their jobs re-queued. Every answer other than success is a `Problem`.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import multiprocessing.forkserver
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO, Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from .deps import owner_of
from .errors import install_error_handlers
from .jobs import JobStore
from .routes import compare, edits, jobs, meta, outputs, plans, scenarios, workbooks
from .routes.workbench import mount_workbench
from .schemas import scenario_components
from .settings import Settings
from .worker import Dispatcher, mp_context

log = logging.getLogger("api")

# routers mounted under /v1 (all need a token when tokens are configured); a new area is one
# more module with an APIRouter added here
V1_ROUTERS: list[APIRouter] = [scenarios.router, workbooks.router, jobs.router, edits.router,
                               plans.router, outputs.router, compare.router, meta.policies_router]

DESCRIPTION = """\
Solve school-district allocation scenarios over HTTP: which school every residential block's
children attend, boarding, classes per school, with a proven lower bound.

Small scenarios: `POST /v1/solve` answers result.json. Larger ones: `POST /v1/jobs` (202 and
a job id), then poll `GET /v1/jobs/{id}` and fetch `/result` or `/assignments.csv`. Errors
answer a `Problem` (code, message, the limit or the findings with JSON path and record id).
When the server has tokens, send `Authorization: Bearer <token>`; a job is visible only to
the token that created it. `Accept-Language: zh-CN` (or `en`, the default) picks the language
of messages, warnings, the compare page and the job map; `Content-Language` names it.

The planner's workbench, a page over these routes, is served at `/`.
"""


class StoreInUse(RuntimeError):
    """Another server holds the job store."""


def lock_store(db_path: Path) -> IO[Any]:
    """Hold an exclusive lock beside the store for this process's life (released by the OS
    even when the process is killed). Raises StoreInUse when another server has it."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(db_path.with_name(db_path.name + ".lock"), "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise StoreInUse(f"another allocator server is using the job store {db_path}; stop "
                         "it or set ALLOCATOR_DB_PATH to another file") from None
    return handle


def operation_id(route: APIRoute) -> str:
    """Readable operation ids: the route function's name (create_job, get_job_result ...)."""
    return route.name


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document (cached): the scenario schema among the components, and bearer
    security on the /v1 routes only when the server has tokens."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, description=app.description,
                             routes=app.routes, tags=app.openapi_tags)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, part in scenario_components().items():
            components.setdefault(name, part)
        if not app.state.settings.tokens:  # describe the server as configured: no auth
            schema["components"].pop("securitySchemes", None)
            for path in schema["paths"].values():
                for operation in path.values():
                    operation.pop("security", None)
        app.openapi_schema = schema
    return app.openapi_schema


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API over the job store of `settings` (default: from the environment / .env)."""
    settings = settings or Settings()
    store = JobStore(settings.db_path)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        lock = lock_store(settings.db_path)
        dispatcher = Dispatcher(store, settings.workers, settings.max_attempts,
                                settings.worker_memory_mb)
        try:
            if mp_context().get_start_method() == "forkserver":  # start it, preloaded
                await asyncio.to_thread(multiprocessing.forkserver.ensure_running)
            requeued, failed = dispatcher.start()
            if requeued or failed:
                log.warning("job store %s: %d interrupted job(s) re-queued, %d failed",
                            settings.db_path, requeued, failed)
            app.state.dispatcher = dispatcher
            yield
        finally:
            app.state.dispatcher = None
            await asyncio.to_thread(dispatcher.stop)
            lock.close()

    app = FastAPI(title="School-district allocation API", version=meta.package_version(),
                  description=DESCRIPTION, lifespan=lifespan,
                  generate_unique_id_function=operation_id,
                  openapi_tags=[
                      {"name": "scenarios", "description": "validate and solve at once"},
                      {"name": "jobs", "description": "background solves that survive "
                                                      "restarts"},
                      {"name": "policies", "description": "policy profiles and rules"},
                      {"name": "service", "description": "health"}])
    app.state.settings = settings
    app.state.store = store
    app.state.dispatcher = None  # set while the app runs (lifespan)
    app.state.sync_slots = asyncio.Semaphore(settings.sync_workers)
    install_error_handlers(app)
    app.include_router(meta.health_router)
    mount_workbench(app)  # the planner's page at / (no token: it holds no data)
    v1 = APIRouter(prefix="/v1", dependencies=[Depends(owner_of)])
    for router in V1_ROUTERS:
        v1.include_router(router)
    app.include_router(v1)
    app.openapi = lambda: build_openapi(app)  # type: ignore[method-assign]
    return app
