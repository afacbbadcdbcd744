"""Derived figures: FX crosses from USD pairs, curve spreads in basis points."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from analytics.derived import curve_spreads, fx_cross_matrix, fx_legs
from providers.models import CurvePoint, Quote

T = datetime(2024, 6, 7, 16, 0, tzinfo=UTC)


def q(name: str, price: float, prev: float) -> Quote:
    return Quote(symbol=name.lower(), name=name, price=price, prev_close=prev, as_of=T)


def test_crosses_from_usd_pairs():
    matrix = fx_cross_matrix(
        [q("EUR/USD", 1.10, 1.00), q("USD/JPY", 150.0, 150.0), q("US Dollar Index", 104.0, 103.0)]
    )
    assert matrix.currencies == ("USD", "EUR", "JPY")
    i = {c: n for n, c in enumerate(matrix.currencies)}
    assert matrix.rate[i["EUR"]][i["JPY"]] == pytest.approx(165.0)  # EUR/JPY = 1.10 * 150
    assert matrix.rate[i["USD"]][i["EUR"]] == pytest.approx(1 / 1.10)
    assert matrix.pct[i["EUR"]][i["USD"]] == pytest.approx(10.0)
    assert matrix.pct[i["EUR"]][i["JPY"]] == pytest.approx(10.0)
    assert matrix.pct[i["USD"]][i["EUR"]] == pytest.approx(-9.0909, abs=1e-4)
    assert matrix.pct[i["JPY"]][i["JPY"]] is None


def test_missing_previous_close_leaves_the_change_empty():
    quote = Quote(symbol="gbpusd", name="GBP/USD", price=1.27, as_of=T)
    matrix = fx_cross_matrix([quote])
    assert matrix.pct[1][0] is None and matrix.rate[1][0] == pytest.approx(1.27)


def test_each_currency_has_the_quote_its_crosses_are_made_of():
    eur, jpy, index = q("EUR/USD", 1.10, 1.00), q("USD/JPY", 150.0, 150.0), q("DXY", 104.0, 1.0)
    legs = fx_legs([eur, jpy, index])
    assert legs == {"EUR": eur, "JPY": jpy}  # USD is the numeraire; the index is not a pair
    assert tuple(legs) == fx_cross_matrix([eur, jpy, index]).currencies[1:]


def test_a_currency_quoted_twice_takes_the_quote_the_matrix_takes():
    first, second = q("EUR/USD", 1.10, 1.00), q("EUR/USD", 1.20, 1.00)
    assert fx_legs([first, second]) == {"EUR": second}
    matrix = fx_cross_matrix([first, second])
    assert matrix.rate[1][0] == pytest.approx(1.20)


def test_spreads_in_basis_points_per_curve_date():
    def p(tenor, years, y, day):
        return CurvePoint(
            tenor=tenor, years=years, yield_pct=y, as_of=datetime(2024, 10, day, tzinfo=UTC)
        )

    points = [
        p("3M", 0.25, 4.62, 10),
        p("2Y", 2, 3.98, 10),
        p("10Y", 10, 4.07, 10),
        p("2Y", 2, 3.64, 3),
        p("10Y", 10, 3.85, 3),
    ]
    spreads = curve_spreads(points)
    assert list(spreads) == [datetime(2024, 10, 10).date(), datetime(2024, 10, 3).date()]
    assert spreads[datetime(2024, 10, 10).date()] == {"2s10s": 9.0, "3m10y": -55.0}
    assert spreads[datetime(2024, 10, 3).date()] == {"2s10s": 21.0}
