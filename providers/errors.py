"""Error types a provider raises, so the refresher can decide what to retry and what to report.

Messages are short and safe to show on a screen: never a URL query string, never a key.
"""

from __future__ import annotations


class ProviderError(Exception):
    """A provider could not produce records. `retryable` says whether trying again may help."""

    retryable = False


class Unavailable(ProviderError):
    """The upstream could not be reached or answered with a server error."""

    retryable = True


class RateLimited(Unavailable):
    """The upstream asked us to slow down; `retry_after_s` is its own hint, when it gave one."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class DeadlineExceeded(Unavailable):
    """The call did not finish within its deadline and was abandoned."""


class EmptyResult(ProviderError):
    """The upstream answered, but with no usable records (e.g. a weekend intraday request)."""


class BadPayload(ProviderError):
    """The upstream answered with something that is not what its contract says."""


class NotConfigured(ProviderError):
    """The provider cannot run here: a missing API key, SDK or symbol mapping."""
