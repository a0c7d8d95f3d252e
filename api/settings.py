"""Server settings: environment variables (prefix ``ALLOCATOR_``) or a ``.env`` file.

Every limit the API enforces lives here, and every answer that cites a limit names the
setting (``ALLOCATOR_MAX_BLOCKS`` ...) so an operator knows what to raise. Guaranteed after
construction: all limits are positive, ``tokens`` is a tuple of non-empty strings (empty:
no authentication), ``db_path`` is a path (its folder is created when the store opens).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ENV_PREFIX = "ALLOCATOR_"


class Settings(BaseSettings):
    """What the HTTP service may do; read from ``ALLOCATOR_*`` variables and ``.env``."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env",
                                      env_file_encoding="utf-8", extra="ignore")

    db_path: Path = Field(Path("allocator-jobs.sqlite3"),
                          description="SQLite file holding jobs and results")
    workers: int = Field(2, ge=1, le=64, description="job solves running at once")
    sync_workers: int = Field(2, ge=1, le=64,
                              description="synchronous solves / validations at once")
    sync_wait_s: float = Field(10.0, gt=0, description="how long /v1/solve waits for a slot")
    max_request_bytes: int = Field(50_000_000, gt=0, description="largest request body")
    max_blocks: int = Field(20_000, gt=0, description="blocks in one scenario")
    max_teachers: int = Field(10_000, gt=0, description="teachers in one scenario")
    max_time_limit_s: float = Field(600.0, gt=0, description="time limit of a job")
    max_sync_blocks: int = Field(2_000, gt=0, description="blocks in a /v1/solve scenario")
    max_sync_time_limit_s: float = Field(30.0, gt=0, description="time limit of /v1/solve")
    worker_memory_mb: int = Field(8192, ge=0, description="address-space cap of each solver "
                                  "process, MiB (0: none); past it the solve fails, not the "
                                  "machine")
    max_attempts: int = Field(3, ge=1, le=10, description="runs of a job interrupted by a "
                              "server stop before it is marked failed")
    tile_url: str = Field("", description="basemap tile address for the workbench map, e.g. "
                          "an intranet server's http://gis.local/tiles/{z}/{x}/{y}.png "
                          "(empty: no basemap, the map works offline)")
    tile_attribution: str = Field("", description="attribution shown under the basemap")
    tile_gcj02: bool = Field(False, description="the basemap's tiles are in GCJ-02 "
                             "coordinates (most Chinese web maps): the page warns that the "
                             "WGS84 plan is shifted by some hundred metres against them")
    tokens: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="bearer tokens (comma separated); empty: no authentication")

    @field_validator("tokens", mode="before")
    @classmethod
    def _split_tokens(cls, value: Any) -> Any:
        """Accept "a,b", ["a", "b"] or nothing; blanks are dropped."""
        if value is None:
            return ()
        if isinstance(value, str):
            value = value.split(",")
        return tuple(t.strip() for t in value if str(t).strip())

    @staticmethod
    def env_name(field: str) -> str:
        """The environment variable that sets `field` (for messages)."""
        return ENV_PREFIX + field.upper()
