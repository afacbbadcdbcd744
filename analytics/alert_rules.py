"""Alerts: rules over the latest snapshots, remembered between refreshes with a cooldown.

Pure functions of (settings, snapshots, now, state): the caller keeps the `AlertState` in the
shared cache and passes the clock in, so every worker agrees and tests use a fake clock.

Rules (config.schema.AlertRule), each over the datasets it names:
- `move`: a quote's |% change from the previous close| >= threshold_pct.
- `volume`: the latest bar of a symbol traded >= multiple x the mean volume of the `window`
  bars before it. A session in progress is compared as it stands, so during the day the alert
  means "already `multiple` times an average full day". Symbols without a volume on each of
  those bars are skipped.
- `rsi`: RSI(14) (analytics.indicators.rsi) of a symbol's daily closes is above `above`
  (overbought) or below `below` (oversold). Intraday bars are not daily closes: skipped.
- `stale`: the dataset's data is older than max_age_s while any of its markets is open; a
  closed market is not stale.

Only snapshots with records count: a dataset in error or empty raises nothing (the stale rule
covers silence while data exists, as the last good records are kept with status `stale`).

Episodes and cooldown (rule.cooldown_s, else alerts.cooldown_s): an alert stays in the state
and in `active` until cooldown after the last time its condition held. A condition that holds
again within that time continues the episode (same `raised_at`); after it, it is a new episode.
A new episode is notified (webhook) unless the same key was notified within the cooldown; a
continuing episode is not notified again: the banner shows it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from analytics import indicators
from config.schema import AlertRule, Dataset, Settings
from engine import freshness
from providers import markets
from providers.models import Bar, Quote, Snapshot, Status, UtcTime

RSI_PERIOD = 14
MAX_LISTED = 20  # alerts listed one by one in a webhook message; the rest are counted
HEADER_CHARS = 150  # Slack's limit for a header block's text


class Alert(BaseModel):
    """One alert: what held, where, and when its episode began and was last seen."""

    model_config = ConfigDict(frozen=True)

    key: str  # f"{rule_index}:{dataset}:{symbol or '*'}"
    kind: str  # move | volume | rsi | stale
    dataset: str
    symbol: str | None
    name: str  # instrument or dataset display name
    message: str
    value: float | None
    raised_at: UtcTime  # first time the condition held in this episode
    last_seen: UtcTime  # last time the condition held


class AlertState(BaseModel):
    """What survives between refreshes (JSON in the shared cache): alerts and notifications."""

    alerts: dict[str, Alert] = {}  # every alert not yet cooled down
    notified: dict[str, UtcTime] = {}  # last webhook notification per key


def _cooldown(settings: Settings, key: str) -> timedelta:
    """The cooldown of the rule an alert key names (its index), or the default."""
    index, _, _ = key.partition(":")
    rules = settings.alerts.rules
    rule = rules[int(index)] if index.isdigit() and int(index) < len(rules) else None
    seconds = rule.cooldown_s if rule is not None and rule.cooldown_s is not None else None
    return timedelta(seconds=settings.alerts.cooldown_s if seconds is None else seconds)


def _names(dataset: Dataset) -> dict[str, str]:
    """Instrument id and every provider symbol -> the instrument's display name."""
    names: dict[str, str] = {}
    for instrument in dataset.instruments:
        for key in (instrument.id, *instrument.symbols.values()):
            names[key] = instrument.name
    return names


def _bars_by_symbol(snapshot: Snapshot) -> dict[str, list[Bar]]:
    bars: dict[str, list[Bar]] = defaultdict(list)
    for record in snapshot.records:
        if isinstance(record, Bar):
            bars[record.symbol].append(record)
    return bars


def _number(value: float) -> str:
    return f"{value:g}"


# Each check yields (symbol, name, message, value) for every symbol whose condition holds.
Hit = tuple[str | None, str, str, float | None]


def _move(rule: AlertRule, snapshot: Snapshot, dataset: Dataset, now: datetime) -> Iterator[Hit]:
    for quote in snapshot.records:
        if not isinstance(quote, Quote) or quote.change_pct is None:
            continue
        pct = quote.change_pct
        if abs(pct) >= rule.threshold_pct:
            arrow = "▲" if pct > 0 else "▼"
            message = (
                f"{quote.name} {arrow} {pct:+.1f} % since the previous close "
                f"(limit {_number(rule.threshold_pct)} %)"
            )
            yield quote.symbol, quote.name, message, pct


def _volume(rule: AlertRule, snapshot: Snapshot, dataset: Dataset, now: datetime) -> Iterator[Hit]:
    names = _names(dataset)
    for symbol, bars in _bars_by_symbol(snapshot).items():
        volume = indicators.bars_frame(bars)["volume"]
        before = volume.iloc[-rule.window - 1 : -1]
        latest = volume.iloc[-1]
        if len(before) < rule.window or before.isna().any() or math.isnan(latest):
            continue  # too short a history, or a source without volumes (some indices)
        mean = before.mean()
        if mean <= 0 or latest < rule.multiple * mean:
            continue
        ratio = latest / mean
        name = names.get(symbol, symbol)
        message = (
            f"{name} volume {ratio:.1f}x its {rule.window}-bar average "
            f"(limit {_number(rule.multiple)}x)"
        )
        yield symbol, name, message, float(ratio)


def _rsi(rule: AlertRule, snapshot: Snapshot, dataset: Dataset, now: datetime) -> Iterator[Hit]:
    names = _names(dataset)
    for symbol, bars in _bars_by_symbol(snapshot).items():
        frame = indicators.bars_frame(bars)
        if indicators.is_intraday(frame):
            continue
        value = float(indicators.rsi(frame, RSI_PERIOD).iloc[-1])
        if math.isnan(value):
            continue  # warming up (under 15 closes), or a series that never moved
        if value > rule.above:
            state = f"overbought (above {_number(rule.above)})"
        elif value < rule.below:
            state = f"oversold (below {_number(rule.below)})"
        else:
            continue
        name = names.get(symbol, symbol)
        yield symbol, name, f"{name} RSI({RSI_PERIOD}) {value:.1f}: {state}", value


def _market_open(dataset: Dataset, now: datetime) -> bool:
    for code in freshness.dataset_markets(dataset):
        try:
            if markets.is_open(code, now):
                return True
        except markets.UnknownMarket:
            continue  # reported by the config check at start
    return False


def _stale(rule: AlertRule, snapshot: Snapshot, dataset: Dataset, now: datetime) -> Iterator[Hit]:
    age = snapshot.age_s(now)
    if age is None or age <= rule.max_age_s or not _market_open(dataset, now):
        return
    message = (
        f"{dataset.title}: data {age:.0f} s old while its market is open "
        f"(limit {_number(rule.max_age_s)} s)"
    )
    yield None, dataset.title, message, age


CHECKS = {"move": _move, "volume": _volume, "rsi": _rsi, "stale": _stale}


def conditions(settings: Settings, snapshots: dict[str, Snapshot], now: datetime) -> list[Alert]:
    """Every alert whose condition holds at `now`, as a new episode (raised and seen `now`)."""
    held = []
    for index, rule in enumerate(settings.alerts.rules):
        for name in rule.datasets:
            snapshot = snapshots.get(name)
            dataset = settings.datasets.get(name)
            if snapshot is None or dataset is None or not snapshot.records:
                continue
            if snapshot.status in (Status.ERROR, Status.EMPTY):
                continue
            for symbol, display, message, value in CHECKS[rule.kind](rule, snapshot, dataset, now):
                held.append(
                    Alert(
                        key=f"{index}:{name}:{symbol or '*'}",
                        kind=rule.kind,
                        dataset=name,
                        symbol=symbol,
                        name=display,
                        message=message,
                        value=value,
                        raised_at=now,
                        last_seen=now,
                    )
                )
    return held


def evaluate(
    settings: Settings, snapshots: dict[str, Snapshot], now: datetime, state: AlertState
) -> tuple[AlertState, list[Alert]]:
    """New state, and the alerts to notify now (new ones, at most once per cooldown per key)."""
    alerts: dict[str, Alert] = {}
    for key, old in state.alerts.items():  # not held now: kept until cooled down
        if now - old.last_seen <= _cooldown(settings, key):
            alerts[key] = old
    notify = []
    for alert in conditions(settings, snapshots, now):
        cooldown = _cooldown(settings, alert.key)
        old = state.alerts.get(alert.key)
        if old is not None and now - old.last_seen <= cooldown:  # the same episode goes on
            alerts[alert.key] = alert.model_copy(update={"raised_at": old.raised_at})
            continue
        alerts[alert.key] = alert
        last = state.notified.get(alert.key)
        if last is None or now - last >= cooldown:
            notify.append(alert)
    # a notification older than its cooldown no longer holds anything back: forget it
    notified = {
        key: when for key, when in state.notified.items() if now - when < _cooldown(settings, key)
    }
    notified.update({alert.key: now for alert in notify})
    return AlertState(alerts=alerts, notified=notified), notify


def active(state: AlertState, settings: Settings, now: datetime) -> list[Alert]:
    """Alerts whose condition held within their cooldown (rule.cooldown_s or alerts.cooldown_s),
    newest first."""
    live = [a for a in state.alerts.values() if now - a.last_seen <= _cooldown(settings, a.key)]
    return sorted(live, key=lambda a: (a.raised_at, a.key), reverse=True)


def _slack_escape(text: str) -> str:
    # Slack reads &, < and > as markup (<!channel> would ping everyone): send them as entities.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": _slack_escape(text), "emoji": False}


def webhook_payload(alerts: list[Alert], edition: str) -> dict:
    """Slack-compatible JSON: {"text": ...} plus simple blocks; plain text only; DEMO marked when
    edition is demo."""
    demo = str(edition) == "demo"
    mark = "[DEMO] " if demo else ""
    count = f"{len(alerts)} alert{'s' if len(alerts) != 1 else ''}" if alerts else "no alerts"
    title = f"{mark}Market Wallboard: {count}"
    lines = [f"{a.message} (since {a.raised_at:%Y-%m-%d %H:%M} UTC)" for a in alerts]
    listed, rest = lines[:MAX_LISTED], len(lines) - MAX_LISTED
    blocks: list[dict] = [{"type": "header", "text": _plain(title[:HEADER_CHARS])}]
    blocks += [{"type": "section", "text": _plain(mark + line)} for line in listed]
    if rest > 0:
        blocks.append({"type": "context", "elements": [_plain(f"and {rest} more")]})
    if demo:
        note = "DEMO edition: synthetic data, not market prices."
        blocks.append({"type": "context", "elements": [_plain(note)]})
    text = "\n".join([title, *(mark + line for line in lines)])
    return {"text": _slack_escape(text), "mrkdwn": False, "blocks": blocks}
