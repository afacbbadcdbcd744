"""Page load of each scene with Lighthouse (desktop preset, Debian Chromium), beside the bare
Dash page on the same server (`/bench/bare/`, same Dash) as the framework's floor; through
nginx with the repository's site (deploy/nginx), as screens on a floor load them.

The instrument page (`/instrument/spx`, pages/instrument.py) is audited beside them, its history
asked for first (`/api/lookup/spx`) so the page shows its chart, as on any visit after the first,
and its LCP ratio to the bare page is a target of its own.

Each URL is audited a few times (performance, accessibility, best practices) and the median of
each metric kept. Failing best-practices and accessibility audits (and the performance ones the
floor passes) are listed per scene, so the reader sees why a score is what it is. Loopback
counts as a secure origin, so `is-on-https` passes here; over plain http from another host it
would not. The JSON reports stay in the work directory.

Run alone: `python -m bench.lighthouse [--quick]` from the repository root.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import requests
import yaml

from bench.report import Section, Target, median, run_alone, table
from config import DEFAULT_CONFIG
from tests.support.nginx_server import NginxServer, nginx_binary
from tests.support.services import AppInstance

ROOT = Path(__file__).resolve().parents[1]
LIGHTHOUSE = ROOT / ".venv" / "node" / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
CATEGORIES = ("performance", "accessibility", "best-practices")
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage "
    "--disable-background-networking --disable-component-update --disable-sync --no-first-run"
)
BARE = "bare"
BARE_PATH = "/bench/bare/"
INSTRUMENT = "instrument"
INSTRUMENT_ID = "spx"
RUN_TIMEOUT_S = 120
FILL_TIMEOUT_S = 30
LOAD_RATIO_GOAL = 1.3
SCORE_GOAL = 95
PERF_GOAL = 90  # issue 20: every scene, cheap kiosk hardware included
BYTES_RATIO_GOAL = 1.5  # transferred bytes against the bare Dash page
TBT_GOAL_MS = 200
QUICK_SCENES = 2
PERF_FAIL_BELOW = 0.9  # a performance audit is listed when it scores below this
LOOPBACK = re.compile(r"https?://127\.0\.0\.1:\d+")
# Audits whose score is shown but says nothing about pass or fail.
UNSCORED = {"informative", "notApplicable", "manual", "error"}


@dataclass
class Run:
    """What one Lighthouse run of one URL measured."""

    scores: dict[str, float | None]  # category -> 0..100
    lcp_ms: float | None
    tbt_ms: float | None
    tti_ms: float | None
    kib: float | None
    requests: int | None
    failing: dict[str, dict[str, str]]  # category -> failing audit id -> short reason
    lcp_detail: str  # the LCP element, if named, and the breakdown of its time


@dataclass
class Page:
    """A scene (or the bare page) with its runs and the runs' failures."""

    name: str
    url: str
    runs: list[Run] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def value(self, pick) -> float | None:
        """The median of one metric over the runs that measured it."""
        values = [v for v in (pick(run) for run in self.runs) if v is not None]
        return median(values) if values else None


def run(workdir: Path, quick: bool = False) -> Section:
    """Lighthouse on every enabled scene and on the bare Dash page, side by side."""
    title = "Page load (Lighthouse)"
    lighthouse = _lighthouse()
    chromium = os.environ.get("CHROME_PATH") or shutil.which("chromium") or CHROMIUM
    if lighthouse is None or not Path(chromium).exists() or nginx_binary() is None:
        reason = (
            f"not measured: Lighthouse ({LIGHTHOUSE}), Chromium ({chromium}) or nginx is missing"
        )
        return Section(title, reason, _targets([], None, reason))

    workdir.mkdir(parents=True, exist_ok=True)
    config = _write_config(workdir)
    scenes = _scenes(config)[: QUICK_SCENES if quick else None]
    runs = 1 if quick else 3
    reports = workdir / "lighthouse"
    reports.mkdir(exist_ok=True)
    app = AppInstance("lh", config, workdir / "app", workers=2, target="bench.floorapp:server")
    # As deployed: nginx with the repository's site in front (gzip, asset caching), so the bytes
    # and times are what a screen on the floor gets, for the floor's page as for the scenes.
    proxy = NginxServer([f"127.0.0.1:{app.port}"], workdir / "nginx")
    try:
        app.start()
        try:
            app.wait_healthy()
            proxy.start()
        except RuntimeError as error:
            reason = f"not measured: the app did not start ({_short(str(error), 300)})"
            return Section(title, reason, _targets([], None, reason))
        pages = [Page(name, f"{proxy.url}/{name}") for name in scenes]
        pages.append(Page(INSTRUMENT, f"{proxy.url}/instrument/{INSTRUMENT_ID}"))
        bare = Page(BARE, f"{proxy.url}{BARE_PATH}")
        notes = _wait_filled(app.url) + _wait_history(app.url)
        for page in [bare, *pages]:  # each worker's first answer, outside the audits
            for _ in range(2):
                with contextlib.suppress(requests.RequestException):
                    requests.get(page.url, timeout=10)
        # Round by round over every URL, so a noisy minute spreads over all of them.
        for index in range(runs):
            for page in [bare, *pages]:
                output = reports / f"{page.name}-{index + 1}.json"
                result = _lighthouse_run(lighthouse, chromium, page.url, output)
                if isinstance(result, str):
                    page.errors.append(f"run {index + 1}: {result}")
                else:
                    page.runs.append(result)
    finally:
        proxy.stop()
        app.stop()

    body = _body(bare, pages, runs, reports, notes)
    return Section(title, body, _targets(pages, bare, ""))


def _lighthouse() -> str | None:
    if LIGHTHOUSE.exists():
        return str(LIGHTHOUSE)
    return shutil.which("lighthouse")


def _write_config(workdir: Path) -> Path:
    """The default configuration in the demo edition, its state and cache in the workdir."""
    data = yaml.safe_load(DEFAULT_CONFIG.read_text())
    data["edition"] = "demo"
    data["state_dir"] = str(workdir / "state")
    data["cache"]["dir"] = str(workdir / "cache")
    path = workdir / "wallboard.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _scenes(config: Path) -> list[str]:
    """The enabled scenes, in their configured order."""
    scenes = yaml.safe_load(config.read_text())["scenes"]
    enabled = [(s.get("order", 0), n) for n, s in scenes.items() if s.get("enabled", True)]
    return [name for _, name in sorted(enabled)]


def _wait_filled(url: str) -> list[str]:
    """Wait until the demo refresher has filled every dataset; what is still empty, if any."""
    deadline = time.monotonic() + FILL_TIMEOUT_S
    empty: list[str] = ["(no answer from /api/status)"]
    while time.monotonic() < deadline:
        try:
            datasets = requests.get(f"{url}/api/status", timeout=5).json()["datasets"]
        except (requests.RequestException, ValueError, KeyError):
            time.sleep(0.5)
            continue
        empty = [
            name
            for name, entry in datasets.items()
            if entry.get("status") in ("pending", "empty") or not entry.get("fetch_count")
        ]
        if not empty:
            return []
        time.sleep(0.5)
    return [f"Still empty after {FILL_TIMEOUT_S} s (audited anyway): {', '.join(empty)}."]


def _wait_history(url: str) -> list[str]:
    """Ask for the instrument page's history (as its poll does) and wait until the refresher
    has it; a note when it has not."""
    deadline = time.monotonic() + FILL_TIMEOUT_S
    asked = f"{url}/api/lookup/{INSTRUMENT_ID}?series=daily&screen=bench-lighthouse"
    while time.monotonic() < deadline:
        try:
            if requests.get(asked, timeout=5).json().get("status") == "ok":
                return []
        except (requests.RequestException, ValueError, AttributeError):
            pass
        time.sleep(0.5)
    return [f"The history of {INSTRUMENT_ID} was not there after {FILL_TIMEOUT_S} s."]


def _lighthouse_run(lighthouse: str, chromium: str, url: str, output: Path) -> Run | str:
    """One Lighthouse run; the parsed result, or why there is none."""
    command = [
        lighthouse,
        url,
        "--preset=desktop",
        "--output=json",
        f"--output-path={output}",
        "--quiet",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    output.unlink(missing_ok=True)
    # Chromium is launched detached, its profile under TMPDIR: a temp dir of this run's own
    # names it, so a run that times out can take its Chromium with it. Short, in /tmp: Chromium
    # cannot start when its profile's socket path passes the 108-character Unix limit (which
    # long scene names under a deep work dir did).
    scratch = Path(tempfile.mkdtemp(prefix="lh-"))
    try:
        return _lighthouse_in(command, chromium, output, scratch)
    finally:
        _kill_marked(str(scratch))
        shutil.rmtree(scratch, ignore_errors=True)


def _lighthouse_in(command: list[str], chromium: str, output: Path, scratch: Path) -> Run | str:
    """Run Lighthouse with its temp files in `scratch`; the result, or why there is none."""
    process = subprocess.Popen(
        command,
        env={**os.environ, "CHROME_PATH": chromium, "TMPDIR": str(scratch)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        log, _ = process.communicate(timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return f"timed out after {RUN_TIMEOUT_S} s"
    if not output.exists():
        tail = log.strip().splitlines()[-1:] or ["no output"]
        return f"exit {process.returncode}: {_short(tail[0], 200)}"
    try:
        lhr = json.loads(output.read_text())
    except ValueError as error:
        return f"unreadable report {output.name}: {error}"
    if isinstance(lhr, dict) and (failure := lhr.get("runtimeError")):
        return f"{failure.get('code', 'error')}: {_short(failure.get('message', ''), 200)}"
    try:
        return parse(lhr)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        return f"unexpected report {output.name}: {error!r}"


def _kill_marked(marker: str) -> None:
    """SIGKILL what is left of one run: processes whose command line names its temp dir."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() in (entry / "cmdline").read_bytes():
                os.kill(int(entry.name), signal.SIGKILL)
        except (OSError, ValueError):
            continue


def parse(lhr: dict) -> Run:
    """The metrics and failing audits of one Lighthouse result (the JSON report)."""
    if lhr.get("runtimeError"):
        raise ValueError(lhr["runtimeError"].get("message", "runtime error"))
    audits = lhr["audits"]
    categories = lhr["categories"]
    scores = {name: categories.get(name, {}).get("score") for name in CATEGORIES}
    scores = {name: None if s is None else s * 100 for name, s in scores.items()}
    failing: dict[str, dict[str, str]] = {}
    for name in CATEGORIES:
        # Performance: the insights and diagnostics that fail (its metrics are in the table).
        below = PERF_FAIL_BELOW if name == "performance" else 1.0
        failing[name] = {
            ref["id"]: ("(weight 0) " if name != "performance" and not ref.get("weight") else "")
            + _reason(audits.get(ref["id"], {}))
            for ref in categories.get(name, {}).get("auditRefs", [])
            if ref.get("group") != "metrics" and _fails(audits.get(ref["id"], {}), below)
        }
    requests_seen = audits.get("network-requests", {}).get("details", {}).get("items")
    return Run(
        scores=scores,
        lcp_ms=_numeric(audits, "largest-contentful-paint"),
        tbt_ms=_numeric(audits, "total-blocking-time"),
        tti_ms=_numeric(audits, "interactive"),
        kib=None if (size := _numeric(audits, "total-byte-weight")) is None else size / 1024,
        requests=None if requests_seen is None else len(requests_seen),
        failing=failing,
        lcp_detail=_lcp_detail(audits),
    )


def _numeric(audits: dict, audit_id: str) -> float | None:
    value = audits.get(audit_id, {}).get("numericValue")
    return None if value is None else float(value)


def _fails(audit: dict, below: float = 1.0) -> bool:
    score = audit.get("score")
    return score is not None and audit.get("scoreDisplayMode") not in UNSCORED and score < below


def _reason(audit: dict) -> str:
    """The audit's title, with what it found (the first items: nodes, console lines, URLs)."""
    details = audit.get("details") or {}
    items = details.get("items", [])
    if isinstance(items, dict):  # a checklist: name the checks that fail
        found = [c.get("label", k) for k, c in items.items() if not c.get("value", True)]
    else:
        found = [text for item in _flat(items)[:3] if (text := _item_text(item))]
    display = audit.get("displayValue")
    head = audit.get("title", "?") + (f" ({display})" if display else "")
    return head + (": " + " / ".join(found) if found else "")


def _flat(items: list) -> list[dict]:
    """Table rows, with the rows of tables nested in a list (the insights') lifted out."""
    rows = []
    for item in items:
        if not isinstance(item, dict):
            continue
        if item.get("type") in ("table", "opportunity") and isinstance(item.get("items"), list):
            rows += _flat(item["items"])
        elif item.get("type") not in ("list-section", "list", "debugdata", "network-tree"):
            rows.append(item)
    return rows


def _item_text(item: dict) -> str:
    """One found thing, in short: a node and why, a console message, a URL and its size."""
    node = item.get("node") if isinstance(item.get("node"), dict) else {}
    source = item.get("source")
    if node.get("explanation"):
        text = f"{node.get('selector') or node.get('snippet', '')}: {node['explanation']}"
    elif item.get("description"):
        text = str(item["description"])
    elif node.get("snippet"):
        text = str(node["snippet"])
    elif isinstance(item.get("url"), str):
        text = item["url"]
        size = item.get("wastedBytes") or item.get("totalBytes")
        if isinstance(size, int | float) and size:
            text += f" ({size / 1024:.0f} KiB)"
    elif isinstance(source, dict):
        text = str(source.get("url") or source.get("value") or "")
    else:
        text = str(item.get("label") or "")
    return _short(LOOPBACK.sub("", text), 140)


def _lcp_detail(audits: dict) -> str:
    """The LCP element (when Lighthouse names it) and the breakdown of its time."""
    details = audits.get("lcp-breakdown-insight", {}).get("details") or {}
    parts = []
    for item in details.get("items", []):
        if not isinstance(item, dict):
            continue
        if item.get("type") == "node":
            parts.append(_short(item.get("selector") or item.get("snippet", ""), 80))
        for row in item.get("items", []) if item.get("type") == "table" else []:
            if isinstance(row, dict) and row.get("duration") is not None:
                parts.append(
                    f"{row.get('label', row.get('subpart', '?'))} {row['duration']:.0f} ms"
                )
    return ", ".join(parts)


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _ratio(value: float | None, floor: float | None) -> float | None:
    if value is None or not floor:
        return None
    return value / floor


def _fmt(value: float | None, digits: int = 0, suffix: str = "") -> str:
    return "-" if value is None else f"{value:.{digits}f}{suffix}"


def _body(bare: Page, pages: list[Page], runs: int, reports: Path, notes: list[str]) -> str:
    floor_lcp = bare.value(lambda r: r.lcp_ms)
    floor_kib = bare.value(lambda r: r.kib)
    rows = []
    for page in [bare, *pages]:
        lcp, kib = page.value(lambda r: r.lcp_ms), page.value(lambda r: r.kib)
        rows.append(
            (
                f"{page.name} (floor)" if page is bare else page.name,
                _fmt(page.value(lambda r: r.scores["performance"])),
                _fmt(page.value(lambda r: r.scores["accessibility"])),
                _fmt(page.value(lambda r: r.scores["best-practices"])),
                _fmt(lcp),
                _fmt(page.value(lambda r: r.tbt_ms)),
                _fmt(page.value(lambda r: r.tti_ms)),
                _fmt(kib),
                _fmt(page.value(lambda r: r.requests)),
                _fmt(_ratio(lcp, floor_lcp), 2, "x"),
                _fmt(_ratio(kib, floor_kib), 2, "x"),
                f"{len(page.runs)}/{runs}",
            )
        )
    lines = [
        f"Lighthouse {_version()} (`--preset=desktop`: simulated throttling), Chromium "
        "headless, through nginx with the repository's site (deploy/nginx: gzip, asset caching) "
        "in front of gunicorn (2 workers), on loopback, demo edition; median of "
        f"{runs} run(s) per URL. The floor is a bare Dash page on the same server "
        f"(`{BARE_PATH}`): it loads the same renderer and "
        "every component library a board page loads up front (dash-ag-grid only comes with a "
        "Data view: web/lazy_libraries.py), so it is Dash's own cost, not an empty page. "
        f"Ratios are against the floor. JSON reports: `{reports}`.",
        "",
        *notes,
        table(
            [
                "scene",
                "perf",
                "a11y",
                "best practices",
                "LCP ms",
                "TBT ms",
                "TTI ms",
                "KiB",
                "requests",
                "LCP x bare",
                "KiB x bare",
                "runs",
            ],
            rows,
        ),
        "",
        *_failures(bare, pages),
    ]
    return "\n".join(lines)


def _failures(bare: Page, pages: list[Page]) -> list[str]:
    """Per page: failed runs, failing audits by category, where the LCP time goes."""
    floor_slow = {a for r in bare.runs for a in r.failing["performance"]}
    lines = [
        "Failing audits (score < 1; performance: below 0.9 and, for the scenes, only those the "
        "floor passes; `n/m` when only some runs failed it). LCP: Lighthouse's breakdown from "
        "the first run.",
        "",
    ]
    for page in [bare, *pages]:
        parts = [f"- **{page.name}**"]
        parts += [f"  - Lighthouse failed: {error}" for error in page.errors]
        for category in CATEGORIES:
            seen: dict[str, list[str]] = {}
            for result in page.runs:
                for audit_id, reason in result.failing[category].items():
                    if page is bare or category != "performance" or audit_id not in floor_slow:
                        seen.setdefault(audit_id, []).append(reason)
            for audit_id, reasons in sorted(seen.items()):
                runs = len(page.runs)
                count = "" if len(reasons) == runs else f" ({len(reasons)}/{runs})"
                parts.append(f"  - {category}: `{audit_id}`{count}: {reasons[0]}")
        if page.runs and page.runs[0].lcp_detail:
            parts.append(f"  - LCP: {page.runs[0].lcp_detail}")
        if len(parts) == 1:
            parts[0] += ": none"
        lines += parts
    return lines


def _version() -> str:
    lighthouse = _lighthouse()
    if lighthouse is None:
        return "?"
    try:
        done = subprocess.run(
            [lighthouse, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return done.stdout.strip() or "?"


def _targets(pages: Sequence[Page], bare: Page | None, reason: str) -> list[Target]:
    """Load and weight ratios against the floor, the score minimums, and blocking time."""
    load = Target("scene load", f"≤ {LOAD_RATIO_GOAL}x the bare Dash page (LCP)", reason, None)
    instrument = Target(
        "instrument page load",
        f"≤ {LOAD_RATIO_GOAL}x the bare Dash page (LCP), /instrument/{INSTRUMENT_ID}",
        reason,
        None,
    )
    a11y = Target("Lighthouse accessibility", f"≥ {SCORE_GOAL} on every scene", reason, None)
    practices = Target("Lighthouse best practices", f"≥ {SCORE_GOAL} on every scene", reason, None)
    performance = Target("Lighthouse performance", f"≥ {PERF_GOAL} on every scene", reason, None)
    weight = Target(
        "page weight", f"≤ {BYTES_RATIO_GOAL}x the bare Dash page (transferred)", reason, None
    )
    blocking = Target("total blocking time", f"≤ {TBT_GOAL_MS} ms on every scene", reason, None)
    if bare is None:
        return [load, instrument, a11y, practices, performance, weight, blocking]
    floor = bare.value(lambda r: r.lcp_ms)
    page = next((p for p in pages if p.name == INSTRUMENT), None)
    ratio = _ratio(page.value(lambda r: r.lcp_ms), floor) if page is not None else None
    if ratio is None:
        instrument.measured = "not measured: no LCP for the bare page or the instrument page"
    else:
        instrument.measured = f"{ratio:.2f}x (LCP {page.value(lambda r: r.lcp_ms):.0f} ms)"
        instrument.met = ratio <= LOAD_RATIO_GOAL
    pages = [p for p in pages if p.name != INSTRUMENT]  # the scenes' targets
    missing = [p.name for p in pages if not p.runs]
    unmeasured = f"; not measured: {', '.join(missing)}" if missing else ""

    ratios = _by_page(pages, lambda p: _ratio(p.value(lambda r: r.lcp_ms), floor))
    if ratios:
        worst = max(ratios, key=ratios.get)
        load.measured = (
            f"worst {ratios[worst]:.2f}x ({worst}), median {median(list(ratios.values())):.2f}x "
            f"(floor LCP {floor:.0f} ms){unmeasured}"
        )
        load.met = _verdict(ratios[worst] <= LOAD_RATIO_GOAL, missing)
    else:
        load.measured = "not measured: no LCP for the bare page or the scenes"

    for target, category in ((a11y, "accessibility"), (practices, "best-practices")):
        scores = _by_page(pages, lambda p, c=category: p.value(lambda r: r.scores[c]))
        if not scores:
            target.measured = "not measured: no scene was audited"
            continue
        worst = min(scores, key=scores.get)
        floor_score = bare.value(lambda r, c=category: r.scores[c])
        target.measured = (
            f"min {scores[worst]:.0f} ({worst}; bare page {_fmt(floor_score)}){unmeasured}"
        )
        target.met = _verdict(scores[worst] >= SCORE_GOAL, missing)

    scores = _by_page(pages, lambda p: p.value(lambda r: r.scores["performance"]))
    if scores:
        worst = min(scores, key=scores.get)
        performance.measured = (
            f"min {scores[worst]:.0f} ({worst}; bare page "
            f"{_fmt(bare.value(lambda r: r.scores['performance']))}){unmeasured}"
        )
        performance.met = _verdict(scores[worst] >= PERF_GOAL, missing)
    else:
        performance.measured = "not measured: no scene was audited"

    floor_kib = bare.value(lambda r: r.kib)
    weights = _by_page(pages, lambda p: _ratio(p.value(lambda r: r.kib), floor_kib))
    if weights:
        worst = max(weights, key=weights.get)
        weight.measured = (
            f"worst {weights[worst]:.2f}x ({worst}), median {median(list(weights.values())):.2f}x "
            f"(bare page {floor_kib:.0f} KiB){unmeasured}"
        )
        weight.met = _verdict(weights[worst] <= BYTES_RATIO_GOAL, missing)
    else:
        weight.measured = "not measured: no byte weight for the bare page or the scenes"

    blocked = _by_page(pages, lambda p: p.value(lambda r: r.tbt_ms))
    if blocked:
        worst = max(blocked, key=blocked.get)
        blocking.measured = (
            f"worst {blocked[worst]:.0f} ms ({worst}), median "
            f"{median(list(blocked.values())):.0f} ms{unmeasured}"
        )
        blocking.met = _verdict(blocked[worst] <= TBT_GOAL_MS, missing)
    else:
        blocking.measured = "not measured: no scene was audited"
    return [load, instrument, a11y, practices, performance, weight, blocking]


def _by_page(pages: Sequence[Page], measure) -> dict[str, float]:
    """A measure of each page, by name, for the pages that have it."""
    return {p.name: value for p in pages if (value := measure(p)) is not None}


def _verdict(passed: bool, missing: list[str]) -> bool | None:
    """Missed stays missed; met only when no scene went unmeasured."""
    if not passed:
        return False
    return None if missing else True


if __name__ == "__main__":
    run_alone("lighthouse", run, sys.argv[1:], keep=True)
