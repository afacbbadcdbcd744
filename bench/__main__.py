"""Run the benchmarks and write bench/REPORT.md: `python -m bench [--quick] [names...]`.

Sections run one after another (never two at once: they would measure each other), in this
order: refresh latency, bytes per refresh, upstream calls, cold start, page load (Lighthouse),
kiosk endurance (the long one: 1,000 scene changes at 1 s).
"""

from __future__ import annotations

import importlib
import sys
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path

from bench.report import Section, Target, write

SECTIONS = ("latency", "bytes", "upstream", "coldstart", "lighthouse", "endurance")
REPORT = Path(__file__).with_name("REPORT.md")


def main(argv: list[str]) -> int:
    """Run the chosen sections (all by default) and write the report."""
    quick = "--quick" in argv
    chosen = [a for a in argv if not a.startswith("--")] or list(SECTIONS)
    unknown = sorted(set(chosen) - set(SECTIONS))
    if unknown:
        print(f"unknown sections: {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
        return 2
    started = datetime.now(UTC)
    sections: list[Section] = []
    for name in chosen:
        print(f"bench: {name}{' (quick)' if quick else ''} ...", flush=True)
        with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as tmp:
            try:
                module = importlib.import_module(f"bench.{name}")
                sections.append(module.run(Path(tmp), quick=quick))
            except Exception as exc:  # one failing benchmark must not lose the others
                traceback.print_exc()
                sections.append(
                    Section(
                        name,
                        f"Failed: {exc.__class__.__name__}: {exc}",
                        [Target(name, "runs", f"failed ({exc.__class__.__name__})", None)],
                    )
                )
        write(REPORT, sections, started=started)  # after each: a partial report survives
    print(f"bench: report written to {REPORT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
