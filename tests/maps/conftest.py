from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from demo.crews import demo_crews_load
from maps.feed_log import feed_log


@pytest.fixture
def demo_city(transactional_db: None) -> None:
    """A small demo city with its network, the demo logins (password "demo") and 20 crews."""
    call_command("make_demo_city", "--premises", "2000", "--no-progress", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())
    demo_crews_load(count=20, seed=7)


@pytest.fixture
def gas_city(transactional_db: None) -> None:
    """demo_city with its gas network alone: for clicks on a gas main with no heat pipe
    laid beside it."""
    call_command(
        "make_demo_city",
        "--premises",
        "2000",
        "--no-progress",
        "--utilities",
        "gas",
        stdout=StringIO(),
    )
    call_command("load_demo", stdout=StringIO())
    demo_crews_load(count=20, seed=7)


@pytest.fixture
def feed_log_as_shipped() -> Iterator[None]:
    """The feed as deployed (config/settings/dispatch.py: a 0.25 s tick, walls answered from
    each process's log) instead of the tests' every-poll-asks; the builder stopped after."""
    with override_settings(MAP_FEED_TICK_S=0.25):
        yield
    feed_log.close()
