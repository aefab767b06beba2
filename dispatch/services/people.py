"""Writes of the dispatch app."""

from collections.abc import Iterable
from typing import Protocol

from django.db import connection, transaction

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


class CustomerLoadRow(Protocol):
    @property
    def account_no(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def phones(self) -> list[str]: ...
    @property
    def premise_asset_id(self) -> str: ...
    @property
    def vulnerable(self) -> bool: ...


def customer_bulk_load(*, rows: Iterable[CustomerLoadRow]) -> int:
    """COPY customer accounts in bulk, each linked to its premise by asset id."""
    raw = connection.connection  # psycopg 3, inside the caller's transaction
    with connection.cursor() as cursor:
        cursor.execute(
            "DROP TABLE IF EXISTS t_customer; "
            "CREATE TEMP TABLE t_customer (account_no text, name text, phones text[], "
            "premise text, vulnerable bool) ON COMMIT DROP"
        )
    with (
        raw.cursor() as cursor,
        cursor.copy(
            "COPY t_customer (account_no, name, phones, premise, vulnerable) FROM STDIN"
        ) as copy,
    ):
        for row in rows:
            copy.write_row(
                (row.account_no, row.name, row.phones, row.premise_asset_id, row.vulnerable)
            )
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO dispatch_customer (account_no, name, phones, vulnerable, created_at)
            SELECT account_no, name, phones, vulnerable, now() FROM t_customer;
            INSERT INTO dispatch_customer_premises (customer_id, premise_id)
            SELECT c.id, p.id FROM t_customer t
            JOIN dispatch_customer c ON c.account_no = t.account_no
            JOIN network_premise p ON p.asset_id = t.premise;
        """)
        return cursor.rowcount


def customer_delete_all() -> None:
    """Remove every customer account (rebuilding a demo city only: the caller has made sure
    no call refers to one, so CASCADE reaches only empty tables)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # see demo.city.writer
        cursor.execute(
            "TRUNCATE dispatch_customer, dispatch_customer_premises RESTART IDENTITY CASCADE"
        )
