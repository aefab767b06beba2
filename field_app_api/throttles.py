"""Rate limits on positions over HTTP: per address (every attempt) and per van (its own fixes).

Counted in the shared cache (config.cache, failing open), so every web process sees the same
counts. The rates are the `tracking_address` and `tracking_device` scopes of
config/settings/security.py, read when a request comes (not when this module is imported), so a
changed setting takes effect without a restart of the code that holds the class.
"""

from typing import Any

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class _ScopeRateThrottle(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope or "")
        return None if rate is None else str(rate)


class TrackingAddressThrottle(_ScopeRateThrottle):
    """Every request from one address, refused ones too: guessing keys costs the guesser."""

    scope = "tracking_address"

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TrackingDeviceThrottle(_ScopeRateThrottle):
    """Fixes of one van, counted only once its key is verified: a stranger naming the van
    cannot spend its allowance and silence it."""

    scope = "tracking_device"

    def __init__(self, device_id: str) -> None:
        super().__init__()
        self.device_id = device_id

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.device_id}
