"""The `security` settings: exact origins only, normalised the way browsers send Origin."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from config import load_settings
from config.schema import Security


def test_shipped_defaults_allow_no_other_site():
    security = load_settings(env={}).security
    assert security.cors_origins == []
    assert security.frame_ancestors == ["self"]


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("https://ops.example.com", "https://ops.example.com"),
        ("HTTPS://Ops.Example.COM", "https://ops.example.com"),
        ("https://ops.example.com:443", "https://ops.example.com"),
        ("http://10.1.2.3:80", "http://10.1.2.3"),
        ("http://grafana.lan:3000", "http://grafana.lan:3000"),
        ("http://[::1]:8050", "http://[::1]:8050"),
    ],
)
def test_origins_are_kept_as_browsers_send_them(given, kept):
    assert Security(cors_origins=[given]).cors_origins == [kept]
    assert Security(frame_ancestors=[given]).frame_ancestors == [kept]


@pytest.mark.parametrize(
    "bad",
    [
        "*",
        "https://*.example.com",
        "https://ops.example.com/",
        "https://ops.example.com/board",
        "ops.example.com",
        "ftp://ops.example.com",
        "https://user:pw@ops.example.com",
        "https://ops.example.com:0",
        "https://ops.example.com:99999",
        "null",
        "",
    ],
)
def test_wildcards_paths_and_non_origins_are_refused(bad):
    with pytest.raises(ValidationError, match=r"origin|port"):
        Security(cors_origins=[bad])


def test_frame_ancestors_keywords():
    assert Security(frame_ancestors=["none"]).frame_ancestors == ["none"]
    with pytest.raises(ValidationError, match="'none' cannot be combined"):
        Security(frame_ancestors=["none", "self"])
    with pytest.raises(ValidationError):
        Security(frame_ancestors=[])
    with pytest.raises(ValidationError):
        Security(cors_origins=["self"])  # a keyword only where CSP has one
