import pytest
from django.core.management import call_command
from django.test import Client

from demo.org import demo_organisation_load
from demo.people import DEMO_LOGINS, DEMO_PASSWORD
from dispatch.models import User
from dispatch.roles import Role
from dispatch.services import user_create
from gis.models import OrgUnit

pytestmark = pytest.mark.django_db


def _login(role: Role) -> Client:
    units = demo_organisation_load()
    user = user_create(username=role.value, password="pw", role=role, org_unit=units["gx-city"])
    client = Client()
    client.force_login(user)
    return client


def test_only_administrators_get_admin_flags() -> None:
    units = demo_organisation_load()
    for role in Role:
        user = user_create(username=role.value, password="pw", role=role, org_unit=units["gx-city"])
        assert user.is_staff == user.is_superuser == (role == Role.ADMINISTRATOR)


def test_administrator_opens_the_admin_and_its_user_list() -> None:
    client = _login(Role.ADMINISTRATOR)
    assert client.get("/admin/").status_code == 200
    page = client.get("/admin/dispatch/user/")
    assert page.status_code == 200
    assert b"administrator" in page.content


@pytest.mark.parametrize(
    "role", [r for r in Role if r not in (Role.ADMINISTRATOR, Role.SUPERVISOR)]
)
def test_other_roles_are_sent_to_the_admin_login(role: Role) -> None:
    response = _login(role).get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_supervisor_signs_in_on_the_admin_page_without_a_staff_flag() -> None:
    units = demo_organisation_load()
    user_create(username="sup", password="pw", role=Role.SUPERVISOR, org_unit=units["gx-city"])
    client = Client()
    response = client.post("/admin/login/?next=/admin/", {"username": "sup", "password": "pw"})
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert client.get("/admin/").status_code == 200
    refused = Client().post("/admin/login/", {"username": "crew_member", "password": "pw"})
    assert refused.status_code == 200  # a wrong login: the form again, nobody signed in


def test_a_staff_flag_alone_does_not_open_the_admin() -> None:
    client = _login(Role.DISPATCHER)
    User.objects.filter(username="dispatcher").update(is_staff=True)
    assert client.get("/admin/").status_code == 302


def test_api_me_tells_the_user_their_role_and_unit() -> None:
    body = _login(Role.SAFETY_MANAGER).get("/api/me/").json()
    assert body["role"] == "safety_manager"
    assert body["role_label"] == "Safety manager"
    assert body["org_unit"] == "gx-city"


def test_api_refuses_anonymous_callers() -> None:
    assert Client().get("/api/me/").status_code == 403


def test_start_page_asks_anonymous_visitors_to_sign_in() -> None:
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_demo_logins_sign_in_with_the_printed_password() -> None:
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    for login in DEMO_LOGINS:
        client = Client()
        response = client.post(
            "/accounts/login/", {"username": login.username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, login.username
        page = client.get("/").content.decode()
        assert str(login.role.label) in page
        assert f"{login.last_name}{login.first_name}" in page  # Chinese: family name first


def test_loading_the_demo_twice_changes_nothing() -> None:
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    users, units = User.objects.count(), OrgUnit.objects.count()
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    # Every role, a supervisor for each of the other two stations and for the company, and
    # the desk's logins.
    assert (User.objects.count(), OrgUnit.objects.count()) == (users, units)
    # Units: the group, the gas, heat and power companies and their 3 + 2 + 2 stations.
    assert (users, units) == (len(DEMO_LOGINS), 11)
