"""Fakes: of vendor SDKs that cannot be installed here (windpy: WindPy ships with the Wind
terminal), and of providers (providers: scripted answers, call counting, hanging on demand)."""
