"""What a benchmark section reports: its text and its targets with the measured ratios.

`percentile` and `table` come from tests/support/figures.py (the load and soak drivers use them
too) and are part of this module's interface. `run_alone` is every section module's
`python -m bench.<name>`: one run, printed, not kept in the report."""

from __future__ import annotations

import contextlib
import inspect
import os
import platform
import statistics
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from tests.support.figures import percentile, table

__all__ = [
    "Section",
    "Target",
    "machine",
    "median",
    "percentile",
    "run_alone",
    "table",
    "write",
]
VERDICT = {True: "met", False: "missed", None: "not measured"}


@dataclass
class Target:
    """One goal from the issue, with what this run measured."""

    name: str
    goal: str
    measured: str
    met: bool | None  # None: could not be measured in this run (the reason is in `measured`)


@dataclass
class Section:
    """One benchmark's part of the report."""

    title: str
    body: str
    targets: list[Target] = field(default_factory=list)


def median(values: Sequence[float]) -> float:
    """The median, NaN for no values."""
    return statistics.median(values) if values else float("nan")


def machine() -> str:
    """One line about where the numbers come from."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores ({model or 'unknown CPU'}){memory}"
    )


def write(path: Path, sections: list[Section]) -> str:
    """The markdown report: when, where, the targets, then each section."""
    targets = [t for s in sections for t in s.targets]
    lines = [
        "# Market Wallboard benchmarks",
        "",
        f"Written {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()} by `bash bench/run` "
        "(each section says when it ran). Medians and ratios measured within one run of each "
        "section: the machine is noisy, so compare ratios, not absolute times.",
        "",
        "## Targets",
        "",
        table(
            ["target", "goal", "measured", ""],
            [(t.name, t.goal, t.measured, VERDICT[t.met]) for t in targets],
        ),
        "",
    ]
    for section in sections:
        lines += [f"## {section.title}", "", section.body.strip(), ""]
    text = "\n".join(lines)
    path.write_text(text)
    return text


def run_alone(
    name: str, run: Callable[..., Section], argv: Sequence[str], *, keep: bool = False
) -> Section:
    """`python -m bench.<name> [--quick] [--minutes=N]`: run one section in a temporary
    directory and print it, without touching bench/REPORT.md or bench/results (`python -m bench`
    keeps results). `keep` leaves the directory for the files the section writes (Lighthouse's
    reports); `--minutes` goes to a section whose `run` takes it (the soak)."""
    options: dict = {"quick": "--quick" in argv}
    minutes = next((a.split("=", 1)[1] for a in argv if a.startswith("--minutes=")), None)
    if minutes is not None and "minutes" in inspect.signature(run).parameters:
        options["minutes"] = float(minutes)
    prefix = f"bench-{name}-"
    with (
        contextlib.nullcontext(tempfile.mkdtemp(prefix=prefix))
        if keep
        else tempfile.TemporaryDirectory(prefix=prefix)
    ) as tmp:
        section = run(Path(tmp), **options)
    print(f"## {section.title}\n\n{section.body}\n")
    for target in section.targets:
        print(f"- {target.name} ({target.goal}): {target.measured} -> {VERDICT[target.met]}")
    if keep:
        print(f"\n(files kept in {tmp})")
    return section
