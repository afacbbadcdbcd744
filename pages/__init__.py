"""One module per scene, keeping the page contract written in components/scene.py: `render(view)`,
and where needed `REDRAW_S`, `CYCLE_S`, `HOLD_S` and `register(app)`; the frame builds each
page's layout.
app.py registers the enabled scenes as Dash pages at `/<scene>` in the order and with the titles
the configuration gives. One module is not a scene: `instrument`, the page of one instrument or
symbol at `/instrument/<ident>` (outside the carousel and the frame). Pages import Dash,
components/, analytics/, config, the engine's freshness, providers' records and calendars
(markets), and web.boards (the board a request serves); never a source module of providers/."""
