"""The HTTP surface apart from the widgets: endpoints, security headers, the callback guard,
metrics, JSON logging, the board a Flask app serves, and the request hooks (web/hooks.py installs
every one, in one documented order). May import Flask and Dash, the engine and config; never
pages/ or the source modules of providers/."""
