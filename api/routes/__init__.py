"""HTTP routes, one module per area; `api.app` mounts them.

`meta` (/health, unauthenticated), and under /v1 (bearer token when configured):
`scenarios` (validate, synchronous solve), `jobs` (asynchronous jobs and their outputs:
result, assignments.csv, catchments.geojson, the HTML map), `compare` (finished jobs side by
side), `policies`. A new area is a new module with its own APIRouter, added to `V1_ROUTERS`
in `api.app`; a new output of a finished job is one route in `jobs` built on
`jobs.load_result`.
"""

from __future__ import annotations

from typing import Any

from ..schemas import Problem


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for error answers (all have the Problem body)."""
    text = {400: "the body could not be read as JSON (e.g. not UTF-8)",
            401: "missing or unknown bearer token", 404: "unknown job (or another token's)",
            409: "the job is not in a state that allows this", 413: "request body too large",
            422: "malformed JSON, invalid scenario (findings) or a limit exceeded (limit)",
            500: "the solver failed (message says why)", 503: "all solver slots are busy",
            504: "the solver did not answer in time"}
    return {s: {"model": Problem, "description": text[s]} for s in statuses}
