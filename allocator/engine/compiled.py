"""Compile a numba kernel once per process, in the background, and say when it is ready.

A kernel module makes one `Warm` with a function that runs its kernels once on a tiny input
(numba compiles them, or loads them from its on-disk cache: about 0.3 s, against 3-9 s the
first time on a machine). Callers ask `ready()` and use a plain-Python path until it is, so a
solve never waits for a compiler.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class Warm:
    """The compile state of one kernel module."""

    def __init__(self, compile_once: Callable[[], None]):
        self._compile_once = compile_once
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._ready = False
        self.error: str | None = None  # why compiling failed (the Python path stays)

    def _run(self) -> None:
        try:
            self._compile_once()
            self._ready = True
        except Exception as exc:  # noqa: BLE001 - any failure leaves the Python path in place
            self.error = repr(exc)

    def warm_up(self, background: bool = True) -> None:
        """Compile once per process (in a daemon thread when `background`); calling again
        does nothing but, without `background`, wait for the compile under way."""
        with self._lock:
            if self._thread is None and not self._ready:
                self._thread = threading.Thread(target=self._run, daemon=True)
                self._thread.start()
            thread = self._thread
        if not background and thread is not None:
            thread.join()

    def ready(self) -> bool:
        """Whether the kernels are compiled (a call runs at once)."""
        return self._ready
