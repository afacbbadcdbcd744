"""Alerts with a fake clock: episodes and cooldowns, each rule on crafted snapshots and on the
demo edition's history, the stale rule against market hours, the data each alert fired on and
the window beyond which data never fires (on the recorded ^GSPC and ^SPX histories), and the
webhook payload."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from analytics import indicators
from analytics.alert_rules import Alert, AlertState, active, conditions, evaluate, webhook_payload
from config import load_settings
from config.schema import AlertRule, Settings
from providers.base import Request
from providers.demo import DemoProvider
from providers.models import Bar, Quote, Snapshot, Status
from providers.stooq import parse_stooq_csv
from providers.yahoo import parse_chart_bars
from tests.support import paths

T0 = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)  # a Wednesday, New York open
SATURDAY = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)
DEMO_WEDNESDAY = datetime(2025, 4, 23, 15, 0, tzinfo=UTC)  # demo history: spx low RSI, ndx high


@pytest.fixture(scope="module")
def base() -> Settings:
    return load_settings(env={"WALLBOARD_EDITION": "demo"})


def with_rules(base: Settings, *rules: dict, cooldown_s: float = 300) -> Settings:
    """The shipped configuration with only these alert rules (validated like the YAML)."""
    raw = base.model_dump()
    raw["alerts"] = {"cooldown_s": cooldown_s, "rules": list(rules)}
    return Settings.model_validate(raw)


def btc(change_pct: float | None, at: datetime = T0) -> Quote:
    return Quote(symbol="btc", name="Bitcoin", price=100.0, change_pct=change_pct, as_of=at)


def snap(name: str, *records, as_of: datetime = T0, status: Status = Status.OK) -> Snapshot:
    return Snapshot(
        dataset=name, records=records, as_of=as_of, fetched_at=as_of, source="x", status=status
    )


def daily_bars(closes: list[float], volumes: list[float | None] | None = None, symbol="spx"):
    """One bar a day, the last of T0's session (opened 14:30 UTC)."""
    last = T0.replace(hour=14, minute=30)
    volumes = volumes or [1000.0] * len(closes)
    return [
        Bar(
            symbol=symbol,
            time=last - timedelta(days=len(closes) - 1 - i),
            open=c,
            high=c,
            low=c,
            close=c,
            volume=v,
        )
        for i, (c, v) in enumerate(zip(closes, volumes, strict=True))
    ]


# --- episodes, cooldown, notifications (fake clock) -----------------------------------------


@pytest.fixture
def crypto_rule(base):
    return with_rules(base, {"kind": "move", "threshold_pct": 10, "datasets": ["crypto"]})


def step(settings, state, now, change_pct):
    return evaluate(
        settings, {"crypto": snap("crypto", btc(change_pct, now), as_of=now)}, now, state
    )


def test_an_alert_is_raised_stays_while_it_holds_and_clears_after_the_cooldown(crypto_rule):
    state, sent = step(crypto_rule, AlertState(), T0, 12.4)
    (alert,) = sent
    assert alert.key == "0:crypto:btc" and alert.kind == "move" and alert.name == "Bitcoin"
    assert alert.message == "Bitcoin ▲ +12.4% since the previous close (limit 10%)"
    assert alert.value == 12.4 and alert.raised_at == alert.last_seen == T0
    assert active(state, crypto_rule, T0) == [alert]

    later = T0 + timedelta(seconds=60)
    state, sent = step(crypto_rule, state, later, 13.0)  # still holds: same episode, no notice
    assert sent == []
    (alert,) = active(state, crypto_rule, later)
    assert (alert.raised_at, alert.last_seen, alert.value) == (T0, later, 13.0)
    assert "+13.0%" in alert.message

    cleared = later + timedelta(seconds=15)
    state, sent = step(crypto_rule, state, cleared, 2.0)  # gone, but shown for the cooldown
    assert sent == [] and [a.key for a in active(state, crypto_rule, cleared)] == ["0:crypto:btc"]
    edge = later + timedelta(seconds=300)  # cooldown counts from the last time it held
    state, _ = step(crypto_rule, state, edge, 2.0)
    assert len(active(state, crypto_rule, edge)) == 1  # exactly the cooldown: still shown
    over = edge + timedelta(seconds=1)
    state, _ = step(crypto_rule, state, over, 2.0)
    assert active(state, crypto_rule, over) == [] and state.alerts == {}


def test_a_condition_back_after_the_cooldown_is_a_new_episode_and_notified_again(crypto_rule):
    state, first = step(crypto_rule, AlertState(), T0, -11.0)
    assert first[0].message == "Bitcoin ▼ -11.0% since the previous close (limit 10%)"
    back_soon = T0 + timedelta(seconds=200)  # cleared at T0 + 15, back within the cooldown
    state, _ = step(crypto_rule, state, T0 + timedelta(seconds=15), 0.5)
    state, sent = step(crypto_rule, state, back_soon, -11.5)
    assert sent == [] and state.alerts["0:crypto:btc"].raised_at == T0  # same episode

    back_late = back_soon + timedelta(seconds=301)
    state, _ = step(crypto_rule, state, back_late - timedelta(seconds=1), 0.5)
    state, sent = step(crypto_rule, state, back_late, -12.0)
    (alert,) = sent
    assert alert.raised_at == back_late and state.notified == {"0:crypto:btc": back_late}


def test_a_condition_that_holds_for_an_hour_is_notified_once(crypto_rule):
    state, notices = AlertState(), 0
    for k in range(240):  # every 15 s
        state, sent = step(crypto_rule, state, T0 + timedelta(seconds=15 * k), 15.0)
        notices += len(sent)
    assert notices == 1
    assert state.alerts["0:crypto:btc"].raised_at == T0


def test_a_key_notified_within_the_cooldown_is_not_notified_again(crypto_rule):
    recent = AlertState(notified={"0:crypto:btc": T0 - timedelta(seconds=100)})
    state, sent = step(crypto_rule, recent, T0, 12.0)
    assert sent == [] and "0:crypto:btc" in state.alerts  # shown, just not posted
    old = AlertState(notified={"0:crypto:btc": T0 - timedelta(seconds=300)})
    assert len(step(crypto_rule, old, T0, 12.0)[1]) == 1


def test_a_rules_own_cooldown_wins_over_the_default(base):
    settings = with_rules(
        base, {"kind": "move", "threshold_pct": 10, "datasets": ["crypto"], "cooldown_s": 30}
    )
    state, _ = step(settings, AlertState(), T0, 12.0)
    assert active(state, settings, T0 + timedelta(seconds=30))
    assert active(state, settings, T0 + timedelta(seconds=31)) == []
    state, _ = step(settings, state, T0 + timedelta(seconds=31), 0.0)
    assert state.alerts == {} and state.notified == {}  # forgotten after 30 s, not 300


def test_state_survives_a_json_round_trip(crypto_rule):
    state, _ = step(crypto_rule, AlertState(), T0, 12.4)
    again = AlertState.model_validate_json(state.model_dump_json())
    assert again == state and again.alerts["0:crypto:btc"].raised_at.tzinfo is not None
    with pytest.raises(ValueError):
        state.alerts["0:crypto:btc"].message = "changed"  # alerts are frozen


def test_active_lists_newest_first(base):
    settings = with_rules(base, {"kind": "move", "threshold_pct": 1, "datasets": ["crypto"]})
    eth = Quote(symbol="eth", name="Ether", price=10.0, change_pct=5.0, as_of=T0)
    state, _ = evaluate(settings, {"crypto": snap("crypto", btc(5.0))}, T0, AlertState())
    later = T0 + timedelta(seconds=10)
    state, _ = evaluate(settings, {"crypto": snap("crypto", btc(5.0), eth)}, later, state)
    assert [a.symbol for a in active(state, settings, later)] == ["eth", "btc"]


# --- each rule on crafted snapshots ---------------------------------------------------------


def test_move_rule_uses_abs_change_pct_and_skips_quotes_without_one(base):
    settings = with_rules(base, {"kind": "move", "threshold_pct": 10, "datasets": ["crypto"]})
    quotes = [
        btc(10.0),
        Quote(symbol="eth", name="Ether", price=1.0, change_pct=-9.99, as_of=T0),
        Quote(symbol="sol", name="Solana", price=1.0, change_pct=None, as_of=T0),
    ]
    held = conditions(settings, {"crypto": snap("crypto", *quotes)}, T0)
    assert [a.symbol for a in held] == ["btc"]  # >= the threshold counts


def test_volume_rule_compares_the_latest_bar_with_the_window_before(base):
    settings = with_rules(
        base, {"kind": "volume", "multiple": 3, "window": 20, "datasets": ["history"]}
    )
    closes = [100.0] * 21

    def held(volumes):
        bars = daily_bars(closes, volumes)
        return conditions(settings, {"history": snap("history", *bars)}, T0)

    (alert,) = held([100.0] * 20 + [300.0])
    assert alert.key == "0:history:spx" and alert.name == "S&P 500" and alert.value == 3.0
    assert alert.message == "S&P 500 volume 3.0x its 20-bar average (limit 3x)"
    assert held([100.0] * 20 + [299.0]) == []
    assert held([None] + [100.0] * 19 + [900.0]) == []  # a bar without volume in the window
    short = daily_bars([100.0] * 10, [100.0] * 9 + [900.0])
    assert conditions(settings, {"history": snap("history", *short)}, T0) == []


def test_rsi_rule_says_overbought_or_oversold_on_daily_closes(base):
    settings = with_rules(base, {"kind": "rsi", "above": 70, "below": 30, "datasets": ["history"]})

    def held(closes, symbol="spx"):
        bars = daily_bars(closes, symbol=symbol)
        return conditions(settings, {"history": snap("history", *bars)}, T0)

    rising = [100.0 + i for i in range(30)]
    (up,) = held(rising)
    assert up.value == 100.0 and up.message == "S&P 500 RSI(14) 100.0: overbought (above 70)"
    (down,) = held(rising[::-1], symbol="ndx")
    assert down.name == "Nasdaq 100" and down.message.endswith(": oversold (below 30)")
    assert held([100.0 + (i % 2) for i in range(30)]) == []  # RSI about 50
    assert held(rising[:14]) == []  # still warming up
    hourly = [
        b.model_copy(update={"time": T0 - timedelta(hours=len(rising) - 1 - i)})
        for i, b in enumerate(daily_bars(rising))
    ]
    assert conditions(settings, {"history": snap("history", *hourly)}, T0) == []


@pytest.fixture
def stale_rule(base):
    return with_rules(base, {"kind": "stale", "max_age_s": 30, "datasets": ["sectors"]})


def xlk(at: datetime) -> Quote:
    return Quote(symbol="xlk", name="Technology", price=232.0, as_of=at)


def test_stale_rule_is_loud_on_a_wednesday_and_quiet_on_a_saturday(stale_rule):
    wednesday = {
        "sectors": snap(
            "sectors", xlk(T0 - timedelta(seconds=60)), as_of=T0 - timedelta(seconds=60)
        )
    }
    (alert,) = conditions(stale_rule, wednesday, T0)
    assert alert.key == "0:sectors:*" and alert.symbol is None and alert.value == 60.0
    assert alert.name == "S&P 500 sectors"
    assert alert.message == "S&P 500 sectors: data 1 min old (stale after 30 s)"

    friday_close = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
    weekend = {"sectors": snap("sectors", xlk(friday_close), as_of=friday_close)}
    assert conditions(stale_rule, weekend, SATURDAY) == []  # a closed market is not stale
    fresh = {
        "sectors": snap(
            "sectors", xlk(T0 - timedelta(seconds=30)), as_of=T0 - timedelta(seconds=30)
        )
    }
    assert conditions(stale_rule, fresh, T0) == []


def test_error_and_empty_snapshots_raise_nothing_stale_ones_with_records_do(stale_rule):
    old = T0 - timedelta(hours=1)
    failed = Snapshot(dataset="sectors", status=Status.ERROR, error="down", failures=3)
    assert conditions(stale_rule, {"sectors": failed}, T0) == []
    assert conditions(stale_rule, {"sectors": Snapshot.pending("sectors")}, T0) == []
    kept = snap("sectors", xlk(old), as_of=old, status=Status.STALE)  # last good records kept
    assert [a.value for a in conditions(stale_rule, {"sectors": kept}, T0)] == [3600.0]
    assert conditions(stale_rule, {}, T0) == []  # no snapshot at all


# --- the data an alert fired on, and its window --------------------------------------------

FRIDAY_CLOSE = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)  # New York's close


def spx(change_pct: float, at: datetime, symbol: str = "spx") -> Quote:
    return Quote(symbol=symbol, name=symbol.upper(), price=6000.0, change_pct=change_pct, as_of=at)


def test_alerts_carry_the_time_and_source_of_the_data_they_fired_on(base, stale_rule):
    moves = with_rules(base, {"kind": "move", "threshold_pct": 5, "datasets": ["indices"]})
    quotes = snap("indices", spx(6.0, T0 - timedelta(seconds=40)), spx(-7.0, T0, "ndx"))
    # a fallback delivered ndx: the snapshot says so per instrument
    quotes = quotes.model_copy(update={"source": "yahoo+stooq", "origins": {"ndx": "stooq"}})
    held = {a.symbol: a for a in conditions(moves, {"indices": quotes}, T0)}
    assert (held["spx"].as_of, held["spx"].source) == (T0 - timedelta(seconds=40), "yahoo")
    assert (held["ndx"].as_of, held["ndx"].source) == (T0, "stooq")

    rsi = with_rules(base, {"kind": "rsi", "datasets": ["history"]})
    bars = daily_bars([100.0 + i for i in range(30)])
    (up,) = conditions(rsi, {"history": snap("history", *bars)}, T0)
    assert (up.as_of, up.source) == (bars[-1].time, "x")  # the bar the RSI is of

    old = T0 - timedelta(seconds=60)
    (late,) = conditions(stale_rule, {"sectors": snap("sectors", xlk(old), as_of=old)}, T0)
    assert (late.as_of, late.source) == (old, "x")


def test_a_move_on_a_quote_older_than_its_window_does_not_fire(base):
    crypto = with_rules(base, {"kind": "move", "threshold_pct": 10, "datasets": ["crypto"]})
    limit = base.datasets["crypto"].stale_after_s  # 90 s: the wall shows it stale after that

    def held(settings, quote, now=T0):
        return conditions(settings, {"crypto": snap("crypto", quote, as_of=now)}, now)

    assert [a.symbol for a in held(crypto, btc(12.0, T0 - timedelta(seconds=limit)))] == ["btc"]
    assert held(crypto, btc(12.0, T0 - timedelta(seconds=limit + 1))) == []  # fetched now, old
    assert held(crypto, btc(12.0, datetime(2024, 2, 29, 15, 0, tzinfo=UTC))) == []  # a dead feed

    # A rule's own max_data_age_s narrows the window: the wall shows 60 s as current, not it.
    narrow = with_rules(
        base, {"kind": "move", "threshold_pct": 10, "datasets": ["crypto"], "max_data_age_s": 30}
    )
    assert held(narrow, btc(12.0, T0 - timedelta(seconds=60))) == []
    assert len(held(narrow, btc(12.0, T0 - timedelta(seconds=30)))) == 1


def test_a_closing_move_is_news_until_the_market_opens_again(base):
    # A closed market's last session is the latest: its close's move stands over the weekend,
    # as its tile shows it `closed`, not stale; Monday's open without a new quote ends that.
    moves = with_rules(base, {"kind": "move", "threshold_pct": 5, "datasets": ["indices"]})

    def held(at: datetime, now: datetime):
        return conditions(moves, {"indices": snap("indices", spx(6.0, at), as_of=now)}, now)

    (weekend,) = held(FRIDAY_CLOSE, SATURDAY)
    assert weekend.as_of == FRIDAY_CLOSE
    monday_open = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    assert held(FRIDAY_CLOSE, monday_open) == []
    assert held(FRIDAY_CLOSE - timedelta(days=1), SATURDAY) == []  # Thursday's: not the latest


def recorded(name: str) -> list[Bar]:
    """S&P 500 daily bars as two sources recorded them (tests/fixtures, PROVENANCE.md)."""
    if name == "yahoo":
        path = paths.FIXTURES / "yahoo" / "chart_GSPC_INDEX_1d_2023-01-03_to_2024-02-29.json"
        payload = json.loads(path.read_text(encoding="utf-8"))
        return parse_chart_bars(payload, symbol="spx", vendor_symbol="^GSPC")
    path = paths.FIXTURES / "stooq" / "spx_d_2024-01-02_to_2025-04-07_truncated.csv"
    return parse_stooq_csv(path.read_text(encoding="utf-8"), symbol="spx", vendor_symbol="^spx")


@pytest.mark.parametrize(
    ("source", "rule", "day_after", "word"),
    [
        # recorded 2024-02-29, during that session: RSI 65.9 on the live bar
        ("yahoo", {"above": 65}, datetime(2024, 3, 1, 15, 0, tzinfo=UTC), "overbought"),
        # to Monday 2025-04-07: RSI 23.0 after the April sell-off, under the shipped rule
        ("stooq", {}, datetime(2025, 4, 8, 15, 0, tzinfo=UTC), "oversold"),
    ],
)
def test_an_rsi_extreme_on_recorded_bars_fires_only_while_they_are_the_latest(
    base, source, rule, day_after, word
):
    settings = with_rules(base, {"kind": "rsi", "datasets": ["history"], **rule})
    bars = recorded(source)
    last = bars[-1].time

    def held(now: datetime) -> list[Alert]:
        history = Snapshot(
            dataset="history",
            records=tuple(bars),
            as_of=last,
            fetched_at=now,  # fetched just now: the source answers with what it has
            source=source,
            status=Status.OK,
        )
        return conditions(settings, {"history": history}, now)

    (alert,) = held(day_after)  # the next session: the last bar is still the latest close
    expected = indicators.rsi(indicators.bars_frame(bars), 14).iloc[-1]
    assert alert.value == pytest.approx(expected) and word in alert.message
    assert (alert.as_of, alert.source) == (last, source)
    assert held(T0) == []  # in 2026 an RSI extreme of those days is not news
    next_close = day_after.replace(hour=21, minute=30)  # that session closed, no new bar
    assert held(next_close) == []


def test_the_stale_rules_text_gives_the_age_in_words(base):
    rule = with_rules(base, {"kind": "stale", "max_age_s": 30, "datasets": ["fx"]})
    old = T0 - timedelta(seconds=87_158_126)  # the FX snapshot, from early 2024
    eurusd = Quote(symbol="eurusd", name="EUR/USD", price=1.08, as_of=old)
    (alert,) = conditions(rule, {"fx": snap("fx", eurusd, as_of=old)}, T0)
    assert alert.message == "FX: data 1,008 d 18 h old (stale after 30 s)"
    assert alert.value == 87_158_126 and alert.as_of == old


def test_max_data_age_s_is_validated_and_not_for_stale_rules():
    assert AlertRule(kind="rsi", datasets=["history"]).max_data_age_s is None  # the wall's window
    assert AlertRule(kind="move", datasets=["fx"], max_data_age_s=60).max_data_age_s == 60
    for bad in (0, -1, 86_400 * 31):
        with pytest.raises(ValidationError, match="max_data_age_s"):
            AlertRule(kind="move", datasets=["fx"], max_data_age_s=bad)
    with pytest.raises(ValidationError, match="does not apply to a stale rule"):
        AlertRule(kind="stale", datasets=["fx"], max_data_age_s=60)


def test_state_stored_before_alerts_carried_their_data_loads():
    old = {
        "key": "0:crypto:btc",
        "kind": "move",
        "dataset": "crypto",
        "symbol": "btc",
        "name": "Bitcoin",
        "message": "Bitcoin ▲ +12.4 % since the previous close (limit 10 %)",
        "value": 12.4,
        "raised_at": T0.isoformat(),
        "last_seen": T0.isoformat(),
    }
    stored = {"alerts": {"0:crypto:btc": old}, "notified": {"0:crypto:btc": T0.isoformat()}}
    state = AlertState.model_validate_json(json.dumps(stored))
    alert = state.alerts["0:crypto:btc"]
    assert alert.as_of is None and alert.source is None and alert.raised_at == T0
    assert AlertState.restored(state) == state
    assert AlertState.restored(None) == AlertState() == AlertState.restored({"alerts": 1})


# --- the demo edition's history at a fixed Wednesday 15:00 UTC ------------------------------


@pytest.fixture(scope="module")
def demo_history(base) -> Snapshot:
    ds = base.datasets["history"]
    request = Request("history", ds.kind, tuple(ds.instruments), DEMO_WEDNESDAY, ds.market)
    batch = DemoProvider(base).load(request)
    return snap("history", *batch.records, as_of=max(b.time for b in batch.records))


def test_rsi_rule_on_demo_history_matches_the_indicator(base, demo_history):
    settings = with_rules(base, {"kind": "rsi", "above": 70, "below": 30, "datasets": ["history"]})
    held = {a.symbol: a for a in conditions(settings, {"history": demo_history}, DEMO_WEDNESDAY)}
    assert set(held) == {"spx", "ndx"}
    for symbol, word in (("spx", "oversold"), ("ndx", "overbought")):
        bars = [b for b in demo_history.records if b.symbol == symbol]
        expected = indicators.rsi(indicators.bars_frame(bars), 14).iloc[-1]
        assert held[symbol].value == pytest.approx(expected)
        assert word in held[symbol].message
    assert held["spx"].value < 30 < 70 < held["ndx"].value


def test_volume_rule_on_demo_history_today_in_progress_and_the_day_before(base, demo_history):
    config_rule = with_rules(base, {"kind": "volume", "multiple": 3, "datasets": ["history"]})
    # 15:00 UTC: today's bar holds 1.5 hours of trading, far below a full day
    assert conditions(config_rule, {"history": demo_history}, DEMO_WEDNESDAY) == []

    today = max(b.time for b in demo_history.records)
    done = snap("history", *(b for b in demo_history.records if b.time < today))
    lower = with_rules(base, {"kind": "volume", "multiple": 1.3, "datasets": ["history"]})
    ratios = {}
    for symbol in ("spx", "ndx"):
        volume = indicators.bars_frame([b for b in done.records if b.symbol == symbol])["volume"]
        ratios[symbol] = volume.iloc[-1] / volume.iloc[-21:-1].mean()
    held = conditions(lower, {"history": done}, DEMO_WEDNESDAY)
    assert [a.symbol for a in held] == [s for s in ("spx", "ndx") if ratios[s] >= 1.3] == ["ndx"]
    assert held[0].value == pytest.approx(ratios["ndx"])
    a_week_on = DEMO_WEDNESDAY + timedelta(days=7)  # those bars are no longer the latest
    assert conditions(lower, {"history": done}, a_week_on) == []


# --- webhook payload ------------------------------------------------------------------------


def alert(message: str, symbol: str = "spx") -> Alert:
    return Alert(
        key=f"0:indices:{symbol}",
        kind="move",
        dataset="indices",
        symbol=symbol,
        name="S&P 500",
        message=message,
        value=5.2,
        raised_at=T0,
        last_seen=T0,
        as_of=T0 - timedelta(minutes=2),
        source="yahoo",
    )


def text_objects(payload: dict) -> list[dict]:
    found = []
    for block in payload["blocks"]:
        found += [block["text"]] if "text" in block else block["elements"]
    return found


def test_payload_is_plain_json_text_with_blocks():
    payload = webhook_payload(
        [alert("S&P 500 ▲ +5.2% since the previous close (limit 5%)")], "open"
    )
    assert json.loads(json.dumps(payload)) == payload
    assert payload["mrkdwn"] is False
    assert payload["text"] == (
        "Market Wallboard: 1 alert\n"
        "S&amp;P 500 ▲ +5.2% since the previous close (limit 5%) · yahoo · "
        "data as of 2026-11-18 14:58 UTC · alert since 2026-11-18 15:00 UTC"
    )
    assert [b["type"] for b in payload["blocks"]] == ["header", "section"]
    assert all(t["type"] == "plain_text" for t in text_objects(payload))
    assert "DEMO" not in json.dumps(payload)


def test_payload_marks_demo_and_escapes_slack_markup():
    payload = webhook_payload([alert("<!channel> & friends")], "demo")
    assert payload["text"].startswith("[DEMO] Market Wallboard: 1 alert\n[DEMO] &lt;!channel&gt;")
    assert "<" not in json.dumps(payload)
    texts = [t["text"] for t in text_objects(payload)]
    assert texts[0] == "[DEMO] Market Wallboard: 1 alert"
    assert texts[-1] == "DEMO edition: synthetic data, not market prices."


def test_payload_lists_twenty_and_counts_the_rest():
    many = [alert(f"move {i}", symbol=f"s{i}") for i in range(25)]
    payload = webhook_payload(many, "open")
    assert sum(b["type"] == "section" for b in payload["blocks"]) == 20
    assert payload["blocks"][-1]["elements"][0]["text"] == "and 5 more"
    assert payload["text"].count("\n") == 25  # the fallback text lists them all
    assert webhook_payload([], "open")["text"] == "Market Wallboard: no alerts"
