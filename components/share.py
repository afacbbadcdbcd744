"""The navbar's "Copy link" button: the current view's URL to the clipboard in one click.

Every view is a URL (scene, data view, instrument, range, overlays, compare are all in the path
and query), so the link is simply `window.location.href`, read in the browser when clicked
(assets/37l_links.js), never rebuilt on the server. A plain button rather than dcc.Clipboard:
dcc.Clipboard renders a clickable div that the keyboard cannot reach, and renders nothing at all
where the browser's clipboard API is missing (a board served over plain http to another host);
the button falls back to the older copy command there. A "Copied" note confirms it for a second
(announced to screen readers). Hidden on a kiosk (26_links.css), where nothing is focusable.
"""

from __future__ import annotations

from dash import ClientsideFunction, Dash, Input, Output, html

IDS = {"button": "wb-copy-link", "note": "wb-copy-note"}


def copy_link() -> html.Div:
    """The button and its confirmation, for the navbar."""
    return html.Div(
        [
            html.Button(
                "Copy link",
                id=IDS["button"],
                type="button",
                className="btn btn-sm btn-outline-light wb-share__button",
                title="Copy a link to this view (scene, instrument, range, options)",
            ),
            html.Span(
                id=IDS["note"],
                className="wb-share__note",
                role="status",
                **{"aria-live": "polite"},
            ),
        ],
        className="wb-share",
    )


def register_share_callbacks(app: Dash) -> None:
    """The click copies the URL in the browser and shows the note (no server round trip)."""
    app.clientside_callback(
        ClientsideFunction(namespace="wallboard", function_name="copyLink"),
        Output(IDS["note"], "children"),
        Input(IDS["button"], "n_clicks"),
        prevent_initial_call=True,
    )
