"""Browser tests of the workbench: the server runs in this process (uvicorn in a thread, on
a free port, with a temporary job store) and the system Chromium is driven by Playwright.

Never `playwright install`: the browser is the Debian Chromium on PATH. Without it the tests
skip, except with CI=true, where they fail. Every request to a host other than the local
server is aborted and recorded; each test asserts there was none.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn

from api.app import create_app
from tests.api.test_api import make_settings

SHOTS = Path(os.environ.get("WORKBENCH_SHOTS", "/work/notes/shots"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]


def chromium_path() -> str:
    """The system Chromium; skip (fail under CI=true) when it or Playwright is missing."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    missing = None
    if path is None:
        missing = "no `chromium` on PATH (the browser tests drive the system Chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "the playwright package is not installed (pip install -e .[test])"
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(missing)
        pytest.skip(missing)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    host: str
    store: Path


@contextmanager
def serve(store: Path, **settings) -> Iterator[LiveServer]:
    """The API and the page on a free local port, jobs in `store`, until the block ends."""
    app = create_app(make_settings(store, workers=2, max_time_limit_s=60.0, **settings))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    end = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > end or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", f"127.0.0.1:{port}", store)
    finally:
        server.should_exit = True
        thread.join(30)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """The server of a test module (no tokens), jobs in a temporary store."""
    with serve(tmp_path_factory.mktemp("workbench-store")) as server:
        yield server


@dataclass
class Guard:
    """Requests the page tried to send to other hosts (aborted)."""

    host: str
    blocked: list[str] = field(default_factory=list)

    def route(self, route) -> None:
        url = route.request.url
        if url.startswith(("data:", "blob:")) or url.split("/")[2] == self.host:
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()


@pytest.fixture(scope="module")
def browser():
    path = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def open_page(browser, live_server):
    """A function (lang, path, server) -> (page, guard): a fresh context in that browser
    language on the page of `server` (default: the module's), every request to another host
    aborted; asserts at the end that there was none."""
    contexts, guards = [], []

    def opener(lang: str, path: str = "/", server: LiveServer = live_server):
        context = browser.new_context(locale=lang, accept_downloads=True,
                                      viewport={"width": 1400, "height": 1000})
        guard = Guard(server.host)
        context.route("**/*", guard.route)
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(server.url + path)
        page.wait_for_selector("body[data-ready=true]")
        contexts.append(context)
        guards.append(guard)
        return page, guard

    yield opener
    for context in contexts:
        context.close()
    for guard in guards:
        assert guard.blocked == [], f"the page reached other hosts: {guard.blocked}"


def shoot(page, name: str) -> None:
    """A full-page screenshot into the notes folder (not the repository)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
