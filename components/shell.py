"""The frame around every scene: navigation for analysts and the DEMO watermark."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from config.schema import Edition, Settings


def navbar(settings: Settings) -> dbc.Navbar:
    """Links to every enabled scene, in display order."""
    links = [
        dbc.NavItem(dbc.NavLink(scene.title, href=f"/{name}", active="exact"))
        for name, scene in settings.enabled_scenes()
    ]
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("Market Wallboard", href="/"),
                dbc.Nav(links, navbar=True, className="flex-wrap"),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        className="wb-nav",
    )


def demo_watermark(settings: Settings) -> html.Div | None:
    """A watermark on every screen of the demo edition: synthetic data is never shown as real."""
    if settings.edition is not Edition.DEMO:
        return None
    return html.Div(
        [
            html.Span("DEMO DATA", className="wb-demo__title"),
            html.Span("synthetic prices — not market data", className="wb-demo__note"),
        ],
        id="demo-watermark",
        className="wb-demo",
        role="note",
    )
