"""One module per scene. Each defines `layout(**query)`; app.py registers the enabled scenes
as Dash pages at `/<scene>` in the order and with the titles the configuration gives. Pages
import components/, analytics/ and providers' records; never a source module of providers/."""
