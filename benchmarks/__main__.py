"""`python -m benchmarks run [--suite orlib|counties|peers|reference] [--time-limit S] [...]`.

Writes benchmarks/results/<date>-<suite>.json, prints a Markdown table, and (for a full run
of a suite) replaces that suite's table in BENCHMARKS.md. Exit codes: 0 done; 1 an
independent checker disagreed with a reported plan; 2 bad input (a malformed instance file,
an unknown instance name).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

from .checkers import CheckerDisagrees, CheckerMissing
from .orlib import KINDS, InstanceError
from .report import (
    counties_markdown,
    machine,
    orlib_markdown,
    peers_markdown,
    update_benchmarks_md,
)

RESULTS = Path(__file__).resolve().parent / "results"
SUITES = ("orlib", "counties", "peers", "reference")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line of `python -m benchmarks`."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks")
    sub = ap.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="run a suite; write results/<date>-<suite>.json")
    run.add_argument("--suite", default="orlib", choices=SUITES)
    run.add_argument("--time-limit", type=float, default=None,
                     help="seconds per instance (default: per family / size)")
    run.add_argument("--only", default="",
                     help="comma list of families (gap1-12, gapa-d, gape, pmedcap, sjc) or "
                          "instance names (gap12-3, d20200, SJC1, S-tight)")
    run.add_argument("--file", action="append", default=[],
                     help="solve every problem of this instance file (repeatable)")
    run.add_argument("--kind", choices=KINDS, default=None,
                     help="format of --file (detected when omitted)")
    run.add_argument("--data", type=Path, default=None,
                     help="shared benchmarks folder (instances, values.csv, checkers); "
                          "default $SCHOOL_BENCH_DATA or ../shared/benchmarks")
    run.add_argument("--sizes", default="S,M,L", help="county sizes")
    run.add_argument("--no-tight", action="store_true", help="counties: skip --tight ones")
    run.add_argument("--peers", default="cpsat,highs,cbc", help="peer solvers to run")
    run.add_argument("--workers", type=int, default=8)
    run.add_argument("--time-scale", type=float, default=1.0,
                     help="reference: each instance's target time limit times this")
    run.add_argument("--no-save", action="store_true",
                     help="print only: no results file, no BENCHMARKS.md update")
    return ap.parse_args(argv)


def _names(text: str) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()]


def run_orlib(args, data_dir: Path) -> tuple[list[dict], str, dict]:
    """Rows, Markdown and extras of the published-instance suite."""
    from .published import collect, run_published, summarize

    insts = collect(data_dir, _names(args.only) or None, [Path(f) for f in args.file],
                    args.kind)
    if not insts:
        raise InstanceError(f"no instance matches --only {args.only!r}")
    rows = run_published(insts, data_dir, args.time_limit, args.workers)
    summary = summarize(rows)
    return rows, orlib_markdown(rows, summary), {"summary": summary}


def run_counties_suite(args) -> tuple[list[dict], str, dict]:
    """Rows and Markdown of the synthetic-county suite."""
    from .counties import SIZES, run_counties

    sizes = _names(args.sizes)
    bad = [s for s in sizes if s not in SIZES]
    if bad:
        raise InstanceError(f"unknown county size(s) {bad}; use {', '.join(SIZES)}")
    rows = run_counties(sizes, args.time_limit, not args.no_tight)
    return rows, counties_markdown(rows), {}


def run_peers_suite(args, data_dir: Path) -> tuple[list[dict], str, dict]:
    """Rows and Markdown of ours beside each peer, published instances then counties."""
    from .counties import SIZES
    from .peers import DEFAULT_COUNTIES, DEFAULT_ORLIB, PEERS, peer_county, peer_published
    from .published import collect

    peers = _names(args.peers)
    bad = [p for p in peers if p not in PEERS]
    if bad:
        raise InstanceError(f"unknown peer(s) {bad}; use {', '.join(PEERS)}")
    names = _names(args.only) or DEFAULT_ORLIB + DEFAULT_COUNTIES
    counties = [n for n in names if n.split("-")[0] in SIZES and n in (
        *SIZES, *(f"{s}-tight" for s in SIZES))]
    published = [n for n in names if n not in counties]
    rows = []
    if published or args.file:
        insts = collect(data_dir, published or None, [Path(f) for f in args.file], args.kind)
        for inst in insts:
            rows.append(peer_published(inst, data_dir, args.time_limit, peers))
    for name in counties:
        rows.append(peer_county(name, args.time_limit, peers))
    return rows, peers_markdown(rows, peers), {"peers": peers}


def run_reference(args) -> tuple[list[dict], str, dict]:
    """Rows and Markdown of the reference suite (benchmarks/reference, frozen values)."""
    from .reference_suite import load_reference, reference_markdown, run_instance

    entries = load_reference()["instances"]
    names = _names(args.only)
    if names:
        known = {e["name"] for e in entries}
        bad = [n for n in names if n not in known]
        if bad:
            raise InstanceError(f"unknown reference instance(s) {bad}; use "
                                f"{', '.join(sorted(known))}")
        entries = [e for e in entries if e["name"] in names]
    rows = []
    for e in entries:
        print(f"{e['name']}: {e['target_time_limit_s'] * args.time_scale:g} s", flush=True)
        rows.append(run_instance(e, args.time_scale, args.workers))
    return rows, reference_markdown(rows), {"time_scale": args.time_scale}


def main(argv: list[str] | None = None) -> int:
    """Run a suite; the exit code says whether every plan was verified (see module)."""
    args = parse_args(argv)
    from .published import default_data_dir

    data_dir = args.data or default_data_dir()
    t0 = time.perf_counter()
    try:
        if args.suite == "orlib":
            rows, md, extra = run_orlib(args, data_dir)
        elif args.suite == "counties":
            rows, md, extra = run_counties_suite(args)
        elif args.suite == "reference":
            rows, md, extra = run_reference(args)
        else:
            rows, md, extra = run_peers_suite(args, data_dir)
    except (InstanceError, CheckerMissing) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except CheckerDisagrees as exc:
        print(f"\nFAILED: an independent checker disagrees with a reported plan:\n  {exc}",
              file=sys.stderr)
        return 1
    total = round(time.perf_counter() - t0, 1)
    partial = bool(args.only or args.file or args.time_limit is not None
                   or args.time_scale != 1.0
                   or (args.suite == "counties" and (args.sizes != "S,M,L" or args.no_tight))
                   or (args.suite == "peers" and args.peers != "cpsat,highs,cbc"))
    who = machine()
    command = "python -m benchmarks " + " ".join(sys.argv[1:] if argv is None else argv)
    print(f"machine: {who}\ncommand: {command}\ntotal: {total} s\n\n{md}")
    if args.no_save:
        return 0
    RESULTS.mkdir(exist_ok=True)
    today = date.today().isoformat()
    # a partial run never replaces the figures of another: its file carries the time
    stamp = f"-partial-{time.strftime('%H%M%S')}" if partial else ""
    out = RESULTS / f"{today}-{args.suite}{stamp}.json"
    out.write_text(json.dumps({"machine": who, "date": today, "suite": args.suite,
                               "command": command, "total_s": total, **extra, "rows": rows},
                              indent=2, default=str) + "\n")
    print(f"\nwritten {out}")
    if not partial:
        header = (f"Run {today} on {who}; `{command}`; total {total} s. "
                  f"Raw rows: `{out.relative_to(RESULTS.parent.parent)}`.")
        update_benchmarks_md(args.suite, md, header)
        print("BENCHMARKS.md updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
