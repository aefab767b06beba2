"""Rate limits of our own scopes (rates in config/settings/security.py), the base they share,
and the client address that they and the sign-in lockout both count by."""

from typing import Any

from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle


class ScopeRateThrottle(SimpleRateThrottle):
    """DRF's throttle with its rate read when a request comes, not when the class is defined
    (SimpleRateThrottle binds the rates at import), so a changed setting takes effect without
    a restart of the code that holds the class. A scope with no rate is not limited."""

    scope: str

    def get_rate(self) -> str | None:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return str(rate) if rate else None


class AddressRateThrottle(ScopeRateThrottle):
    """Counted per client address (client_address), whoever the request claims to be."""

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginRateThrottle(AddressRateThrottle):
    """Token logins per client address, whoever they claim to be: a guesser who rotates user
    names is still one address (django-axes locks the account+address pairs)."""

    scope = "login"


def client_address(request: HttpRequest | Request) -> str:
    """The client's address as DRF's throttles see it: REMOTE_ADDR, or the entry a trusted
    proxy added to X-Forwarded-For when TRUSTED_PROXY_COUNT says one is in front. Used by
    django-axes too (AXES_CLIENT_IP_CALLABLE), so a lockout and a throttle name the same client."""
    return BaseThrottle().get_ident(request)  # type: ignore[arg-type]
