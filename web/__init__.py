"""The HTTP surface apart from the widgets: endpoints, security headers, the callback guard,
metrics, JSON logging, and the board a Flask app serves. May import Flask and Dash, the engine
and config; never pages/ or the source modules of providers/."""
