"""The `allocator` console script: every command registered on one typer app."""

from __future__ import annotations

from . import excel, horizon, projecting, solving, study, tools  # noqa: F401  (each registers commands)
from .common import app

ORDER = ("solve", "plan", "validate", "verify", "schema", "policy", "generate", "serve", "map",
         "import", "template", "export", "project", "compare", "sweep")
app.registered_commands.sort(key=lambda c: ORDER.index(c.name) if c.name in ORDER
                             else len(ORDER))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
