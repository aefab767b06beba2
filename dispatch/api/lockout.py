"""Sign-in lockout (django-axes): the words a locked-out person reads, on the page and the API.

Axes locks an account from one address after LOGIN_FAILURE_LIMIT wrong passwords, for
LOGIN_LOCKOUT_MINUTES after the last one; the right password is refused too until then, or
until an administrator deletes the attempt in the admin ("Access attempts").
"""

import logging
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from config.counters import counter_increment
from config.throttles import LoginRateThrottle, client_address
from dispatch.errors import DispatchError

log = logging.getLogger("dispatch.auth")


def lockout_message() -> str:
    return _(
        "Too many wrong passwords for this account from this address. Wait %(minutes)d minutes "
        "and try again, or ask an administrator to unlock the account."
    ) % {"minutes": settings.LOGIN_LOCKOUT_MINUTES}


class SignInLockedError(DispatchError):
    """A sign-in refused because the account is locked from this address."""

    status = 429

    def __init__(self) -> None:
        super().__init__(lockout_message())
        self.retry_after = settings.LOGIN_LOCKOUT_MINUTES * 60


def lockout_counted(request: HttpRequest, credentials: dict[str, Any] | None) -> None:
    username = (credentials or {}).get("username", "")
    log.warning("sign-in locked: %r from %s (%s)", username, client_address(request), request.path)
    counter_increment("auth.locked_out")


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None,
    credentials: dict[str, Any] | None,
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the sign-in page again, saying what to do. The API's token view
    has already answered in the API's error shape, so its answer stands."""
    if request.path.startswith("/api/") and original_response is not None:
        return original_response
    lockout_counted(request, credentials)
    context = {"form": AuthenticationForm(request), "locked": lockout_message()}
    response = render(request, "registration/login.html", context, status=429)
    response["Retry-After"] = str(settings.LOGIN_LOCKOUT_MINUTES * 60)
    return response


class LockoutBackend(AxesStandaloneBackend):
    """Axes' check before the password check. A call without a request (a management command,
    the test client's login()) has no address to lock and is not a sign-in from outside:
    let the next backend decide rather than fail."""

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)  # type: ignore[no-any-return]


def sign_ins_throttled(request: HttpRequest) -> HttpResponse | None:
    """The sign-in page's answer when this address has posted too many sign-ins, else None.

    The lockout counts per account and address, so a guesser who tries one password on many
    user names ("spraying") is never locked; the token endpoint's per-address limit (THROTTLE_
    LOGIN) applies to the pages' POSTs too."""
    throttle = LoginRateThrottle()
    if request.method != "POST" or throttle.allow_request(request, None):  # type: ignore[arg-type]
        return None
    wait = throttle.wait()
    seconds = max(1, round(wait)) if wait is not None else 60
    log.warning("sign-ins throttled from %s (%s)", client_address(request), request.path)
    counter_increment("auth.throttled")
    message = _(
        "Too many sign-ins from this address. Wait %(seconds)d seconds and try again, or ask "
        "an administrator if you are locked out."
    ) % {"seconds": seconds}
    context = {"form": AuthenticationForm(request), "locked": message}
    response = render(request, "registration/login.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response
