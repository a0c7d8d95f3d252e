"""The planner's workbench: the page at `/`, its assets, its texts and its settings.

The page is static HTML, CSS and JavaScript under `api/workbench/` (no build step, no CDN);
the map library is the Leaflet vendored in `geo/static/leaflet`. The page itself needs no
token (it holds no data); everything it shows comes from the `/v1` routes, with the bearer
token the page asks for when `config.json` says the server has tokens.

Guarantees: `/workbench/catalog.json` holds every key of the page's catalogs (`wb.*`, the
rule titles and the map's utilisation classes) in every language; `/workbench/config.json`
tells whether a token is needed and the optional basemap, never a token itself.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from allocator import LANGUAGES, catalog_texts

from ..deps import SettingsDep

router = APIRouter(include_in_schema=False)

ASSETS = Path(str(files("api") / "workbench"))
LEAFLET = Path(str(files("geo") / "static" / "leaflet"))
# the catalogs the page reads: its own labels, the rule titles (violations) and the map's
# utilisation classes (legend)
PAGE_PREFIXES = ("wb.", "rule.", "map.util.", "map.util_title", "horizon.col.",
                 "horizon.target.")


@router.get("/")
def workbench_page() -> FileResponse:
    """The workbench page (HTML; texts filled in by the page from catalog.json)."""
    return FileResponse(ASSETS / "index.html", media_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-cache"})


@router.get("/workbench/catalog.json")
def workbench_catalog() -> JSONResponse:
    """The page's texts: {"languages": [...], "texts": {key: {lang: text}}}."""
    return JSONResponse({"languages": list(LANGUAGES),
                         "texts": catalog_texts(PAGE_PREFIXES)})


@router.get("/workbench/config.json")
def workbench_config(settings: SettingsDep) -> JSONResponse:
    """What the page must know of the server: whether it needs a token, the basemap."""
    return JSONResponse({"tokens": bool(settings.tokens), "tile_url": settings.tile_url or None,
                         "tile_attribution": settings.tile_attribution,
                         "tile_gcj02": settings.tile_gcj02,
                         "max_time_limit_s": settings.max_time_limit_s})


def mount_workbench(app: FastAPI) -> None:
    """Serve the page at `/` and its assets under `/workbench/` on `app`."""
    app.include_router(router)
    app.mount("/workbench/static", StaticFiles(directory=ASSETS), name="workbench")
    app.mount("/workbench/leaflet", StaticFiles(directory=LEAFLET), name="leaflet")
