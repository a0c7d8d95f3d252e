"""The job store: jobs, their progress and their results in one SQLite file (stdlib sqlite3).

Guarantees:
- a job is always in exactly one state: queued, running, done, failed or cancelled; the last
  three are final and never change again;
- every write is one transaction, so a crash leaves each job in its last committed state;
- a worker writes only while the job is running *and* the attempt number is its own, so a
  late or stale worker can never overwrite a cancellation, a failure or a newer run;
- a finished job's hand edits live in the `edits` table (one JSON list per job), created
  beside `jobs` when a store of an older version is opened;
- `recover()` (called when a server starts) re-queues jobs a stopped server left running,
  or marks them failed with the reason once they have used `max_attempts` runs.
Connections are opened per call (WAL mode, busy timeout), so the store is safe to share
between threads and processes.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FINAL = ("done", "failed", "cancelled")
STATES = ("queued", "running", *FINAL)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  status TEXT NOT NULL,
  name TEXT NOT NULL,
  time_limit REAL NOT NULL,
  strict INTEGER,
  created_at REAL NOT NULL,
  started_at REAL,
  finished_at REAL,
  updated_at REAL NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  stage TEXT,
  message TEXT,
  objective REAL,
  bound REAL,
  gap REAL,
  result_status TEXT,
  error TEXT,
  scenario TEXT NOT NULL,
  result TEXT,
  solve_stage TEXT,
  kind TEXT NOT NULL DEFAULT 'solve',
  years TEXT
);
CREATE INDEX IF NOT EXISTS jobs_queue ON jobs (status, created_at);
CREATE INDEX IF NOT EXISTS jobs_owner ON jobs (owner, created_at);
CREATE TABLE IF NOT EXISTS edits (
  job TEXT PRIMARY KEY REFERENCES jobs (id),
  edits TEXT NOT NULL,
  updated_at REAL NOT NULL
);
"""

_COLUMNS = ("id, owner, status, name, time_limit, strict, created_at, started_at, finished_at, "
            "updated_at, attempts, stage, message, objective, bound, gap, result_status, error, "
            "solve_stage, kind, years")


def add_missing_columns(db: sqlite3.Connection) -> None:
    """Bring a store written by an older server up to date (columns added since)."""
    have = {row[1] for row in db.execute("PRAGMA table_info(jobs)")}
    if "solve_stage" not in have:
        db.execute("ALTER TABLE jobs ADD COLUMN solve_stage TEXT")
    if "kind" not in have:
        db.execute("ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT 'solve'")
    if "years" not in have:
        db.execute("ALTER TABLE jobs ADD COLUMN years TEXT")


@dataclass(frozen=True)
class Job:
    """One job's state as stored (without the scenario and result texts)."""

    id: str
    owner: str
    status: str
    name: str
    time_limit: float
    strict: bool | None
    created_at: float
    started_at: float | None
    finished_at: float | None
    updated_at: float
    attempts: int
    stage: str | None
    message: str | None
    objective: float | None
    bound: float | None
    gap: float | None
    result_status: str | None
    error: dict[str, Any] | None
    solve_stage: str | None = None  # the stage asked for (None: the scenario's default)
    kind: str = "solve"  # solve: one result.json; plan: a horizon plan (timeline + years)
    years: str | None = None  # a plan's school years, "first-last"

    def year_span(self) -> tuple[int, int] | None:
        """A plan job's (first, last) school year; None for a solve job."""
        if not self.years:
            return None
        first, _, last = self.years.partition("-")
        return int(first), int(last or first)

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Job:
        data = dict(row)
        data["strict"] = None if data["strict"] is None else bool(data["strict"])
        data["error"] = json.loads(data["error"]) if data["error"] else None
        return cls(**data)

    @property
    def final(self) -> bool:
        return self.status in FINAL


class JobStore:
    """Jobs in the SQLite file `path` (created with its folder when missing)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            add_missing_columns(db)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            db.execute("PRAGMA busy_timeout=30000")
            db.execute("PRAGMA synchronous=NORMAL")
            yield db
        finally:
            db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # -- creating and reading ---------------------------------------------------------------

    def create(self, owner: str, name: str, scenario_text: str, time_limit: float,
               strict: bool | None, stage: str | None = None, kind: str = "solve",
               years: str | None = None) -> Job:
        """Queue a new job (solving `stage`, default the scenario's; a `plan` job solves the
        school `years` "first-last" with `time_limit` for them all); returns it (queued)."""
        now = time.time()
        job_id = uuid.uuid4().hex
        with self._transaction() as db:
            db.execute(
                "INSERT INTO jobs (id, owner, status, name, time_limit, strict, created_at, "
                "updated_at, stage, scenario, solve_stage, kind, years) VALUES (?, ?, 'queued', "
                "?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?)",
                (job_id, owner, name, time_limit, None if strict is None else int(strict), now,
                 now, scenario_text, stage, kind, years))
        job = self.get(job_id)
        assert job is not None
        return job

    def get(self, job_id: str, owner: str | None = None) -> Job | None:
        """The job, or None when unknown or (with `owner`) owned by someone else."""
        with self._connect() as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None or (owner is not None and row["owner"] != owner):
            return None
        return Job.from_row(row)

    def list(self, owner: str, limit: int = 100, status: str | None = None) -> list[Job]:
        """The owner's newest jobs first, optionally of one status."""
        sql = f"SELECT {_COLUMNS} FROM jobs WHERE owner = ?"
        args: list[Any] = [owner]
        if status is not None:
            sql += " AND status = ?"
            args.append(status)
        sql += " ORDER BY created_at DESC, rowid DESC LIMIT ?"
        args.append(limit)
        with self._connect() as db:
            return [Job.from_row(r) for r in db.execute(sql, args).fetchall()]

    def queue_position(self, job: Job) -> int:
        """How many queued jobs will start before this queued job (0: next)."""
        with self._connect() as db:
            (n,) = db.execute("SELECT COUNT(*) FROM jobs WHERE status = 'queued' AND "
                              "(created_at < ? OR (created_at = ? AND id < ?))",
                              (job.created_at, job.created_at, job.id)).fetchone()
        return int(n)

    def scenario_text(self, job_id: str) -> str | None:
        with self._connect() as db:
            row = db.execute("SELECT scenario FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return None if row is None else row["scenario"]

    def result_text(self, job_id: str) -> str | None:
        """The stored result.json text of a done job (None otherwise)."""
        with self._connect() as db:
            row = db.execute("SELECT result FROM jobs WHERE id = ? AND status = 'done'",
                             (job_id,)).fetchone()
        return None if row is None else row["result"]

    def edits_text(self, job_id: str) -> str | None:
        """The stored hand edits of a job (a JSON list), None when it has none."""
        with self._connect() as db:
            row = db.execute("SELECT edits FROM edits WHERE job = ?", (job_id,)).fetchone()
        return None if row is None else row["edits"]

    def save_edits(self, job_id: str, edits_text: str) -> None:
        """Keep `edits_text` (a JSON list) as the job's hand edits, replacing any before."""
        with self._connect() as db:
            db.execute("INSERT INTO edits (job, edits, updated_at) VALUES (?, ?, ?) "
                       "ON CONFLICT (job) DO UPDATE SET edits = excluded.edits, "
                       "updated_at = excluded.updated_at", (job_id, edits_text, time.time()))

    def counts(self) -> dict[str, int]:
        """Jobs per state (every state present, zero when none)."""
        with self._connect() as db:
            rows = db.execute("SELECT status, COUNT(*) FROM jobs GROUP BY status").fetchall()
        out = dict.fromkeys(STATES, 0)
        out.update({r[0]: r[1] for r in rows})
        return out

    def statuses(self, job_ids: list[str]) -> dict[str, tuple[str, int]]:
        """(status, attempts) of each known job id."""
        if not job_ids:
            return {}
        marks = ",".join("?" * len(job_ids))
        with self._connect() as db:
            rows = db.execute(f"SELECT id, status, attempts FROM jobs WHERE id IN ({marks})",
                              job_ids).fetchall()
        return {r["id"]: (r["status"], r["attempts"]) for r in rows}

    # -- running ----------------------------------------------------------------------------

    def claim_next(self) -> tuple[str, int] | None:
        """Mark the oldest queued job running; returns (job id, attempt) or None."""
        now = time.time()
        with self._transaction() as db:
            row = db.execute("SELECT id, attempts FROM jobs WHERE status = 'queued' "
                             "ORDER BY created_at, rowid LIMIT 1").fetchone()
            if row is None:
                return None
            attempt = row["attempts"] + 1
            db.execute("UPDATE jobs SET status = 'running', attempts = ?, started_at = ?, "
                       "updated_at = ?, stage = 'starting', message = NULL, objective = NULL, "
                       "bound = NULL, gap = NULL WHERE id = ?", (attempt, now, now, row["id"]))
        return row["id"], attempt

    def report(self, job_id: str, attempt: int, stage: str, message: str | None,
               objective: float | None, bound: float | None, gap: float | None) -> bool:
        """Record progress of a running attempt; False when the attempt is no longer current."""
        with self._connect() as db:
            cur = db.execute(
                "UPDATE jobs SET stage = ?, message = ?, objective = COALESCE(?, objective), "
                "bound = COALESCE(?, bound), gap = COALESCE(?, gap), updated_at = ? "
                "WHERE id = ? AND status = 'running' AND attempts = ?",
                (stage, message, objective, bound, gap, time.time(), job_id, attempt))
        return cur.rowcount == 1

    def finish(self, job_id: str, attempt: int, result_text: str, result_status: str,
               objective: float | None, bound: float | None, gap: float | None,
               message: str | None) -> bool:
        """Store the result of a running attempt (state done); False if no longer current."""
        now = time.time()
        with self._connect() as db:
            cur = db.execute(
                "UPDATE jobs SET status = 'done', stage = 'done', result = ?, "
                "result_status = ?, objective = ?, bound = ?, gap = ?, message = ?, "
                "finished_at = ?, updated_at = ? WHERE id = ? AND status = 'running' "
                "AND attempts = ?",
                (result_text, result_status, objective, bound, gap, message, now, now, job_id,
                 attempt))
        return cur.rowcount == 1

    def fail(self, job_id: str, error: dict[str, Any], attempt: int | None = None) -> bool:
        """Mark an unfinished job failed with `error` ({code, message, findings?}).

        With `attempt`, only that running attempt is failed. False when nothing changed.
        """
        now = time.time()
        sql = ("UPDATE jobs SET status = 'failed', stage = 'failed', error = ?, message = ?, "
               "finished_at = ?, updated_at = ? WHERE id = ? AND status IN ('queued', 'running')")
        args: list[Any] = [json.dumps(error, ensure_ascii=False), error.get("message"), now,
                           now, job_id]
        if attempt is not None:
            sql += " AND status = 'running' AND attempts = ?"
            args.append(attempt)
        with self._connect() as db:
            return db.execute(sql, args).rowcount == 1

    def cancel(self, job_id: str, owner: str | None = None) -> tuple[Job | None, bool]:
        """Cancel an unfinished job. Returns (job after, whether this call cancelled it);
        (None, False) when the job is unknown or not the owner's."""
        job = self.get(job_id, owner)
        if job is None:
            return None, False
        now = time.time()
        with self._connect() as db:
            cur = db.execute(
                "UPDATE jobs SET status = 'cancelled', stage = 'cancelled', "
                "message = 'cancelled by request', finished_at = ?, updated_at = ? "
                "WHERE id = ? AND status IN ('queued', 'running')", (now, now, job_id))
        return self.get(job_id), cur.rowcount == 1

    def requeue(self, job_id: str, attempt: int, message: str) -> bool:
        """Put a running attempt back in the queue without using up an attempt."""
        with self._connect() as db:
            cur = db.execute(
                "UPDATE jobs SET status = 'queued', stage = 'queued', message = ?, "
                "attempts = attempts - 1, started_at = NULL, updated_at = ? "
                "WHERE id = ? AND status = 'running' AND attempts = ?",
                (message, time.time(), job_id, attempt))
        return cur.rowcount == 1

    def recover(self, max_attempts: int) -> tuple[int, int]:
        """After a server stop: re-queue interrupted jobs with attempts left, fail the rest.

        Returns (re-queued, failed). Call only when no worker of this store is alive.
        """
        now = time.time()
        error = {"code": "interrupted",
                 "message": f"the server stopped while this job was running, {max_attempts} "
                            "time(s); it is not retried again"}
        with self._transaction() as db:
            failed = db.execute(
                "UPDATE jobs SET status = 'failed', stage = 'failed', error = ?, message = ?, "
                "finished_at = ?, updated_at = ? WHERE status = 'running' AND attempts >= ?",
                (json.dumps(error), error["message"], now, now, max_attempts)).rowcount
            requeued = db.execute(
                "UPDATE jobs SET status = 'queued', stage = 'queued', message = 'the server "
                "stopped while this job was running; it runs again', started_at = NULL, "
                "updated_at = ? WHERE status = 'running'", (now,)).rowcount
        return requeued, failed
