from io import StringIO

import pytest
from django.core.management import call_command

from dispatch.demo_crews import demo_crews_load


@pytest.fixture
def demo_city(transactional_db: None) -> None:
    """A small demo city with its network, the demo logins (password "demo") and 20 crews."""
    call_command("make_demo_city", "--premises", "2000", "--no-progress", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())
    demo_crews_load(count=20, seed=7)
