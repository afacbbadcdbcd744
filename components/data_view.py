"""A scene's Data view: the records it draws in a grid that sorts, filters, hides columns and
exports (CSV in the browser, Excel from the server), at `/<scene>?view=data`.

The scene frame (components/scene.py) shows it instead of the scene's body when the URL asks
for it on an interactive screen, and refreshes it like the body: the grid's rows are patched
in place, so a sort, filter or column choice survives a refresh. A kiosk never shows it: on a
wall nothing may be focusable.

The grid is dash-ag-grid's community edition. Its CSV export (`exportDataAsCsv`) writes what
the grid shows: rows as filtered and sorted, the visible columns in their order. Excel export is
in AG Grid's enterprise edition only, so the server writes the workbook (components/xlsx.py)
from the same rows the grid reports (`virtualRowData`) and its visible columns (`columnState`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import dash_ag_grid as dag
from dash import MATCH, Dash, Input, Output, State, ctx, dcc, html

from components.data_rows import COLUMNS, HEADERS, KEYS, NUMERIC, columns_in, scene_rows
from components.mode import kiosk
from components.xlsx import xlsx_bytes
from web.callback_guard import refuse

if TYPE_CHECKING:
    from components.scene import SceneView

VIEW, DATA = "view", "data"
DEFAULT_HIDDEN = frozenset({"detail"})  # long text (a bar's OHLCV, an event's figures)
DEFAULT_VISIBLE = tuple(key for key in KEYS if key not in DEFAULT_HIDDEN)
# What an Excel request may carry: the grid's rows are a few dozen per scene; these bounds only
# refuse a hand-made payload (the callback guard caps the whole body at 64 KiB before this).
MAX_EXPORT_ROWS = 5000
MAX_TEXT = 2000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The grid takes the board's own colours (assets/10_wallboard.css, dark or light theme).
GRID_THEME = {
    "function": "themeQuartz.withParams({backgroundColor: 'var(--wb-panel)', "
    "foregroundColor: 'var(--wb-text)', borderColor: 'var(--wb-border)', "
    "accentColor: 'var(--wb-fallback)', browserColorScheme: 'inherit', "
    "fontFamily: 'inherit', fontSize: 15})"
}
# A CSV cell from a feed is guarded against formula injection in the browser too
# (assets/38d_data_view.js); numbers pass as they are.
CSV_CELL = {"function": "wallboardCsvCell(params)"}


def ids(scene: str) -> dict[str, dict[str, str]]:
    """The ids of a scene's Data view (pattern-matching: one set of callbacks serves all)."""
    return {
        part: {"type": f"data-{part}", "scene": scene}
        for part in ("grid", "columns", "csv", "xlsx", "download")
    }


def wants_data(query: Mapping[str, str]) -> bool:
    """Whether the scene shows its Data view: `?view=data` on an interactive screen."""
    return query.get(VIEW) == DATA and not kiosk(query)


def view_note(query: Mapping[str, str]) -> str | None:
    """What to say about a `view` the board does not know (its value is never echoed)."""
    if VIEW in query and query[VIEW] != DATA:
        return "Unknown view in the URL (only view=data is known): showing the scene."
    return None


def view_href(scene: str, query: Mapping[str, str], data: bool) -> str:
    """The scene's URL with the Data view on or off, the rest of the query kept."""
    kept = {k: v for k, v in query.items() if k != VIEW}
    if data:
        kept[VIEW] = DATA
    return f"/{scene}" + (f"?{urlencode(kept)}" if kept else "")


def view_toggle(scene: str, query: Mapping[str, str]) -> html.Nav | None:
    """Links between the scene and its Data view (None in a kiosk: nothing focusable there)."""
    if kiosk(query):
        return None
    data = wants_data(query)
    # The view showing is a label marked current, not a link to itself (dcc.Link takes no
    # aria-current); the other one is a link (client-side: no reload, Back returns).
    links = [
        html.Span(label, className="wb-viewtoggle__link is-active", **{"aria-current": "page"})
        if on == data
        else dcc.Link(label, href=view_href(scene, query, on), className="wb-viewtoggle__link")
        for label, on in (("Scene", False), ("Data", True))
    ]
    return html.Nav(links, className="wb-viewtoggle", **{"aria-label": "Scene or data"})


def column_defs(visible: Iterable[str]) -> list[dict[str, Any]]:
    """The grid's columns, those not in `visible` hidden."""
    shown = set(visible)
    defs = []
    for key, header in COLUMNS:
        column: dict[str, Any] = {"field": key, "headerName": header, "hide": key not in shown}
        if key in NUMERIC:
            column.update(filter="agNumberColumnFilter", type="rightAligned")
        else:
            column.update(filter="agTextColumnFilter")
        if key == "instrument":
            column["pinned"] = "left"
        defs.append(column)
    return defs


def data_view(view: SceneView) -> html.Div:
    """The scene's records in a grid, with a column chooser and the two downloads."""
    if not view.snapshots:
        return html.Div(
            html.P(
                "This scene draws no dataset of its own: what it shows is the board's status, "
                "as JSON at /api/status."
            ),
            className="wb-data wb-data--none",
        )
    datasets = {name: view.dataset(name) for name in view.snapshots}
    rows = scene_rows(datasets, view.snapshots, view.settings.wall_tz, view.now)
    part = ids(view.scene)
    return html.Div(
        [
            html.Div(
                [
                    html.Details(
                        [
                            html.Summary("Columns"),
                            dcc.Checklist(
                                id=part["columns"],
                                options=[{"label": h, "value": k} for k, h in COLUMNS],
                                value=list(DEFAULT_VISIBLE),
                                inline=True,
                                className="wb-data__columns",
                            ),
                        ],
                        className="wb-data__chooser",
                    ),
                    html.Button(
                        "Download CSV", id=part["csv"], type="button", className="wb-data__button"
                    ),
                    html.Button(
                        "Download Excel",
                        id=part["xlsx"],
                        type="button",
                        className="wb-data__button",
                    ),
                    dcc.Download(id=part["download"]),
                ],
                className="wb-data__tools",
            ),
            dag.AgGrid(
                id=part["grid"],
                rowData=rows,
                columnDefs=column_defs(DEFAULT_VISIBLE),
                defaultColDef={
                    "sortable": True,
                    "filter": True,
                    "floatingFilter": True,
                    "resizable": True,
                    "minWidth": 90,
                },
                columnSize="autoSize",
                csvExportParams={
                    "fileName": f"{view.scene}-data.csv",
                    "processCellCallback": CSV_CELL,
                },
                dashGridOptions={
                    "theme": GRID_THEME,
                    "domLayout": "autoHeight",
                    # Rows in the DOM in their order, so a screen reader reads them in order.
                    "ensureDomOrder": True,
                    "enableCellTextSelection": True,
                    "animateRows": False,
                },
                className="wb-data__grid",
            ),
            html.P(
                f"{len(rows)} rows · values to full precision · times in UTC (ISO 8601) and "
                f"in the wall's zone ({view.settings.wall_tz})",
                className="wb-data__note",
            ),
        ],
        className="wb-data",
        **{"data-rows": str(len(rows))},
    )


def _visible(value: object) -> list[str]:
    """The column chooser's value as a callback received it: known column keys only."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        refuse("the visible columns must be a list of column names")
    if any(v not in HEADERS for v in value):
        refuse("unknown column")
    return value


def export_columns(state: object, chosen: object) -> list[tuple[str, str]]:
    """The columns the grid shows, in its order: from its `columnState` (a column the user
    moved or hid), else the chooser's value in the grid's default order."""
    if isinstance(state, list) and state:
        if not all(isinstance(s, dict) and isinstance(s.get("colId"), str) for s in state):
            refuse("the column state must be a list of {colId, hide}")
        keys = columns_in(s["colId"] for s in state if not s.get("hide"))
    else:
        picked = set(_visible(chosen if chosen is not None else list(DEFAULT_VISIBLE)))
        keys = [key for key in KEYS if key in picked]
    return [(key, HEADERS[key]) for key in keys]


def _cell(value: object) -> object:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            refuse("a value must be a finite number")
        return value
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            refuse("a text value is too long")
        return value
    refuse("a value must be text, a number or empty")


def export_rows(rows: object) -> list[dict]:
    """The grid's rows as a callback received them, checked: a list of flat records."""
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        refuse("the rows must be a list of records")
    if len(rows) > MAX_EXPORT_ROWS:
        refuse(f"at most {MAX_EXPORT_ROWS} rows can be exported")
    return [{k: _cell(v) for k, v in row.items() if k in HEADERS} for row in rows]


def xlsx_name(scene: str, now: datetime) -> str:
    """The workbook's file name: the scene and when (UTC) it was exported."""
    return f"{scene}-data-{now:%Y%m%dT%H%M%SZ}.xlsx"


def register_data_view_callbacks(app: Dash, scenes: Iterable[str], clock) -> None:
    """The Data view's callbacks: the column chooser, the CSV and the Excel download."""
    part = ids(MATCH)
    known = set(scenes)

    def scene_of() -> str:
        trigger = ctx.triggered_id
        scene = trigger.get("scene") if isinstance(trigger, dict) else None
        if scene not in known:
            refuse("not a scene of this board")
        return scene

    @app.callback(
        Output(part["grid"], "columnDefs"),
        Input(part["columns"], "value"),
        prevent_initial_call=True,
    )
    def choose_columns(value: object) -> list[dict]:
        scene_of()
        return column_defs(_visible(value))

    @app.callback(
        Output(part["grid"], "exportDataAsCsv"),
        Input(part["csv"], "n_clicks"),
        prevent_initial_call=True,
    )
    def export_csv(_clicks: object) -> bool:
        scene_of()
        return True  # the grid writes the file in the browser, from what it shows

    @app.callback(
        Output(part["download"], "data"),
        Input(part["xlsx"], "n_clicks"),
        State(part["grid"], "virtualRowData"),
        State(part["grid"], "rowData"),
        State(part["grid"], "columnState"),
        State(part["columns"], "value"),
        prevent_initial_call=True,
    )
    def export_xlsx(_clicks, shown_rows, all_rows, state, chosen):
        scene = scene_of()
        # virtualRowData is the rows as filtered and sorted; before the grid reports it (just
        # drawn), it shows its rows as given.
        rows = export_rows(shown_rows if shown_rows is not None else all_rows or [])
        columns = export_columns(state, chosen)
        body = xlsx_bytes(rows, columns, title=f"{scene} data")
        return dcc.send_bytes(body, xlsx_name(scene, clock()), type=XLSX_TYPE)
