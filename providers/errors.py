"""Error types a provider raises, so the refresher can decide what to retry and what to report.

Messages are short and safe to show on a screen: never a URL query string, never a key.
"""

from __future__ import annotations


class ProviderError(Exception):
    """A provider could not produce records. `retryable` says whether trying again may help.

    An error made from an upstream's HTTP answer (providers.http) also says what that answer
    was, for a provider whose API gives it a meaning of its own (Binance's and FRED's 4xx
    explain themselves in the body, Yahoo's in a chart document):
    - `status`: the HTTP status;
    - `body`: the start of a 4xx body (at most 4 KiB), for parsing, never for display;
    - `retry_after_s`: the upstream's Retry-After in seconds (see RateLimited).
    Each is None when the error did not come from an HTTP answer or the answer had none.
    """

    retryable = False

    def __init__(
        self,
        message: str = "",
        *,
        status: int | None = None,
        body: bytes | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = body
        self.retry_after_s = retry_after_s


class Unavailable(ProviderError):
    """The upstream could not be reached or answered with a server error."""

    retryable = True


class RateLimited(Unavailable):
    """The upstream asked us to slow down; `retry_after_s` is its own hint, when it gave one."""

    def __init__(
        self,
        message: str,
        retry_after_s: float | None = None,
        *,
        status: int | None = None,
        body: bytes | None = None,
    ) -> None:
        super().__init__(message, status=status, body=body, retry_after_s=retry_after_s)


class DeadlineExceeded(Unavailable):
    """The call did not finish within its deadline and was abandoned."""


class EmptyResult(ProviderError):
    """The upstream answered, but with no usable records (e.g. a weekend intraday request)."""


class BadPayload(ProviderError):
    """The upstream answered with something that is not what its contract says."""


class NotConfigured(ProviderError):
    """The provider cannot run here: a missing API key, SDK or symbol mapping."""
