"""The navbar's search box: an instrument of the board (its id or name) or any Yahoo or Stooq
symbol, opened at `/instrument/<ident>` on Enter.

What is typed is checked here, by the lookups' own rules (engine.lookups: a configured id or
name, else `parse_symbol`'s strict per-source pattern); a malformed one gets a sentence under
the box, which never repeats what was typed, and nothing is asked of anyone. A valid symbol only
becomes a URL: the instrument page asks the board for it, and the refresher fetches it. `/`
focuses the box and `Esc` leaves it (assets/38_search_keys.js). Hidden on a kiosk, with the
navigation (24_instrument.css).
"""

from __future__ import annotations

from urllib.parse import quote

from dash import Dash, Input, Output, State, dcc, html, no_update

from config.schema import RecordKind, Settings
from engine.lookups import EXAMPLES, LookupRefused, lookup_for
from web.boards import current_board

IDS = {"input": "wb-search", "nav": "wb-search-nav", "message": "wb-search-message"}
MAX_TYPED = 40  # the box's own limit; a longer value only comes from a hand-made request


def search_box() -> html.Div:
    """The box, its message line and the location its Enter writes to."""
    return html.Div(
        [
            dcc.Location(id=IDS["nav"], refresh="callback-nav"),
            html.Label(
                f"Open an instrument: an id of the board or a symbol ({EXAMPLES})",
                htmlFor=IDS["input"],
                className="visually-hidden",
            ),
            dcc.Input(
                id=IDS["input"],
                type="search",
                placeholder="Symbol or instrument  /",
                maxLength=MAX_TYPED,
                debounce=True,
                autoComplete="off",
                spellCheck=False,
                className="form-control form-control-sm wb-search__input",
            ),
            html.Div(id=IDS["message"], className="wb-search__message", role="status"),
        ],
        className="wb-search",
        role="search",
    )


def configured_id(settings: Settings, text: str) -> str | None:
    """The id of the configured instrument (of a quote or bar dataset) whose id or name is
    `text`, ignoring case; None when there is none."""
    wanted = text.strip().casefold()
    for dataset in settings.datasets.values():
        if dataset.kind not in (RecordKind.QUOTE, RecordKind.BAR):
            continue
        for instrument in dataset.instruments:
            if wanted in (instrument.id.casefold(), instrument.name.casefold()):
                return instrument.id
    return None


def target(settings: Settings, text: object) -> str:
    """The page an entry opens: `/instrument/<id>` for an instrument of the board, else the
    symbol's page (`/instrument/yahoo:AAPL`). LookupRefused, with a sentence for the screen,
    when it is neither."""
    if not isinstance(text, str) or not text.strip():
        raise LookupRefused(f"Type an instrument or a symbol ({EXAMPLES}).")
    if len(text) > MAX_TYPED:
        raise LookupRefused(f"That is too long for a symbol ({EXAMPLES}).")
    found = configured_id(settings, text)
    ident = found if found is not None else lookup_for(settings, text.strip()).ident
    return "/instrument/" + quote(ident, safe=":")


def on_search(settings: Settings, text: object) -> tuple[object, str]:
    """Enter in the box: the page to open, or the reason not to (and no navigation)."""
    try:
        return target(settings, text), ""
    except LookupRefused as exc:
        return no_update, str(exc)


def register_search_callbacks(app: Dash) -> None:
    """Enter opens the page (in the app: a dcc.Location with callback navigation)."""

    @app.callback(
        Output(IDS["nav"], "href"),
        Output(IDS["message"], "children"),
        Input(IDS["input"], "n_submit"),
        State(IDS["input"], "value"),
        prevent_initial_call=True,
    )
    def _search(_submits: int | None, text: object):
        return on_search(current_board().settings, text)
