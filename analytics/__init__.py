"""Market maths and alerting: indicators, OHLCV resampling, FedWatch probabilities, derived
crosses and spreads (pure functions on records), the alert rules and the keeper that evaluates
them after a refresh. Imports providers' records and config (the keeper: engine's store and
locks); never Dash, Flask, pages/ or components/."""
