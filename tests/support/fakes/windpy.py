"""A fake `WindPy` module that follows /work/shared/WINDPY.md, for tests without a terminal.

`make_module(scenario)` gives a module with a session object `w` (FakeWind). Its answers are
WindData-like objects in the contract's orientations (wsq/wss: Data[i] is the i-th field across
codes; wsd/wsi/edb with one field: Data[i] is the i-th code across times; with one code: the
i-th field across times), or `(ErrorCode, DataFrame)` with `usedf=True`. Codes and Fields come
back upper-case; gaps are None or nan; a failure carries its message in Data[0][0] (Fields
["OUTMESSAGE"]). Prices are deterministic: SPX.GI last 5950.12, previous close 5930.00, ...

Interpreted where the contract says nothing (check against a real terminal):
- daily Times are datetimes at 00:00:00.005, as WindPy stamps them; wsi Times are naive local
  datetimes stamped at the END of each bar; wsq Times hold one time (the request's).
- wsd for several codes that covers ONE date answers with one row (the field across codes), as
  public code working around WindPy shows; table() in providers/wind/__init__.py must cope.
- a call without a session answers ErrorCode -103 ("not login"); no data is -40520007.
- wsq with `func` subscribes: it answers at once with a WindData whose RequestID names the
  subscription (what `cancelRequest(RequestID)` takes), then pushes each code's full row, one
  code per push, as the first callbacks. Later pushes carry only the fields that changed (as
  public gateways built on WindPy read them). Pushes come from another thread, like the
  terminal's; a dropped or stopped session ends every subscription.
- RT_DATE/RT_TIME are stamped in each code's exchange zone (Wind's Shanghai clock for FX),
  or in `Scenario.stamp_tz` for every code when set.
"""

from __future__ import annotations

import math
import threading
import time
import types
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

import pandas as pd

NAN = math.nan
NO_DATA = (-40520007, "CWSDService: No data.")
NOT_LOGIN = (-103, "not login")
START_FAILED = (-40520004, "Login failed: Wind terminal is not running")
NOT_SUPPORTED = (-40522003, "Invalid request: several codes with several fields")

# code -> (RT_LAST, RT_PRE_CLOSE, RT_DATE, RT_TIME); times in the exchange's local time.
QUOTES = {
    "SPX.GI": (5950.12, 5930.00, 20261118, 100000),
    "DJI.GI": (43850.50, 43790.25, 20261118, 100000),
    "N225.GI": (38612.40, 38500.00, 20261118, 150000),
    "HSI.HI": (19875.30, 19950.10, 20261118, 160800),
    "000001.SH": (3361.45, 3350.00, 20261118, 150000),
    "000300.SH": (3962.80, 3950.00, 20261118, 150000),
    "USDCNH.FX": (7.2416, 7.2400, 20261118, 230000),
    "EURUSD.FX": (1.0853, 1.0841, 20261118, 230000),
}


# code -> the zone the QUOTES table's times are in: the exchange's, Wind's clock for FX.
ZONES = {
    "SPX.GI": "America/New_York",
    "DJI.GI": "America/New_York",
    "N225.GI": "Asia/Tokyo",
    "HSI.HI": "Asia/Hong_Kong",
    "000001.SH": "Asia/Shanghai",
    "000300.SH": "Asia/Shanghai",
    "USDCNH.FX": "Asia/Shanghai",
    "EURUSD.FX": "Asia/Shanghai",
}


def wind_stamp(at: datetime, zone: str) -> tuple[float, float]:
    """(RT_DATE, RT_TIME) numbers of an aware time on the clock of `zone`."""
    local = at.astimezone(ZoneInfo(zone))
    return float(local.strftime("%Y%m%d")), float(local.strftime("%H%M%S"))


def _history(last_close: float, step: float) -> list[tuple]:
    """Ten weekdays up to 2026-11-17, closing at `last_close`; 2026-11-13 is a gap (nan row)."""
    days = [date(2026, 11, 4) + timedelta(days=i) for i in range(14)]
    days = [d for d in days if d.weekday() < 5]
    rows = []
    for i, day in enumerate(days):
        close = round(last_close - step * (len(days) - 1 - i), 2)
        if day == date(2026, 11, 13):
            rows.append((day, None, NAN, NAN, NAN, NAN))
            continue
        rows.append((day, close - step / 2, close + step, close - step, close, 2.0e9 + i * 1e7))
    return rows


def _intraday() -> list[tuple]:
    """000300.SH 5-minute bars on 2026-11-18, stamped at their end (09:35 ... 10:00 Shanghai)."""
    rows = []
    for i in range(6):
        end = datetime(2026, 11, 18, 9, 35) + timedelta(minutes=5 * i)
        price = 3955.0 + i
        if i == 3:
            rows.append((end, NAN, NAN, NAN, NAN, NAN))  # a halted bar
            continue
        rows.append((end, price, price + 2.5, price - 1.5, price + 1.0, 1.2e8 + i * 1e6))
    return rows


# Made-up EDB codes (real ones are in the edition's code map): yields in %, one per day.
EDB = {
    "M1000002": [(date(2026, 11, 16), 3.98), (date(2026, 11, 17), 4.01)],
    "M1000010": [(date(2026, 11, 16), 4.25), (date(2026, 11, 17), 4.28)],
    "M1000030": [(date(2026, 11, 16), 4.55), (date(2026, 11, 17), NAN)],
    "M2000001": [(date(2026, 8, 20), 3.35), (date(2026, 9, 22), 3.10), (date(2026, 10, 20), 3.00)],
}


@dataclass
class Scenario:
    """What the fake terminal knows and how it misbehaves; tests change it between calls."""

    quotes: dict[str, dict[str, float | None]] = field(default_factory=dict)
    history: dict[str, list[tuple]] = field(default_factory=dict)
    intraday: dict[str, list[tuple]] = field(default_factory=dict)
    edb: dict[str, list[tuple]] = field(default_factory=lambda: {k: [*v] for k, v in EDB.items()})
    now: datetime = datetime(2026, 11, 18, 23, 2)  # Wind's clock (Shanghai) for wsq Times
    fail_starts: int = 0  # the next N start() calls fail
    failures: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    raises: dict[str, Exception] = field(default_factory=dict)
    delay_s: float = 0.0  # each data call takes this long (to see calls overlap)
    stamp_tz: str | None = None  # RT_DATE/RT_TIME on this clock for every code (else ZONES)
    pushes: bool = True  # False: subscriptions are accepted but no callback ever comes

    def __post_init__(self) -> None:
        for code, (last, prev, day, at) in QUOTES.items():
            chg = last - prev
            when = _exchange_time(code, day, at)
            rt_date, rt_time = wind_stamp(when, self.stamp_tz or ZONES[code])
            self.quotes.setdefault(code, {
                "RT_LAST": last, "RT_PRE_CLOSE": prev, "RT_CHG": chg,
                "RT_PCT_CHG": chg / prev * 100,  # percent, as the contract says
                "RT_DATE": rt_date, "RT_TIME": rt_time, "RT_VOL": 1.0e9,
            })  # fmt: skip
        self.history.setdefault("SPX.GI", _history(5930.00, 10.0))
        self.history.setdefault("000300.SH", _history(3950.00, 5.0))
        self.intraday.setdefault("000300.SH", _intraday())

    def fail(self, call: str, code: int, message: str, times: int = 1) -> None:
        """The next `times` calls of `call` answer this ErrorCode and message."""
        self.failures.setdefault(call, []).extend([(code, message)] * times)


def _exchange_time(code: str, day: int, at: int) -> datetime:
    """A QUOTES row's time, aware, in the code's own zone."""
    naive = datetime.strptime(f"{day}{at:06d}", "%Y%m%d%H%M%S")
    return naive.replace(tzinfo=ZoneInfo(ZONES[code]))


@dataclass
class Subscription:
    """One wsq push subscription: what it asked for and whom to call."""

    request_id: int
    codes: list[str]
    fields: list[str]
    func: Callable


class WindData:
    """The shape of WindPy's result object."""

    def __init__(self, ErrorCode=0, Codes=(), Fields=(), Times=(), Data=()):
        self.ErrorCode = ErrorCode
        self.StateCode = 0
        self.RequestID = 0
        self.Codes, self.Fields, self.Times = list(Codes), list(Fields), list(Times)
        self.Data = [list(row) for row in Data]

    def __repr__(self) -> str:
        return f".ErrorCode={self.ErrorCode}\n.Codes={self.Codes}\n.Data={self.Data}"


def _names(value) -> list[str]:
    items = value.split(",") if isinstance(value, str) else list(value)
    return [str(item).strip().upper() for item in items if str(item).strip()]


def _day(value) -> date:
    text = str(value).replace("-", "")[:8]
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def _moment(value) -> datetime:
    return (
        datetime.fromisoformat(str(value))
        if len(str(value)) > 10
        else datetime.combine(_day(value), dtime())
    )


def _error(code: int, message: str) -> WindData:
    return WindData(ErrorCode=code, Fields=["OUTMESSAGE"], Data=[[message]])


class FakeWind:
    """The session object `w`: start/isconnected/stop and the data calls, with counters."""

    BAR_FIELDS = ("OPEN", "HIGH", "LOW", "CLOSE", "VOLUME")

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.connected = False
        self.calls: Counter[str] = Counter()
        self.log: list[tuple[str, tuple, dict]] = []
        self.in_flight = self.max_in_flight = 0
        self._count = threading.Lock()
        self.subscriptions: dict[int, Subscription] = {}
        self.cancelled: list[int] = []
        self.pushed = 0  # callbacks delivered
        self._request_ids = 0

    # -- session ----------------------------------------------------------------------------
    def start(self, waitTime=60, *args, **kwargs):
        self.calls["start"] += 1
        self.log.append(("start", (), {"waitTime": waitTime}))
        if self.scenario.fail_starts > 0:
            self.scenario.fail_starts -= 1
            return _error(*START_FAILED)
        self.connected = True
        return WindData(Data=[["OK!"]])

    def isconnected(self) -> bool:
        self.calls["isconnected"] += 1
        return self.connected

    def stop(self):
        self.calls["stop"] += 1
        self.connected = False
        self.subscriptions.clear()

    def drop_session(self) -> None:
        """The terminal restarted or the network went: isconnected() is False until start(),
        and every push subscription is gone."""
        self.connected = False
        self.subscriptions.clear()

    def cancelRequest(self, request_id):
        """End one push subscription (0: all of them), as WindPy's cancelRequest does."""
        self.calls["cancelRequest"] += 1
        self.log.append(("cancelRequest", (request_id,), {}))
        ids = list(self.subscriptions) if request_id == 0 else [request_id]
        for number in ids:
            if self.subscriptions.pop(number, None) is not None:
                self.cancelled.append(number)

    # -- pushes (the terminal's side of a subscription) ---------------------------------------
    def _deliver(self, make: Callable[[Subscription], object | None]) -> int:
        """Call each subscriber with `make(subscription)` (None: nothing for it) from another
        thread, as the terminal does, and wait for it; returns the callbacks made."""
        if not self.scenario.pushes:
            return 0
        made = []

        def run() -> None:
            for sub in list(self.subscriptions.values()):
                data = make(sub)
                if data is not None:
                    sub.func(data)
                    made.append(sub.request_id)

        thread = threading.Thread(target=run, name="fake-wind-push")
        thread.start()
        thread.join(10)
        self.pushed += len(made)
        return len(made)

    def push(self, code: str, **fields) -> int:
        """Push changed fields of one code (push("SPX.GI", RT_LAST=5951.0)) to subscribers of
        it; Codes, Fields and Times as the terminal sends them."""
        code, names = code.upper(), [f.upper() for f in fields]
        data = WindData(0, [code], names, [self.scenario.now], [[v] for v in fields.values()])
        data.RequestID = 0
        return self._deliver(lambda sub: data if code in sub.codes else None)

    def push_tick(self, code: str, price: float, at: datetime, **more) -> int:
        """Push a trade of `code` at `price`, stamped `at` (aware) on the scenario's clock."""
        rt_date, rt_time = wind_stamp(at, self.scenario.stamp_tz or ZONES[code.upper()])
        return self.push(code, RT_LAST=price, RT_DATE=rt_date, RT_TIME=rt_time, **more)

    def push_raw(self, data) -> int:
        """Push anything (garbage, an error WindData) to every subscriber."""
        return self._deliver(lambda sub: data)

    def _snapshot(self, sub: Subscription) -> None:
        """The first callbacks of a subscription: each code's full row, one code per push."""
        for code in sub.codes:
            row = self.scenario.quotes.get(code, {})
            data = WindData(0, [code], sub.fields, [self.scenario.now],
                            [[row.get(f, NAN)] for f in sub.fields])  # fmt: skip
            self._deliver(lambda s, data=data: data if s is sub else None)

    def _subscribe(self, cs: list[str], fs: list[str], func: Callable) -> WindData:
        self._request_ids += 1
        sub = Subscription(self._request_ids, cs, fs, func)
        self.subscriptions[sub.request_id] = sub
        self._snapshot(sub)
        answer = WindData(0, cs, fs, [self.scenario.now], [[NAN] * len(cs) for _ in fs])
        answer.RequestID = sub.request_id
        return answer

    # -- data calls -------------------------------------------------------------------------
    def _enter(self, name: str, args: tuple, kwargs: dict) -> WindData | None:
        self.calls[name] += 1
        self.log.append((name, args, kwargs))
        if name in self.scenario.raises:
            raise self.scenario.raises[name]
        if not self.connected:
            return _error(*NOT_LOGIN)
        queued = self.scenario.failures.get(name)
        if queued:
            return _error(*queued.pop(0))
        with self._count:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        time.sleep(self.scenario.delay_s)
        with self._count:
            self.in_flight -= 1
        return None

    def _answer(self, data: WindData, usedf: bool, rows_are_codes: bool = False):
        if not usedf:
            return data
        if data.ErrorCode:
            return data.ErrorCode, pd.DataFrame({"OUTMESSAGE": [data.Data[0][0]]})
        if rows_are_codes:  # wsq/wss: one row per code, one column per field
            table = {f: data.Data[i] for i, f in enumerate(data.Fields)}
            return 0, pd.DataFrame(table, index=data.Codes)
        # time series: one row per time, one column per code (one field) or field (one code)
        columns = data.Codes if len(data.Codes) > 1 else data.Fields
        if len(data.Codes) > 1 and len(data.Data) == 1:
            rows = [data.Data[0]]  # wsd's one-date answer is already that row
        else:
            rows = [list(r) for r in zip(*data.Data, strict=True)]
        return 0, pd.DataFrame(rows, index=data.Times, columns=columns)

    def wsq(self, codes, fields, options="", func=None, *args, usedf=False, **kwargs):
        """Real-time snapshot: Data[i] is the i-th field across codes; with `func`, a push
        subscription (see the module)."""
        logged = kwargs if func is None else {**kwargs, "func": func}  # a subscription
        if failed := self._enter("wsq", (codes, fields, options), logged):
            return self._answer(failed, usedf)
        cs, fs = _names(codes), _names(fields)
        if func is not None:
            return self._subscribe(cs, fs, func)
        data = [[self.scenario.quotes.get(c, {}).get(f, NAN) for c in cs] for f in fs]
        result = WindData(0, cs, fs, [self.scenario.now], data)
        return self._answer(result, usedf, rows_are_codes=True)

    def wss(self, codes, fields, options="", *args, usedf=False, **kwargs):
        """Cross-section: like wsq, with CLOSE/PRE_CLOSE/PCT_CHG from the quote table."""
        if failed := self._enter("wss", (codes, fields, options), kwargs):
            return self._answer(failed, usedf)
        cs, fs = _names(codes), _names(fields)
        data = [[self.scenario.quotes.get(c, {}).get(f"RT_{f}", NAN) for c in cs] for f in fs]
        result = WindData(0, cs, fs, [datetime.combine(self.scenario.now.date(), dtime())], data)
        return self._answer(result, usedf, rows_are_codes=True)

    def _series(self, name, store, codes, fields, begin, end, daily, usedf):
        cs, fs = _names(codes), _names(fields)
        if len(cs) > 1 and len(fs) > 1:
            return self._answer(_error(*NOT_SUPPORTED), usedf)
        lo, hi = (_day(begin), _day(end)) if daily else (_moment(begin), _moment(end))
        rows = {c: {r[0]: r[1:] for r in store.get(c, []) if lo <= r[0] <= hi} for c in cs}
        stamps = sorted({t for by_time in rows.values() for t in by_time})
        if not stamps:
            return self._answer(_error(*NO_DATA), usedf)
        times = [datetime.combine(t, dtime(0, 0, 0, 5000)) if daily else t for t in stamps]
        cols = {f: self.BAR_FIELDS.index(f) if f in self.BAR_FIELDS else None for f in fs}

        def cell(code, stamp, f):
            row = rows[code].get(stamp)
            return NAN if row is None or cols[f] is None else row[cols[f]]

        if len(cs) == 1:
            data = [[cell(cs[0], t, f) for t in stamps] for f in fs]
        elif len(stamps) == 1:  # several codes, one date: one row, the field across codes
            data = [[cell(c, stamps[0], fs[0]) for c in cs]]
        else:
            data = [[cell(c, t, fs[0]) for t in stamps] for c in cs]
        return self._answer(WindData(0, cs, fs, times, data), usedf)

    def wsd(self, codes, fields, beginTime=None, endTime=None, options="", *a, usedf=False, **k):
        """Daily history."""
        if failed := self._enter("wsd", (codes, fields, beginTime, endTime, options), k):
            return self._answer(failed, usedf)
        return self._series("wsd", self.scenario.history, codes, fields, beginTime, endTime,
                            True, usedf)  # fmt: skip

    def wsi(self, codes, fields, beginTime=None, endTime=None, options="", *a, usedf=False, **k):
        """Intraday bars; only BarSize=5 is stored."""
        if failed := self._enter("wsi", (codes, fields, beginTime, endTime, options), k):
            return self._answer(failed, usedf)
        if "barsize=5" not in str(options).replace(" ", "").lower():
            return self._answer(_error(-40522009, "Invalid parameter: BarSize"), usedf)
        return self._series("wsi", self.scenario.intraday, codes, fields, beginTime, endTime,
                            False, usedf)  # fmt: skip

    def edb(self, codes, beginTime=None, endTime=None, options="", *a, usedf=False, **k):
        """Economic database: field CLOSE; Data[i] is the i-th code across times."""
        if failed := self._enter("edb", (codes, beginTime, endTime, options), k):
            return self._answer(failed, usedf)
        store = {c: [(d, v, v, v, v, NAN) for d, v in s] for c, s in self.scenario.edb.items()}
        answer = self._series("edb", store, codes, "CLOSE", beginTime, endTime, True, False)
        if not answer.ErrorCode and len(answer.Times) == 1 and len(answer.Codes) > 1:
            answer.Data = [[v] for v in answer.Data[0]]  # the one-date row quirk is wsd's
        return self._answer(answer, usedf)

    def tdays(self, beginTime=None, endTime=None, options="", *a, usedf=False, **k):
        """Trading days (weekdays here) between two dates."""
        if failed := self._enter("tdays", (beginTime, endTime, options), k):
            return self._answer(failed, usedf)
        lo, hi = _day(beginTime), _day(endTime)
        days = [lo + timedelta(days=i) for i in range((hi - lo).days + 1)]
        times = [datetime.combine(d, dtime(0, 0, 0, 5000)) for d in days if d.weekday() < 5]
        return self._answer(WindData(0, [], [], times, [times]), usedf)


def make_module(scenario: Scenario | None = None) -> types.ModuleType:
    """A module named WindPy with `w` (a FakeWind over `scenario`) and `WindData`."""
    module = types.ModuleType("WindPy")
    module.w = FakeWind(scenario or Scenario())
    module.WindData = WindData
    return module
