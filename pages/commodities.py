"""Commodities scene: futures tiles with sparklines, grouped into energy, metals and
agriculture, each with the unit its price is quoted in."""

from __future__ import annotations

from dash import html

from components.scene import SceneView
from components.sections import reason
from components.tiles import links_shown, quote_tile
from config.schema import Instrument
from providers.models import Quote

SCENE = "commodities"

GROUPS = ("Energy", "Metals", "Agriculture", "Other")
# keyword in an instrument's id or name -> group; the first group with a match wins
GROUP_WORDS = {
    "Energy": ("crude", "brent", "wti", "oil", "gas", "gasoline", "rbob", "diesel", "coal"),
    "Metals": (
        "gold",
        "silver",
        "copper",
        "platinum",
        "palladium",
        "aluminium",
        "aluminum",
        "nickel",
        "zinc",
    ),
    "Agriculture": ("wheat", "corn", "soy", "coffee", "sugar", "cocoa", "cotton", "cattle"),
}
# keyword -> the unit a price is per (the usual contract quote)
UNIT_WORDS = (
    (("natural gas", "natgas"), "MMBtu"),
    (("crude", "brent", "wti", "oil"), "bbl"),
    (("gold", "silver", "platinum", "palladium"), "troy oz"),
    (("copper",), "lb"),
    (("wheat", "corn", "soy"), "bu"),
)


def _words(instrument: Instrument) -> str:
    return f"{instrument.id} {instrument.name}".lower()


def group_of(instrument: Instrument) -> str:
    """'Energy', 'Metals', 'Agriculture' or 'Other', from the instrument's id and name."""
    words = _words(instrument)
    return next(
        (group for group, keys in GROUP_WORDS.items() if any(k in words for k in keys)), "Other"
    )


def unit_label(instrument: Instrument, quote: Quote | None = None) -> str | None:
    """'USD / bbl': the currency and the unit a price is per (None when neither is known)."""
    words = _words(instrument)
    per = next((unit for keys, unit in UNIT_WORDS if any(k in words for k in keys)), None)
    currency = instrument.currency or (quote.currency if quote else None)
    if currency and per:
        return f"{currency} / {per}"
    return currency or per


def render(view: SceneView) -> list:
    """Tiles in energy / metals (/ agriculture) groups, each with its quoting unit."""
    groups: dict[str, list] = {}
    reasons = []
    link = links_shown(view.query)
    for name, snapshot in view.snapshots.items():
        reasons.append(reason(snapshot))
        for instrument, quote in view.quoted(name):
            unit = unit_label(instrument, quote)
            extra = [html.Div(unit, className="wb-commodities__unit")] if unit else []
            groups.setdefault(group_of(instrument), []).append(
                quote_tile(instrument, quote, snapshot, extra=extra, link=link)
            )
    sections = [
        html.Section(
            [
                html.H2(group, className="wb-quotes__title"),
                html.Div(groups[group], className="wb-tiles wb-quotes__tiles"),
            ],
            className="wb-quotes__group",
            **{"data-group": group, "aria-label": group},
        )
        for group in GROUPS
        if group in groups
    ]
    return [*reasons, html.Div(sections, className="wb-quotes wb-commodities")]
