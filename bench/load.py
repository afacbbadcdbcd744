"""Load, as a benchmark section: 200 wall screens polling their scenes through gunicorn for 60 s
on loopback (quick: 50 for 15 s). The screens and the run are tests/support/load.py's, which
tests/reliability/test_load.py runs too; this reports throughput, latency by kind, answers and
errors."""

from __future__ import annotations

import math
import sys
from pathlib import Path

from bench.report import Section, Target, run_alone, table
from tests.support.load import (
    CLIENTS,
    DURATION_S,
    GRACE_S,
    PAGE_EVERY_S,
    POLL_S,
    QUICK_CLIENTS,
    QUICK_DURATION_S,
    RAMP_S,
    LoadRun,
    run_load,
)


def report(run: LoadRun) -> Section:
    """The section: throughput, latency by kind, answers and errors."""
    result = run.result
    s = result.summary()
    rows = []
    for kind, label in (
        ("tick", "refresh tick"),
        ("tick 204", "refresh tick, nothing new (204)"),
        ("tick 200", "refresh tick, new data (200)"),
        ("steady tick", f"refresh tick after the {RAMP_S:.0f} s ramp"),
        ("page", "page load (3 requests each)"),
        (None, "all"),
    ):
        q = result.quantiles_ms(kind)
        source = result.by_answer if kind and " " in kind else result.latencies
        n = sum(len(v) for k, v in source.items() if kind in (None, k))
        rows.append(
            (label, n, f"{q['p50']:.1f}", f"{q['p95']:.1f}", f"{q['p99']:.1f}", f"{q['max']:.0f}")
        )
    errors = "; ".join(f"{what}: {n}" for what, n in result.errors.most_common(8)) or "none"
    body = [
        f"Demo edition, {run.workers} gunicorn workers (`deploy/gunicorn.conf.py`), "
        f"{result.clients} screens in one asyncio client on loopback for {result.duration_s:.0f} s"
        f", each on its own keep-alive connection, scenes round robin ({len(run.scenes)} "
        f"scenes), coming on over the first {RAMP_S:.0f} s. Each screen posts its scene's "
        f"refresh tick every {POLL_S:.0f} s carrying the "
        f"version it shows, and loads its page every {PAGE_EVERY_S:.0f} s (HTML, layout, scene).",
        "",
        f"{result.requests} requests in {result.duration_s:.0f} s ({s['requests_per_s']} a "
        f"second; the fewest by one screen: {s['requests_per_client_min']}); the run ended "
        f"{result.elapsed_s - result.duration_s:.1f} s after its duration (bound "
        f"{GRACE_S:.0f} s). Answers: "
        + ", ".join(f"{k}: {n}" for k, n in s["answers"].items())
        + f". Errors: {errors}. Ticks a period behind schedule: {result.late_ticks}.",
        "",
        "Latency in ms, from sending to the last byte, as the client measured it (its own "
        "scheduling included, on the same 2 cores as the server):",
        "",
        table(["request", "count", "p50", "p95", "p99", "max"], rows),
        "",
        "Server side: access log statuses "
        + ", ".join(f"{k}: {n}" for k, n in sorted(run.access.items(), key=str))
        + f"; 5xx: {len(run.server_5xx)}; tracebacks in the error log: {len(run.tracebacks)}.",
    ]
    if run.server_5xx or run.tracebacks or run.logged_errors:
        body += ["", *(f"- `{m[:300]}`" for m in run.server_5xx + run.tracebacks)]
        body += [f"- `{m[:300]}`" for m in run.logged_errors]
    q, steady = result.quantiles_ms("tick"), result.quantiles_ms("steady tick")
    met = result.error_count == 0 and not run.server_5xx and not run.tracebacks
    targets = [
        Target(
            name="Load: errors",
            goal=f"0 errors, {result.clients} screens for {result.duration_s:.0f} s",
            measured=f"{result.error_count} errors in {result.requests} requests "
            f"({s['requests_per_s']}/s), {len(run.server_5xx)} 5xx in the access log",
            met=met,
        ),
        Target(
            name="Load: tick p99",
            goal="reported",
            measured=f"p50 {q['p50']:.1f} ms, p99 {q['p99']:.1f} ms, max {q['max']:.0f} ms; "
            f"after the ramp p99 {steady['p99']:.1f} ms",
            met=None if math.isnan(q["p99"]) else True,
        ),
    ]
    return Section(title="Load", body="\n".join(body), targets=targets)


def run(workdir: Path, quick: bool = False) -> Section:
    """200 screens for 60 s (quick: 50 for 15 s)."""
    clients, duration_s = (QUICK_CLIENTS, QUICK_DURATION_S) if quick else (CLIENTS, DURATION_S)
    return report(run_load(workdir, clients, duration_s))


if __name__ == "__main__":
    run_alone("load", run, sys.argv[1:])
