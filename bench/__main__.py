"""Run the benchmarks and write bench/REPORT.md:
`python -m bench [--quick] [--minutes N] [names...]`.

Sections run one after another (never two at once: they would measure each other), in this
order: refresh latency (every callback a kiosk fires, recorded from Chromium and replayed with
wrk against the board, a bare floor and the in-app floor; where a changed tick's time goes),
main-thread work at 4x CPU throttling (a scene change and a tick, per scene), bytes per refresh,
upstream calls, an ad-hoc symbol's time to first data, cold start, page load (Lighthouse),
kiosk endurance (1,000 scene changes at 1 s), load (200 screens for 60 s), streams
(tick-to-glass with 50 screens polling, an outage, a flood) and the soak (a kiosk for 30
minutes while the upstream cycles through faults; `--minutes N` sets its length), and the
screens registry's cost (three kiosks on Redis for 90 s: cache writes and beats per screen per
minute, bytes per beat). Each section's result is kept in
bench/results/<name>.json, and the report is written from every result kept, so running some
sections again updates them and leaves the others as they were (each says when it ran).
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path

from bench.report import Section, Target, write

SECTIONS = (
    "latency",
    "throttle",
    "bytes",
    "upstream",
    "lookups",
    "coldstart",
    "lighthouse",
    "endurance",
    "load",
    "stream",
    "soak",
    "screens",
)
REPORT = Path(__file__).with_name("REPORT.md")
RESULTS = Path(__file__).with_name("results")


def keep(name: str, section: Section, ran: datetime) -> None:
    """Store a section's result for later reports."""
    RESULTS.mkdir(exist_ok=True)
    data = {
        "ran": ran.isoformat(timespec="minutes"),
        "title": section.title,
        "body": section.body,
        "targets": [vars(t) for t in section.targets],
    }
    (RESULTS / f"{name}.json").write_text(json.dumps(data, indent=1, ensure_ascii=False))


def kept() -> list[Section]:
    """Every stored result, in section order, each titled with when it ran."""
    sections = []
    for name in SECTIONS:
        path = RESULTS / f"{name}.json"
        if not path.exists():
            continue
        data = json.loads(path.read_text())
        sections.append(
            Section(
                f"{data['title']} ({data['ran'][:16].replace('T', ' ')} UTC)",
                data["body"],
                [Target(**t) for t in data["targets"]],
            )
        )
    return sections


def main(argv: list[str]) -> int:
    """Run the chosen sections (all by default) and write the report."""
    quick = "--quick" in argv
    options, names = {}, []
    args = iter(argv)
    for arg in args:
        if arg.startswith("--minutes"):
            value = arg.split("=", 1)[1] if "=" in arg else next(args, "")
            try:
                options["minutes"] = float(value)
            except ValueError:
                print(f"--minutes needs a number, not {value!r}")
                return 2
        elif not arg.startswith("--"):
            names.append(arg)
    chosen = names or list(SECTIONS)
    unknown = sorted(set(chosen) - set(SECTIONS))
    if unknown:
        print(f"unknown sections: {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
        return 2
    for name in chosen:
        print(f"bench: {name}{' (quick)' if quick else ''} ...", flush=True)
        with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as tmp:
            ran = datetime.now(UTC)
            try:
                module = importlib.import_module(f"bench.{name}")
                accepted = inspect.signature(module.run).parameters
                extra = {k: v for k, v in options.items() if k in accepted}
                section = module.run(Path(tmp), quick=quick, **extra)
            except Exception as exc:  # one failing benchmark must not lose the others
                traceback.print_exc()
                section = Section(
                    name,
                    f"Failed: {exc.__class__.__name__}: {exc}",
                    [Target(name, "runs", f"failed ({exc.__class__.__name__})", None)],
                )
            if quick:
                section.title += " (quick run)"
        keep(name, section, ran)
        write(REPORT, kept())  # after each: a partial report survives
    print(f"bench: report written to {REPORT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
