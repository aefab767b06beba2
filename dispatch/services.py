"""Writes of the dispatch app."""

from django.db import transaction

from dispatch.models import User
from dispatch.roles import Role
from gis.models import OrgUnit


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: Role,
    org_unit: OrgUnit | None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    """Create a user; administrators get the admin flags, nobody else does."""
    is_admin = role == Role.ADMINISTRATOR
    user = User(
        username=username,
        role=role,
        org_unit=org_unit,
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_staff=is_admin,
        is_superuser=is_admin,
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    return user
