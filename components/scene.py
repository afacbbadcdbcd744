"""The frame every scene shares: title, one stale badge per dataset, the body, and its refresh.

The page contract. A scene `<scene>` of the configuration is the module `pages/<scene>.py`; it
declares what only it knows, and the frame does the rest:

- `render(view) -> children` (required): the scene's body. Pure: a SceneView in (its datasets'
  snapshots as of now, the URL query, the board), Dash components out; no I/O. It reads its
  datasets from the scene's configuration (`view.datasets`, `view.first(kind)`,
  `view.dataset(name)`), never by a dataset name of its own, so a renamed or added dataset
  needs no code.
- `REDRAW_S` (optional, seconds > 0): how often the body is redrawn even without new data, for
  a scene that shows the clock ("12 min ago", "Today"). Declared here only: the frame uses it
  for the page it serves and for every refresh.
- `CYCLE_S` (optional, seconds > 0): for a scene whose body turns with the clock by itself
  (the technicals kiosk cycles its symbols): a page the frame rendered once is kept per turn.
- `HOLD_S` (optional, seconds > 0): for a scene that charts prices a stream moves. The chart
  (with its caption, which dates it) is marked `**{HELD: "<name>"}`, and while a stream moves
  the prices the frame redraws it at most once in HOLD_S (`hold_charts`).
- `register(app)` (optional): the page's own callbacks, beyond the frame's refresh.
- `SCENE` (optional): the scene's name for the page's own ids; it must be the module's name.

The frame builds the page's `layout(**query)` (Dash's page convention; a page never writes
one): it is rendered from the cache when the page is served, so a scene is never blank while
waiting for a callback. One pattern-matching callback then refreshes whichever scene is
showing: when nothing it shows has changed (its version: data, status, source and error of
each dataset) it answers with nothing at all (204; the ages in the badges count on in the
browser), else the badges and the body. On an interactive screen, `?view=data` shows the
scene's Data view (components/data_view.py: the records it draws, in a grid) instead of the
body, with a toggle in the header; its refresh patches the grid's rows in place.
`scene_pages` checks every enabled scene's module against this contract when the app is built:
a page that breaks it stops the app with a ConfigError naming the page and what is wrong.
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import json
import logging
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import ModuleType
from typing import Any

from dash import MATCH, Dash, Input, Output, State, ctx, dcc, html, no_update, set_props
from dash.exceptions import PreventUpdate

from components.badges import stale_badge
from components.data_view import (
    data_view,
    register_data_view_callbacks,
    view_note,
    view_toggle,
    wants_data,
)
from components.patch import ADDRESS_MARK, Updates, addressed, is_component, plain, worth_updating
from config import ConfigError
from config.schema import Instrument, RecordKind, Settings
from engine.board import Board
from engine.streams import dataset_open
from providers.models import Quote, Snapshot, Status
from web.boards import current_board
from web.callback_guard import refuse

MIN_POLL_S, MAX_POLL_S = 5, 30
PENDING_POLL_MS = 1000
NO_DATA = {Status.ERROR, Status.EMPTY}
SHOWN_KEEP_S = 900  # how long a rendered body is remembered for diffing against
# The REDRAW_S of scenes showing ages ("12 min ago") and day groups: they move with the clock,
# not only with data.
CLOCK_REDRAW_S = 60
# The HOLD_S of scenes that chart streamed prices: their tiles move with every tick (twice a
# second), their charts at most this often (see `hold_charts`).
CHART_HOLD_S = 5
HELD = "data-held"  # a page marks a chart it holds with this attribute: its name in the scene

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SceneView:
    """What a scene's renderer sees: its datasets' snapshots as of now, and the URL query."""

    board: Board
    scene: str
    snapshots: dict[str, Snapshot]
    now: datetime
    query: dict[str, str] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        """The board's configuration (its theme, datasets and scenes)."""
        return self.board.settings

    def dataset(self, name: str):
        """The configuration of one of the scene's datasets."""
        return self.board.settings.datasets[name]

    @property
    def datasets(self) -> list[str]:
        """The scene's datasets as its configuration lists them (`scenes.<scene>.datasets`)."""
        return list(self.board.settings.scenes[self.scene].datasets)

    def of_kind(self, kind: RecordKind) -> list[str]:
        """The scene's datasets holding one kind of record, in configuration order."""
        return [name for name in self.datasets if self.dataset(name).kind is kind]

    def first(self, kind: RecordKind) -> str:
        """The scene's first dataset of a kind (LookupError naming the scene when it has none)."""
        found = self.of_kind(kind)
        if not found:
            raise LookupError(f"scenes.{self.scene}.datasets: no {kind.value} dataset")
        return found[0]

    def snapshot(self, name: str) -> Snapshot:
        """A dataset's snapshot as of now (pending when the view holds none for it)."""
        return self.snapshots.get(name) or Snapshot.pending(name)

    def quoted(self, name: str) -> list[tuple[Instrument, Quote | None]]:
        """A dataset's instruments in configuration order, each with its quote (None when the
        snapshot has none): what a scene of tiles lays out, whatever the provider returned."""
        quotes = self.snapshot(name).quotes_by_id()
        return [(i, quotes.get(i.id)) for i in self.dataset(name).instruments]


Renderer = Callable[[SceneView], Any]


@dataclass(frozen=True)
class ScenePage:
    """A scene's page: what its module declares (see the contract above) and the layout the
    frame builds from it."""

    scene: str
    render: Renderer
    redraw_s: float | None = None
    register: Callable[[Dash], None] | None = None
    cycle_s: float | None = None
    hold_s: float | None = None

    def layout(self, **query: str) -> html.Div:
        """The scene as of now: what Dash serves at `/<scene>`."""
        return scene_layout(
            self.scene,
            self.render,
            query,
            redraw_s=self.redraw_s,
            cycle_s=self.cycle_s,
            hold_s=self.hold_s,
        )


def _takes_one_argument(function: Callable) -> bool:
    """Whether a function can be called with one positional argument."""
    try:
        inspect.signature(function).bind(None)
    except TypeError:
        return False
    except ValueError:  # no signature to read (a builtin): let a call tell
        return True
    return True


def contract_problems(scene: str, module: ModuleType) -> list[str]:
    """How a scene's module breaks the page contract (empty when it keeps it)."""
    problems = []
    render = getattr(module, "render", None)
    if not callable(render):
        problems.append("defines no render(view)")
    elif not _takes_one_argument(render):
        problems.append("render must take one argument, the view")
    for name in ("REDRAW_S", "CYCLE_S", "HOLD_S"):
        seconds = getattr(module, name, None)
        if seconds is not None and (
            isinstance(seconds, bool)
            or not isinstance(seconds, int | float)
            or not (math.isfinite(seconds) and seconds > 0)
        ):
            problems.append(f"{name} must be a number of seconds above 0, not {seconds!r}")
    register = getattr(module, "register", None)
    if register is not None and not (callable(register) and _takes_one_argument(register)):
        problems.append("register must be a function of one argument, the app")
    named = getattr(module, "SCENE", scene)
    if named != scene:
        problems.append(f"SCENE is {named!r}, not the scene's name {scene!r}")
    layout = getattr(module, "layout", None)
    if layout is not None and not isinstance(getattr(layout, "__self__", None), ScenePage):
        problems.append("defines its own layout: the frame builds every scene's layout")
    return problems


def scene_pages(modules: Mapping[str, ModuleType]) -> dict[str, ScenePage]:
    """The page of each scene (scene name -> its module), checked against the page contract: a
    ConfigError names every page that breaks it. Each module gets the frame's `layout`."""
    problems = [
        f"page {module.__name__} (scene {scene}): {problem}"
        for scene, module in modules.items()
        for problem in contract_problems(scene, module)
    ]
    if problems:
        raise ConfigError("invalid scene pages:" + "".join(f"\n  {p}" for p in problems))
    pages = {}
    for scene, module in modules.items():
        page = pages[scene] = ScenePage(
            scene,
            module.render,
            getattr(module, "REDRAW_S", None),
            getattr(module, "register", None),
            getattr(module, "CYCLE_S", None),
            getattr(module, "HOLD_S", None),
        )
        module.layout = page.layout  # `pages.<scene>.layout`, as Dash's pages have it
    return pages


def ids(scene: str) -> dict[str, dict[str, str]]:
    """The ids of a scene's frame (pattern-matching: one callback serves every scene)."""
    return {
        part: {"type": f"scene-{part}", "scene": scene}
        for part in ("tick", "version", "query", "badges", "body")
    }


def query_state(query: object) -> dict:
    """A frame's query as a callback received it from the browser; anything but an object (only
    a hand-made request sends one) is refused with a 400."""
    if query is None:
        return {}
    if not isinstance(query, dict):
        refuse("the query must be an object")
    return query


def view_of(board: Board, scene: str, query: dict[str, str] | None = None) -> SceneView:
    """The scene's snapshots read from the cache now."""
    datasets = board.settings.scenes[scene].datasets
    return SceneView(
        board=board,
        scene=scene,
        snapshots={name: board.snapshot(name) for name in datasets},
        now=board.clock(),
        query=dict(query or {}),
    )


def _streamed_at(snapshot: Snapshot) -> datetime | None:
    """The newest tick a stream laid over the snapshot: a streamed price moves between polls."""
    if not snapshot.stream:
        return None
    return max((q.as_of for q in snapshot.quotes_by_id().values()), default=None)


def _dataset_parts(view: SceneView, ticks: bool) -> list[str]:
    """Each dataset's data, status, source, error and stream, with its newest streamed tick
    (`ticks`) or without it."""
    return [
        f"{name}:{snap.fetched_at}:{snap.status.value}:{snap.source}:{snap.error}"
        f":{snap.stream}:{snap.stream_note}:{_streamed_at(snap) if ticks else ''}"
        for name, snap in view.snapshots.items()
    ]


def _digest(parts: list[str]) -> str:
    # Sent with every tick, both ways: a short digest, not the long text.
    return hashlib.blake2b("|".join(parts).encode(), digest_size=8).hexdigest()


def _hold_turn(view: SceneView, hold_s: float) -> int | None:
    """The turn of `hold_s` seconds `view.now` falls in while a stream moves the scene's
    prices (None while none does: a poll is drawn when it comes)."""
    if not any(snap.stream for snap in view.snapshots.values()):
        return None
    return int(view.now.timestamp() // hold_s)


def version(view: SceneView, redraw_s: float | None = None, hold_s: float | None = None) -> str:
    """Changes whenever what the body shows would change (new data, status or error), every
    `redraw_s` seconds for scenes that show relative times ("12 min ago", "Today"), and every
    `hold_s` seconds while a stream moves a scene that holds its charts (`hold_charts`)."""
    parts = _dataset_parts(view, ticks=True)
    if redraw_s:
        parts.append(f"t{int(view.now.timestamp() // redraw_s)}")
    if hold_s and (turn := _hold_turn(view, hold_s)) is not None:
        parts.append(f"h{turn}")
    return _digest(parts)


def hold_charts(view: SceneView, body: Any, hold_s: float) -> Any:
    """`body` (JSON, fresh from `plain`) with each chart its page marked HELD as the first
    render of this turn of `hold_s` seconds drew it, while a stream moves the scene's prices:
    the screens' diff then leaves the chart alone, and only the tiles move with each tick.
    Anything else that changes (a poll, a status, a source, an error, the stream starting or
    stopping) redraws it at once, and so does the next turn (the version steps with the turns:
    `version`). A held chart carries its own time (its caption, held with it), so it never
    looks fresher than it is.

    Why: a streamed scene is sent a change twice a second, and a chart's redraw is most of a
    tick's work in the browser (the heatmap, the treemap): a cheap screen falls behind."""
    turn = _hold_turn(view, hold_s)
    if turn is None:
        return body
    when = _digest([*_dataset_parts(view, ticks=False), f"h{turn}"])
    prefix = f"{ShownBodies.key(view.board, view.scene, view.query, when)}:held:"

    def hold(node: Any) -> Any:
        if isinstance(node, list):
            return [hold(item) for item in node]
        if not isinstance(node, dict):
            return node
        part = node.get("props", {}).get(HELD) if is_component(node) else None
        if isinstance(part, str):
            first = SHOWN.once(view.board, prefix + part, lambda: {"part": node})["part"]
            return copy.deepcopy(first)  # a body is addressed in place: never the one kept
        return {key: hold(value) for key, value in node.items()}

    return hold(body)


def has_data(view: SceneView) -> bool:
    """False when every dataset of the scene is empty or errored (the carousel skips it)."""
    if not view.snapshots:
        return True  # the status scene shows the board's own state
    return any(snap.status not in NO_DATA for snap in view.snapshots.values())


def badges(view: SceneView) -> list:
    """One stale badge per dataset, labelled with the dataset's title."""
    return [
        html.Span(
            [
                html.Span(view.dataset(name).title, className="wb-scene__dataset"),
                stale_badge(snap, view.now),
            ],
            className="wb-scene__badge",
            **{"data-dataset": name},
        )
        for name, snap in view.snapshots.items()
    ]


def streaming(board: Board, scene: str, view: SceneView | None) -> bool:
    """Whether the scene shows a dataset a stream moves now: one that streams in this edition
    while a market of it trades (so a screen is quick from the first tick of the day), or
    whose snapshot a live stream moves (a tick after the close)."""
    settings = board.settings
    now = view.now if view is not None else board.clock()
    for name in settings.scenes[scene].datasets:
        if settings.streams(name) and dataset_open(settings.datasets[name], now):
            return True
    return view is not None and any(s.stream for s in view.snapshots.values())


def poll_ms(board: Board, scene: str, view: SceneView | None = None) -> int:
    """How often a scene re-reads the cache: its fastest dataset's cadence, within bounds; every
    second while a dataset has not been fetched yet (a board just started shows its first
    prices as soon as the refresher has them, not a cadence later); `stream.screen_poll_ms`
    while a stream moves one of its datasets."""
    if view is not None and any(s.attempted_at is None for s in view.snapshots.values()):
        return PENDING_POLL_MS
    if streaming(board, scene, view):
        return board.settings.stream.screen_poll_ms
    cadences = [board.settings.datasets[d].refresh_s for d in board.settings.scenes[scene].datasets]
    return int(1000 * min(MAX_POLL_S, max(MIN_POLL_S, min(cadences, default=MIN_POLL_S))))


def body_of(render: Renderer, view: SceneView) -> Any:
    """What the scene's body shows: its Data view when the URL asks for it on an interactive
    screen (`?view=data`), else the scene as its page renders it."""
    if wants_data(view.query):
        return data_view(view)
    return render(view)


def rendered(view: SceneView, render: Renderer, hold_s: float | None = None) -> dict[str, Any]:
    """The scene's badges and body as JSON, every component addressed (components/patch.py): a
    later change is set on the component it belongs to. With `hold_s` (the page's HOLD_S), a
    chart of streamed prices is held for its turn (`hold_charts`)."""
    body = plain(body_of(render, view))
    if hold_s:
        body = hold_charts(view, body, hold_s)
    return {
        "badges": addressed(plain(badges(view)), f"{view.scene}{ADDRESS_MARK}h"),
        "body": addressed(body, f"{view.scene}{ADDRESS_MARK}b"),
    }


def head_of(view: SceneView, head: list) -> list:
    """The frame's header: title, badges, and on an interactive screen the scene / Data view
    toggle (a note when the URL names a view the board does not know)."""
    frame = ids(view.scene)
    note = view_note(view.query)
    return [
        html.H1(view.settings.scenes[view.scene].title, className="wb-scene__title"),
        html.Div(head, id=frame["badges"], className="wb-scene__badges"),
        view_toggle(view.scene, view.query),
        html.P(note, className="wb-scene__note", role="status") if note else None,
    ]


def scene_layout(
    scene: str,
    render: Renderer,
    query: dict[str, str] | None = None,
    *,
    redraw_s: float | None = None,
    cycle_s: float | None = None,
    hold_s: float | None = None,
) -> html.Div:
    """A scene page as of now: frame, badges, body, and the interval that keeps it current."""
    board = current_board()
    view = view_of(board, scene, query)
    frame = ids(scene)
    shown = version(view, redraw_s, hold_s)
    # One render per version (and per turn of a body that turns by itself), as for the refresh:
    # the screens that change to this scene next (a wall of kiosks on one carousel) are served
    # the JSON of the body rendered first.
    key = ShownBodies.key(board, scene, view.query, shown)
    turn = f"{key}:turn:{int(view.now.timestamp() // cycle_s)}" if cycle_s else key
    shown_now = SHOWN.once(board, turn, lambda: rendered(view, render, hold_s))
    # What this screen starts from, so its first changed tick sends only what changed.
    SHOWN.put(board, key, shown_now)
    head, body = shown_now["badges"], shown_now["body"]
    return html.Div(
        [
            html.Header(head_of(view, head), className="wb-scene__head"),
            dcc.Interval(id=frame["tick"], interval=poll_ms(board, scene, view)),
            dcc.Store(id=frame["version"], data=shown),
            dcc.Store(id=frame["query"], data=view.query),
            html.Div(body, id=frame["body"], className="wb-scene__body"),
        ],
        className="wb-scene" + (" wb-scene--data" if wants_data(view.query) else ""),
        **{
            "data-scene": scene,
            "data-view": "data" if wants_data(view.query) else "scene",
            "data-has-data": "true" if has_data(view) else "false",
            # The server's clock, so the browser counts ages from server time, not its own.
            "data-server-now": view.now.isoformat(timespec="milliseconds"),
        },
    )


def drawn_once(view: SceneView, part: str, draw: Callable[[], Any]) -> Any:
    """The JSON form of what `draw()` renders for one part of a scene (`part` names it, and
    what it depends on beyond the scene's data and query), rendered once per version of the
    data and kept as the bodies are: for a page's own callback that redraws a part (the
    technicals chart for the kiosk's next symbol, every screen at the same moment)."""
    key = f"{ShownBodies.key(view.board, view.scene, view.query, version(view))}:{part}"
    return SHOWN.once(view.board, key, lambda: {"part": plain(draw())})["part"]


_DIGESTS: dict[int, tuple[Settings, str]] = {}


def settings_digest(settings: Settings) -> str:
    """A short digest of a configuration, worked out once per settings object."""
    known = _DIGESTS.get(id(settings))
    if known is None or known[0] is not settings:
        digest = hashlib.blake2b(settings.model_dump_json().encode(), digest_size=4).hexdigest()
        if len(_DIGESTS) > 8:  # a reload makes a new object; the old ones are not asked again
            _DIGESTS.clear()
        known = _DIGESTS[id(settings)] = (settings, digest)
    return known[1]


class ShownBodies:
    """What screens may be showing (badges and body, as JSON), by scene, query and version, so
    a changed scene is sent as what changed from what the screen shows. Kept in this process (the
    last few) and in the shared cache (any worker or host can diff against what another one
    rendered)."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._recent: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(board: Board, scene: str, query: dict | None, version_: str) -> str:
        """The cache key of one rendered body: also by configuration, since a body rendered
        before a reload (other names, instruments) must not be reused after it."""
        where = hashlib.blake2b(
            json.dumps(query or {}, sort_keys=True).encode(), digest_size=6
        ).hexdigest()
        config = settings_digest(board.settings)
        return f"wallboard:{board.store.namespace}:body:{scene}:{config}:{where}:{version_}"

    def get(self, board: Board, key: str) -> Any:
        """A remembered body, or None."""
        with self._lock:
            if key in self._recent:
                self._recent.move_to_end(key)
                return self._recent[key]
        try:
            return board.store.cache.get(key)
        except Exception:  # a cache outage only costs the diff
            return None

    def once(self, board: Board, key: str, render: Callable[[], dict]) -> dict:
        """The body remembered at `key`, else `render()`ed now and remembered: one render per
        key for every screen, in this process or any other."""
        body = self.get(board, key)
        if not isinstance(body, dict):
            body = render()
        self.put(board, key, body)
        return body

    def put(self, board: Board, key: str, body: Any) -> None:
        """Remember a body this process rendered."""
        with self._lock:
            known = key in self._recent
            self._recent[key] = body
            self._recent.move_to_end(key)
            while len(self._recent) > self.size:
                self._recent.popitem(last=False)
        if not known:
            try:
                board.store.cache.set(key, body, timeout=SHOWN_KEEP_S)
            except Exception as exc:
                log.info("could not share a rendered body: %s", exc.__class__.__name__)


SHOWN = ShownBodies()


def register_scene_callbacks(app: Dash, pages: dict[str, ScenePage]) -> None:
    """The one callback that keeps the showing scene current from the cache."""
    frame = ids(MATCH)
    bodies = SHOWN

    @app.callback(
        Output(frame["badges"], "children"),
        Output(frame["body"], "children"),
        Output(frame["version"], "data"),
        Output(frame["tick"], "interval"),
        Input(frame["tick"], "n_intervals"),
        State(frame["version"], "data"),
        State(frame["query"], "data"),
        State(frame["tick"], "interval"),
        prevent_initial_call=True,
    )
    def refresh_scene(_tick: int, shown: str | None, query: dict | None, polling: Any):
        trigger = ctx.triggered_id
        scene = trigger.get("scene") if isinstance(trigger, dict) else None
        if scene not in pages:
            refuse("not a scene of this board")
        query = query_state(query)
        if not isinstance(shown, str | None):
            refuse("the shown version must be a string")
        page = pages[scene]
        board = current_board()
        view = view_of(board, scene, query)
        current = version(view, page.redraw_s, page.hold_s)
        if current == shown:
            # Nothing the screen shows has changed (ages count on in the browser): send
            # nothing; Dash answers 204 with no body.
            raise PreventUpdate
        # One render per version: the screens that reach it next (200 kiosks at once after a
        # change, or a restart) share it, from this process or from the shared cache.
        current_key = ShownBodies.key(board, scene, query, current)
        now_shown = bodies.once(
            board, current_key, lambda: rendered(view, page.render, page.hold_s)
        )
        # Sent only when it changes: every prop a screen is sent is a store update in the
        # browser, which every component of the page is notified of.
        interval = poll_ms(board, scene, view)
        interval = no_update if interval == polling else interval
        # One diff per pair of versions too: every screen one version behind asks for the same
        # step, so it is worked out once (in this process or another) and kept beside the body.
        step_key = f"{current_key}:from:{shown}"
        step = bodies.get(board, step_key) if shown else None
        if not isinstance(step, dict):
            before = (
                bodies.get(board, ShownBodies.key(board, scene, query, shown)) if shown else None
            )
            if not isinstance(before, dict):
                return now_shown["badges"], now_shown["body"], current, interval
            step = {
                "badges": _step(before.get("badges"), now_shown["badges"]),
                "body": _step(before.get("body"), now_shown["body"], in_place=wants_data(query)),
            }
            bodies.put(board, step_key, step)
        return (
            _sent(step["badges"], now_shown["badges"]),
            _sent(step["body"], now_shown["body"]),
            current,
            interval,
        )

    register_data_view_callbacks(app, pages, lambda: current_board().clock())


SAME, WHOLE = "same", "whole"


def _step(before: Any, after: Any, *, in_place: bool = False) -> str | Updates:
    """What to send for one output the screen shows as `before`: SAME (nothing), each changed
    component's props (components/patch.py), or WHOLE. `in_place`: always the changed props
    when the tree kept its shape, however much of it changed (the Data view's grid: sent whole,
    it would be drawn anew and lose its sort and filters)."""
    if before == after:
        return SAME
    set_each = worth_updating(before, after, any_size=in_place)
    return WHOLE if set_each is None else set_each


def _sent(step: Any, after: Any) -> Any:
    """The answer for one output from its step (_step): nothing, the whole tree, or nothing
    for the output itself and each changed component's props set on it."""
    if step == SAME:
        return no_update
    if not isinstance(step, dict):  # WHOLE (or a step of another form, kept by an older build)
        return after
    for component_id, props in step.items():
        set_props(component_id, props)
    return no_update
