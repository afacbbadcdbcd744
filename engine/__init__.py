"""The refresh engine, shared by the web app and the refresher process: refresher, validation,
snapshot store and shared cache, leadership, freshness and status, the builder (build) and the
process entry point (refresher_process). Imports providers/, analytics/ and config; never Dash,
Flask (nor flask_caching, which loads it), pages/ or components/. web/ only once: the process
entry point's JSON logging (web.logs), which both processes share."""
