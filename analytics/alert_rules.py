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
  closed market is not stale. Its text gives the age in words ("2 d 3 h"), never raw seconds.

Each alert carries the data it fired on: `as_of` (the quote's as_of, the bar's time, for
`stale` the dataset's) and `source` (who delivered that instrument: the snapshot's `origins`,
else its first source).

Windows: move, volume and rsi fire only on a value the wall itself shows as current, as
engine.freshness decides it for the instrument's tile (ok, fallback, or closed with a value of
its market's latest session): a quote within its dataset's stale_after_s while its market
trades, else of the session that closed last; a bar likewise (the history's stale_after_s is
four days, so Thursday's bar counts through Friday's session, but not once Friday has closed).
A rule's `max_data_age_s` narrows that further. So an RSI extreme on bars from last year, or a
move on a quote left from a dead feed, is not news and raises nothing.

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
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, ValidationError

from analytics import indicators
from config.schema import AlertRule, Dataset, Settings
from engine import freshness
from engine.ages import age_words
from providers import markets
from providers.models import Bar, Quote, Snapshot, Status, UtcTime

SCREEN_KIND = "screen"  # a dark screen's alert (engine.screen_watch): its episode is the darkness
RSI_PERIOD = 14
MAX_LISTED = 20  # alerts listed one by one in a webhook message; the rest are counted
HEADER_CHARS = 150  # Slack's limit for a header block's text


class Alert(BaseModel):
    """One alert: what held, where, on which data, and when its episode began and was last
    seen."""

    model_config = ConfigDict(frozen=True)

    key: str  # f"{rule_index}:{dataset}:{symbol or '*'}"
    kind: str  # move | volume | rsi | stale | screen
    dataset: str
    symbol: str | None
    name: str  # instrument or dataset display name
    message: str
    value: float | None
    raised_at: UtcTime  # first time the condition held in this episode
    last_seen: UtcTime  # last time the condition held
    # The data it fired on (latest firing): its own time and who delivered it. None only in
    # state stored before alerts carried them (AlertState.restored).
    as_of: UtcTime | None = None
    source: str | None = None


class AlertState(BaseModel):
    """What survives between refreshes (in the shared cache): alerts and notifications."""

    alerts: dict[str, Alert] = {}  # every alert not yet cooled down
    notified: dict[str, UtcTime] = {}  # last webhook notification per key

    @classmethod
    def restored(cls, stored: object) -> AlertState:
        """The state as read back from the cache, in today's shape; empty when there is none.

        The cache pickles the objects, and unpickling restores their fields as they were
        stored, without validation: an alert stored before a field existed would lack it and
        fail when read. Rebuilding from the stored fields gives each missing one its default.
        """
        if not isinstance(stored, AlertState):
            return cls()
        fields = vars(stored)
        try:
            return cls.model_validate(
                {
                    "alerts": {k: vars(a) for k, a in fields.get("alerts", {}).items()},
                    "notified": fields.get("notified", {}),
                }
            )
        except (ValidationError, TypeError):
            return cls()  # unreadable: start afresh rather than stop alerting


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


def _signed_pct(pct: float) -> str:
    """'+12.4%', '-0.05%': one decimal, more when a small threshold lets a small move fire, so
    a move never reads '+0.0%'; no space before '%', as everywhere on the wall."""
    decimals = max(1, -math.floor(math.log10(abs(pct)))) if pct else 1
    return f"{pct:+.{decimals}f}%"


class Hit(NamedTuple):
    """A condition that holds for one symbol (None: the whole dataset), on data timed `as_of`
    from `source`."""

    symbol: str | None
    name: str
    message: str
    value: float | None
    as_of: datetime | None
    source: str | None


class Window(NamedTuple):
    """Whether a rule may fire on an instrument's value, and who delivered that value."""

    current: bool
    source: str | None


def _window(rule: AlertRule, seen: Snapshot, symbol: str, when: datetime, now: datetime) -> Window:
    """Whether data of `symbol` timed `when` is recent enough for `rule` to fire on (see the
    module): the wall shows it current (engine.freshness, on `seen`, the snapshot assessed as of
    `now`), it is the instrument's newest value, and it is within the rule's max_data_age_s.

    The source is the instrument's own when the snapshot records it (`origins`: a fallback may
    have delivered some instruments), else the snapshot's first source.
    """
    state = freshness.state_shown(seen, symbol, now)
    current = (
        state.status in freshness.CURRENT
        and state.as_of is not None
        and when >= state.as_of
        and (rule.max_data_age_s is None or (now - when).total_seconds() <= rule.max_data_age_s)
    )
    return Window(current, state.source)


def _move(rule: AlertRule, snapshot: Snapshot, dataset: Dataset, now: datetime) -> Iterator[Hit]:
    seen = freshness.assess(snapshot, dataset, now)
    for quote in snapshot.records:
        if not isinstance(quote, Quote) or quote.change_pct is None:
            continue
        pct = quote.change_pct
        if abs(pct) < rule.threshold_pct:
            continue
        window = _window(rule, seen, quote.symbol, quote.as_of, now)
        if not window.current:
            continue  # a move on a quote the wall shows stale is not news
        arrow = "▲" if pct > 0 else "▼"
        message = (
            f"{quote.name} {arrow} {_signed_pct(pct)} since the previous close "
            f"(limit {_number(rule.threshold_pct)}%)"
        )
        yield Hit(quote.symbol, quote.name, message, pct, quote.as_of, window.source)


def _volume(rule: AlertRule, snapshot: Snapshot, dataset: Dataset, now: datetime) -> Iterator[Hit]:
    seen = freshness.assess(snapshot, dataset, now)
    names = _names(dataset)
    for symbol, bars in _bars_by_symbol(snapshot).items():
        last = max(bar.time for bar in bars)
        window = _window(rule, seen, symbol, last, now)
        if not window.current:
            continue  # the latest bar is not of the latest session: old volume is not news
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
        yield Hit(symbol, name, message, float(ratio), last, window.source)


def _rsi(rule: AlertRule, snapshot: Snapshot, dataset: Dataset, now: datetime) -> Iterator[Hit]:
    seen = freshness.assess(snapshot, dataset, now)
    names = _names(dataset)
    for symbol, bars in _bars_by_symbol(snapshot).items():
        last = max(bar.time for bar in bars)  # the bar the RSI is of (bars_frame sorts)
        window = _window(rule, seen, symbol, last, now)
        if not window.current:
            continue  # an RSI extreme of a session long gone is not news
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
        message = f"{name} RSI({RSI_PERIOD}) {value:.1f}: {state}"
        yield Hit(symbol, name, message, value, last, window.source)


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
        f"{dataset.title}: data {age_words(age)} old (stale after {age_words(rule.max_age_s)})"
    )
    yield Hit(None, dataset.title, message, age, snapshot.as_of, snapshot.source)


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
            for hit in CHECKS[rule.kind](rule, snapshot, dataset, now):
                held.append(
                    Alert(
                        key=f"{index}:{name}:{hit.symbol or '*'}",
                        kind=rule.kind,
                        dataset=name,
                        symbol=hit.symbol,
                        name=hit.name,
                        message=hit.message,
                        value=hit.value,
                        raised_at=now,
                        last_seen=now,
                        as_of=hit.as_of,
                        source=hit.source,
                    )
                )
    return held


def evaluate(
    settings: Settings, snapshots: dict[str, Snapshot], now: datetime, state: AlertState
) -> tuple[AlertState, list[Alert]]:
    """New state, and the alerts to notify now (new ones, at most once per cooldown per key)."""
    alerts: dict[str, Alert] = {}
    # Not held now: kept until cooled down. A dark screen's is kept as is: the screen watch
    # ends it when the screen is back.
    for key, old in state.alerts.items():
        if old.kind == SCREEN_KIND or now - old.last_seen <= _cooldown(settings, key):
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
    """Market alerts whose condition held within their cooldown (rule.cooldown_s or
    alerts.cooldown_s), newest first. Dark screens are the operators' concern, not the wall's:
    their alerts are listed on the status scene (AlertKeeper.screen_alerts), not here."""
    live = [
        a
        for a in state.alerts.values()
        if a.kind != SCREEN_KIND and now - a.last_seen <= _cooldown(settings, a.key)
    ]
    return sorted(live, key=lambda a: (a.raised_at, a.key), reverse=True)


def screen_alert(entry, since: datetime, now: datetime) -> Alert:
    """The alert of a screen dark since `since` (an engine.screens.ScreenEntry: its name or id,
    its last report's time and scene)."""
    label = entry.report.name or entry.id[:8]
    return Alert(
        key=f"{SCREEN_KIND}:{entry.id}",
        kind=SCREEN_KIND,
        dataset="screens",
        symbol=entry.id,
        name=label,
        message=f"Screen {label} is dark: not seen since {entry.seen_at:%H:%M} UTC "
        f"(it showed {entry.report.scene})",
        value=None,
        raised_at=since,
        last_seen=now,
        as_of=entry.seen_at,
        source="screens registry",
    )


def _slack_escape(text: str) -> str:
    # Slack reads &, < and > as markup (<!channel> would ping everyone): send them as entities.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": _slack_escape(text), "emoji": False}


def data_note(alert: Alert) -> str:
    """'yahoo · data as of 2026-11-18 14:59 UTC': where and when the data an alert fired on is
    from, for text read away from the wall (a webhook message), so it carries the full date."""
    source = alert.source or "unknown source"
    if alert.as_of is None:
        return f"{source} · data time unknown"
    return f"{source} · data as of {alert.as_of:%Y-%m-%d %H:%M} UTC"


def webhook_payload(alerts: list[Alert], edition: str) -> dict:
    """Slack-compatible JSON: {"text": ...} plus simple blocks; plain text only; DEMO marked when
    edition is demo. Each alert's line says its data's source and time (data_note)."""
    demo = str(edition) == "demo"
    mark = "[DEMO] " if demo else ""
    count = f"{len(alerts)} alert{'s' if len(alerts) != 1 else ''}" if alerts else "no alerts"
    title = f"{mark}Market Wallboard: {count}"
    lines = [
        f"{a.message} · {data_note(a)} · alert since {a.raised_at:%Y-%m-%d %H:%M} UTC"
        for a in alerts
    ]
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
