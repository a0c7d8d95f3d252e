"""Where the variants of a sweep run: a local process pool, a Dask LocalCluster, or an
existing Dask cluster (`dask scheduler` + `dask worker tcp://...` on several machines).

Every backend runs the same task, `allocator.sweep.task.solve_variant(task, base)`, and offers
the same four calls to the sweep loop: `capacity()` (how many variants may run at once),
`submit(task, base_key, base)`, `wait(futures, timeout)` (the finished ones) and
`outcome(future)` (the task's answer, or a failure answer when the process or worker running
it died). A variant's own failure is an answer, never an exception; the backends turn a dead
process or worker into a failure of the variants it was running and carry on.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import multiprocessing
import signal
import time
import uuid
from typing import Any

from .task import solve_variant

DIED = ("the process running this variant died (killed, or out of memory) before it "
        "finished; rerun the sweep to try it again")


class BackendError(RuntimeError):
    """The backend cannot start (e.g. the scheduler cannot be reached): bad input, exit 2."""


def _ignore_sigint() -> None:
    """Pool workers leave Ctrl-C to the parent, which stops them (no traceback per worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class PoolBackend:
    """A pool of `workers` local processes (spawned: each imports the solver afresh, none
    inherits the parent's threads); a pool broken by a dead process is replaced."""

    kind = "process pool"

    def __init__(self, workers: int):
        self.workers = workers
        self.pool = self._new_pool()
        self.broken = False

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        return cf.ProcessPoolExecutor(max_workers=self.workers,
                                      mp_context=multiprocessing.get_context("spawn"),
                                      initializer=_ignore_sigint)

    def describe(self) -> str:
        return f"{self.workers} local process{'es' if self.workers != 1 else ''}"

    def capacity(self) -> int:
        return self.workers

    def submit(self, task: dict[str, Any], base_key: int, base: dict[str, Any]) -> cf.Future:
        return self.pool.submit(solve_variant, task, base)

    def release(self, base_key: int) -> None:
        """Nothing is kept per base (each task carries its base)."""

    def wait(self, futures: list[cf.Future], timeout: float) -> set[cf.Future]:
        done, _ = cf.wait(futures, timeout=timeout, return_when=cf.FIRST_COMPLETED)
        return done

    def outcome(self, future: cf.Future) -> dict[str, Any]:
        try:
            return future.result()
        except cf.process.BrokenProcessPool:
            self.broken = True
            return {"ok": False, "error": DIED, "seconds": None, "worker": None}
        except Exception as exc:  # pickling trouble and the like: the variant failed
            return {"ok": False, "error": f"the task failed: {type(exc).__name__}: {exc}",
                    "seconds": None, "worker": None}

    def recover(self) -> None:
        """Replace a pool whose process died (its running variants were reported failed)."""
        if self.broken:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = self._new_pool()
            self.broken = False

    def close(self, cancel: bool = False) -> None:
        """Shut the pool down; with `cancel`, stop the running solves too."""
        if cancel:
            procs = list((getattr(self.pool, "_processes", None) or {}).values())
            self.pool.shutdown(wait=False, cancel_futures=True)
            for p in procs:
                if p.is_alive():
                    p.terminate()
            for p in procs:
                p.join(timeout=5)
        else:
            self.pool.shutdown(wait=True)


class DaskBackend:
    """Variants as tasks of a Dask cluster. The base scenario is scattered to the cluster
    once and shared by its variants; a variant whose worker died fails (KilledWorker) and
    the others go on."""

    def __init__(self, client: Any, cluster: Any = None, address: str | None = None):
        self.client = client
        self.cluster = cluster
        self.address = address
        self.kind = "Dask LocalCluster" if cluster is not None else "Dask cluster"
        self.bases: dict[int, Any] = {}
        self.live: set[Any] = set()

    @classmethod
    def connect(cls, address: str, timeout: float = 10.0,
                wait_workers: float = 30.0) -> DaskBackend:
        """A client of the scheduler at `address` with at least one worker; BackendError
        when it cannot be reached within `timeout` s or has no worker after
        `wait_workers` s."""
        from distributed import Client

        try:
            client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise BackendError(f"cannot reach the Dask scheduler at {address} within "
                               f"{timeout:g} s ({type(exc).__name__}: {exc}); start it with "
                               "`dask scheduler` and check the address and firewall") from None
        try:
            client.wait_for_workers(1, timeout=wait_workers)
        except (TimeoutError, OSError):
            client.close()
            raise BackendError(f"the Dask scheduler at {address} has no worker after "
                               f"{wait_workers:g} s; start some with `dask worker {address}`"
                               ) from None
        return cls(client, address=address)

    @classmethod
    def local(cls, workers: int) -> DaskBackend:
        """A LocalCluster of `workers` single-threaded worker processes on this machine
        (random scheduler port, no dashboard)."""
        from distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
        client = Client(cluster, set_as_default=False)
        try:
            client.wait_for_workers(workers, timeout=120)  # all take variants from the start
        except Exception:
            client.close()
            cluster.close()
            raise
        return cls(client, cluster=cluster, address=cluster.scheduler_address)

    def describe(self) -> str:
        n = self.capacity()
        return f"{self.kind} at {self.address} ({n} worker thread{'s' if n != 1 else ''})"

    def capacity(self) -> int:
        try:
            return max(1, sum(self.client.nthreads().values()))
        except OSError:  # scheduler briefly unreachable: keep what runs
            return 1

    def submit(self, task: dict[str, Any], base_key: int, base: dict[str, Any]) -> Any:
        if base_key not in self.bases:
            # on every worker: data held by one worker would draw all its variants there
            self.bases[base_key] = self.client.scatter([base], hash=False, broadcast=True)[0]
        fut = self.client.submit(solve_variant, task, self.bases[base_key], pure=False,
                                 key=f"sweep-{task['id']}-{uuid.uuid4().hex[:8]}")
        self.live.add(fut)
        return fut

    def release(self, base_key: int) -> None:
        """Forget a base whose variants have all finished (the cluster frees it)."""
        fut = self.bases.pop(base_key, None)
        if fut is not None:
            fut.release()

    def wait(self, futures: list[Any], timeout: float) -> set[Any]:
        """The futures done within `timeout` s (polled: this client is not the default
        one, which `distributed.wait` would need)."""
        end = time.monotonic() + timeout
        while True:
            done = {f for f in futures if f.done()}
            if done or time.monotonic() >= end:
                return done
            time.sleep(0.05)

    def outcome(self, future: Any) -> dict[str, Any]:
        try:
            out = future.result()
        except Exception as exc:  # KilledWorker, CancelledError, a lost connection
            name = type(exc).__name__
            why = DIED if name == "KilledWorker" else f"the Dask task failed: {name}: {exc}"
            out = {"ok": False, "error": why, "seconds": None, "worker": None}
        self.live.discard(future)
        future.release()
        return out

    def recover(self) -> None:
        """Dask reschedules by itself; nothing to do."""

    def close(self, cancel: bool = False) -> None:
        """Close the client (cancelling what is still queued when `cancel`) and the local
        cluster if this backend started one. A task already running on a remote worker
        finishes there; its answer is dropped."""
        try:
            if cancel:
                self.client.cancel([*self.live, *self.bases.values()], force=True)
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()
