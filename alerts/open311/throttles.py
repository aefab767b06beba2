"""Rate limits on Open311: every request per address (`open311_read`), and created requests
per API key (`open311_post`), counted once the key is verified so that a stranger quoting a
key's prefix cannot spend a linked system's allowance.

DRF's throttles through their public methods (`allow_request`, `wait`), counted in the shared
cache (config.cache, failing open: a Redis that is away lets requests through). The rates are
read from config/settings/security.py when a request comes, not when this module is imported.
"""

import math
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from alerts.models import ApiKey
from alerts.open311.errors import Open311Error
from config.throttles import AddressRateThrottle, ScopeRateThrottle


class _Open311Throttle(ScopeRateThrottle):
    def check(self, request: HttpRequest) -> None:
        """Pass, or a 429 in the spec's shape saying when to come back."""
        if self.allow_request(request, None):  # type: ignore[arg-type]
            return
        wait = self.wait()
        seconds = max(1, math.ceil(wait)) if wait is not None else 60
        raise Open311Error(
            429,
            _("too many requests: try again in %(seconds)d s") % {"seconds": seconds},
            retry_after=seconds,
        )


class Open311AddressThrottle(_Open311Throttle, AddressRateThrottle):
    """Every request from one address, refused ones too."""

    scope = "open311_read"


class Open311KeyThrottle(_Open311Throttle):
    """Requests created with one API key, wherever they come from."""

    scope = "open311_post"

    def __init__(self, key: ApiKey) -> None:
        super().__init__()
        self.api_key = key

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.api_key.pk}
