"""API keys of linked systems: issued once, kept only as a hash, checked on every POST.

Each key acts through a service account (`open311-<prefix>`), a call taker of the group
centre: the intake services take a user, check that it may take calls and covers the
incident's station, and put it on the timeline, so the timeline says which linked system
reported what. The account has no usable password, so nobody can sign in with it.
"""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from alerts.models import ApiKey
from alerts.open311.errors import Open311Error
from dispatch.models import User
from dispatch.roles import Role
from gis.models import OrgUnit

PREFIX_LENGTH = 8
KEY_BYTES = 32  # 256 bits: a fast hash is then as safe as a slow one, and checks stay cheap
USED_RESOLUTION_S = 60  # last_used_at is rewritten at most once a minute per key
# What token_urlsafe makes; anything else (a NUL byte, a pasted page) is not looked up.
KEY_SHAPE = re.compile(r"[\w-]{16,128}", re.ASCII)


class ApiKeyError(Exception):
    """A key cannot be created or revoked as asked."""


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    raw: str  # shown once, never stored


def api_key_create(*, name: str) -> IssuedKey:
    """Issue a key for a linked system; the raw key is returned once and never stored."""
    name = name.strip()
    if not name:
        raise ApiKeyError("give the linked system a name")
    if ApiKey.objects.filter(name=name).exists():
        raise ApiKeyError(f"a key named {name!r} exists: revoke it and choose another name")
    for _ in range(3):  # a prefix collision is vanishingly rare; try again if it happens
        raw = secrets.token_urlsafe(KEY_BYTES)
        try:
            with transaction.atomic():
                key = ApiKey.objects.create(
                    name=name, prefix=raw[:PREFIX_LENGTH], key_hash=_hash(raw)
                )
        except IntegrityError as error:
            if ApiKey.objects.filter(name=name).exists():
                raise ApiKeyError(f"a key named {name!r} was created meanwhile") from error
            continue
        api_key_actor(key)
        return IssuedKey(key=key, raw=raw)
    raise ApiKeyError("could not find a free key prefix; try again")


def api_key_revoke(*, name: str) -> ApiKey:
    """Stop a key from creating requests (it stays listed, with when it was last used)."""
    updated = ApiKey.objects.filter(name=name).update(active=False)
    if not updated:
        raise ApiKeyError(f"no key named {name!r}")
    return ApiKey.objects.get(name=name)


def api_key_authenticate(raw: str) -> ApiKey:
    """The active key `raw` is, or a 403 in the spec's words."""
    if not raw:
        raise Open311Error(403, "api_key is required to create a service request")
    key = (
        ApiKey.objects.filter(prefix=raw[:PREFIX_LENGTH]).first()
        if KEY_SHAPE.fullmatch(raw)
        else None
    )
    # compare_digest: the time taken must not tell an attacker how much of the hash matched.
    if key is None or not hmac.compare_digest(key.key_hash, _hash(raw)):
        raise Open311Error(403, "invalid api_key: no service request was created")
    if not key.active:
        raise Open311Error(403, "this api_key has been revoked: no service request was created")
    now = timezone.now()
    # One conditional UPDATE: busy keys do not rewrite their row on every request.
    ApiKey.objects.filter(pk=key.pk).exclude(
        last_used_at__gt=now - timedelta(seconds=USED_RESOLUTION_S)
    ).update(last_used_at=now)
    return key


def api_key_actor(key: ApiKey) -> User:
    """The key's service account, created the first time (keys made in the admin too)."""
    group = OrgUnit.objects.filter(tier=OrgUnit.Tier.GROUP).order_by("code").first()
    user, created = User.objects.get_or_create(
        username=f"open311-{key.prefix}",
        defaults={"role": Role.CALL_TAKER, "org_unit": group, "first_name": key.name[:150]},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    elif user.org_unit_id is None and group is not None:  # made before the organisation was
        user.org_unit = group
        user.save(update_fields=["org_unit"])
    if not user.is_active:
        raise Open311Error(403, "this api_key's account is disabled: no request was created")
    return user
