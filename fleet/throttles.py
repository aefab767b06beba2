"""Rate limits on positions over HTTP: per address (refused attempts) and per van (its fixes).

Counted in the shared cache (config.cache, failing open), so every web process sees the same
counts. The rates are the `tracking_address` and `tracking_device` scopes of
config/settings/security.py, read when a request comes (config.throttles).
"""

from typing import Any

from rest_framework.request import Request

from config.throttles import AddressRateThrottle, ScopeRateThrottle


class TrackingAddressThrottle(AddressRateThrottle):
    """Refused attempts from one address: once an address has used up its allowance, every
    request from it waits, a right key included, so guessing keys costs the guesser.

    Only refusals are counted (`refusal_count`), not fixes that were believed: sixty vans
    behind one carrier's NAT posting every 5 s are 720 fixes a minute from one address, and
    each van is limited on its own (TrackingDeviceThrottle). The price: a guesser sharing that
    address makes the vans behind it wait too while the guessing lasts.
    """

    scope = "tracking_address"

    def throttle_success(self) -> bool:
        return True  # let through without counting: only a refusal counts

    def refusal_count(self, request: Request) -> None:
        """Count a refused attempt against the address (DRF's history list, as
        SimpleRateThrottle.throttle_success keeps it)."""
        _count, duration = self.parse_rate(self.rate)
        if duration is None:  # no rate set: not limited
            return
        key = self.get_cache_key(request, None)
        now = self.timer()
        history = [at for at in self.cache.get(key, []) if at > now - duration]
        self.cache.set(key, [now, *history], duration)


class TrackingDeviceThrottle(ScopeRateThrottle):
    """Fixes of one van, counted only once its key is verified: a stranger naming the van
    cannot spend its allowance and silence it."""

    scope = "tracking_device"

    def __init__(self, device_id: str) -> None:
        super().__init__()
        self.device_id = device_id

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.device_id}
