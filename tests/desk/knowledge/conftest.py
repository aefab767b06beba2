"""Users of the knowledge base's tests: a reader, an editor and a role with no access."""

from dataclasses import dataclass

import pytest
from django.test import Client

from dispatch.models import User
from dispatch.roles import Role
from dispatch.services import user_create


@dataclass
class People:
    taker: User  # reads and searches
    supervisor: User  # edits and publishes
    crew: User  # neither


@pytest.fixture
def people(db: None) -> People:
    def make(name: str, role: Role) -> User:
        return user_create(username=name, password="pw", role=role, org_unit=None)

    return People(
        taker=make("kb-taker", Role.CALL_TAKER),
        supervisor=make("kb-super", Role.SUPERVISOR),
        crew=make("kb-crew", Role.CREW_MEMBER),
    )


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
