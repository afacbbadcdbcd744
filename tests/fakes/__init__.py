"""Fakes of vendor SDKs that cannot be installed here (WindPy ships with the Wind terminal)."""
