"""The staff screens' language: the signed-in user's choice, applied to each request and changed
by the switch in the header."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language
from rest_framework.authentication import TokenAuthentication

from dispatch.models import User


def user_language_activate(user: object, request: HttpRequest | None = None) -> None:
    """The user's own language, if they chose one this deployment has, for the rest of the
    request (else the browser's, as LocaleMiddleware set it)."""
    language = user.language if isinstance(user, User) else ""
    if language and translation.check_for_language(language):
        translation.activate(language)
        if request is not None:
            request.LANGUAGE_CODE = translation.get_language()


class UserLanguageMiddleware:
    """After LocaleMiddleware (the browser's language, else the default) and
    AuthenticationMiddleware: a signed-in user's own choice wins."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user_language_activate(getattr(request, "user", None), request)
        # LocaleMiddleware, outside this one, names the active language in Content-Language.
        return self.get_response(request)


class UserLanguageTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, and then the token user's language, as the middleware above
    does for a session: DRF authenticates inside the view, after every middleware, so without
    this a token user would get the browser's language (errors, labels). It stands in for
    TokenAuthentication in REST_FRAMEWORK's DEFAULT_AUTHENTICATION_CLASSES, for every API at once
    (beside it, the OpenAPI document would have two "tokenAuth" schemes). LocaleMiddleware still
    names the language the request ends with in Content-Language."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        user_language_activate(user)
        return user, token


def user_language_set(*, user: User, language: str) -> None:
    """Keep a user's language on their profile (blank: the browser's, else the default)."""
    if language not in {code for code, _name in settings.LANGUAGES} | {""}:
        raise ValueError(f"not a language of this deployment: {language!r}")
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Django's set_language (cookie, CSRF, back to the page), and the choice kept on the
    signed-in user's profile so that it follows them to another browser or tablet."""
    response = set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if isinstance(user, User) and language in {code for code, _name in settings.LANGUAGES}:
        user_language_set(user=user, language=language)
    return response
