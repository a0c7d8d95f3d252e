"""What every command shares: the typer app, the consoles, reading a scenario, and the one
way to report bad input (exit 2, the file, record and field named, nothing written).

Exit codes: 0 success; 1 no plan meets the rules (strict mode) or a result fails
verification; 2 bad input.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from allocator import Result, Scenario, ScenarioError, load_result, load_scenario, resolve_lang

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="School-district allocation optimizer (义务教育学区资源配置).")
out = Console()
err = Console(stderr=True)


def fail_input(exc: Exception) -> None:
    """Report bad input and exit 2."""
    if isinstance(exc, ScenarioError):
        head = f"{exc.source}: " if exc.source else ""
        err.print(f"[bold red]error[/]: {head}the input cannot be used ({len(exc.findings)} "
                  "problem(s))", highlight=False)
        for f in exc.findings[:50]:
            err.print(f"  - {f}", highlight=False, markup=False)
        if len(exc.findings) > 50:
            err.print(f"  ... and {len(exc.findings) - 50} more", highlight=False)
    else:
        err.print(f"[bold red]error[/]: {exc}", highlight=False)
    raise typer.Exit(2)


def lang_option() -> typer.models.OptionInfo:
    """The `--lang zh|en` option every command a planner reads from takes."""
    return typer.Option(None, "--lang", help="zh | en (default: the locale, else en)")


def pick_lang(value: str | None) -> str:
    """The language of `--lang` (or of the locale), or exit 2 naming an unsupported one."""
    try:
        return resolve_lang(value)
    except ValueError as exc:
        fail_input(exc)
    raise AssertionError("unreachable")


def read_scenario(path: Path) -> Scenario:
    """The scenario of a file, or exit 2 naming what is wrong."""
    try:
        return load_scenario(path)
    except ScenarioError as exc:
        fail_input(exc)
    raise AssertionError("unreachable")


def read_result(path: Path) -> Result:
    """result.json of a folder (or the file), or exit 2 saying why it cannot be read."""
    try:
        return load_result(path)
    except (OSError, ValueError) as exc:
        fail_input(ValueError(f"{path}: not a readable result.json ({exc})"))
    raise AssertionError("unreachable")


def say(text: str, style: str | None = None) -> None:
    """A line on stdout, printed as given (no markup, no highlighting)."""
    out.print(text, style=style, highlight=False, markup=False, soft_wrap=True)
