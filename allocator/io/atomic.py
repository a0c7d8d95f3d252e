"""Outputs appear whole or not at all: one atomic file write and one staged folder.

`write_file` writes text or bytes through a temporary sibling renamed into place (the file
primitive is `geo.io.write_atomically`, which the GIS export uses too). `staged_folder`
yields an empty temporary folder beside the target; when the block ends without error the
folder replaces the target whole (`merge=False`), or its files replace their namesakes in
the target, other files of the target left alone (`merge=True`). On any error the target is
untouched and the temporary folder removed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from geo.io import write_atomically


def write_file(path: str | Path, data: str | bytes) -> Path:
    """Write `data` (text as UTF-8) to `path` atomically; returns the path."""

    def write(tmp: Path) -> None:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            tmp.write_text(data, encoding="utf-8")

    return write_atomically(path, write)


def write_files(folder: Path, files: dict[str, str | bytes]) -> None:
    """Write each named file into `folder` (not atomically: for a staged folder)."""
    for name, data in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            target.write_bytes(data)
        else:
            target.write_text(data, encoding="utf-8")


@contextmanager
def staged_folder(target: str | Path, *, merge: bool = False,
                  prefix: str | None = None) -> Iterator[Path]:
    """An empty folder to fill, published to `target` when the block succeeds (see the
    module docstring). `prefix` names the temporary folder (default ".<target name>.")."""
    out = Path(target)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"{out} exists and is not a folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=prefix or f".{out.name}.", dir=out.parent))
    try:
        yield tmp
        if merge and out.exists():
            for f in sorted(tmp.iterdir()):
                os.replace(f, out / f.name)
        else:
            publish(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def publish(tmp: Path, target: Path) -> None:
    """Rename the complete folder `tmp` to `target`, replacing what was there; if the rename
    fails the previous folder is put back."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
        os.replace(target, old / target.name)
    try:
        os.replace(tmp, target)
    except OSError:
        if old is not None:
            os.replace(old / target.name, target)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
