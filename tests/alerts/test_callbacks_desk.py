"""Call-backs of desk cases (scheduled when the case is replied to, moving it on when done), the
customer's own answer through the SMS link, the work list and its API scoped to the user's
units, and the scores per station."""

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone

from alerts.callback_attempts import AttemptInput, callback_attempt_record
from alerts.callback_selectors import callback_scores
from alerts.models import CallBack, CallBackStatus, Notification
from desk.models import Case, CaseStatus, DeskRule
from desk.services.cases import case_open, case_reply
from dispatch.errors import ForbiddenError
from dispatch.models import Incident, IncidentEvent, User
from dispatch.roles import Role
from dispatch.services import user_create
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from gis.models import OrgUnit, Premise
from tests.alerts import test_callbacks as incident_tests

pytestmark = [pytest.mark.django_db]

# The demo city, its organisation, a dispatcher and a premise: the incident tests' fixtures.
units = incident_tests.units
dispatcher = incident_tests.dispatcher
premise = incident_tests.premise
_resolve = incident_tests._resolve


def _case(dispatcher: User, premise: Premise, phone: str) -> Case:
    call = call_receive(
        data=CallInput(category="complaint", premise_id=premise.pk, caller_phone=phone),
        taker=dispatcher,
    )
    return case_open(call_id=call.pk, actor=dispatcher)


def _attempt(callback: CallBack, actor: User, outcome: str, **more: Any) -> CallBack:
    return callback_attempt_record(
        callback_id=callback.pk, actor=actor, data=AttemptInput(outcome=outcome, **more)
    )


def test_a_replied_case_is_called_back_and_the_case_moves_on(
    dispatcher: User, premise: Premise
) -> None:
    case = _case(dispatcher, premise, "13822220001")
    assert not CallBack.objects.filter(case=case).exists()  # only once replied to
    case_reply(case_id=case.pk, actor=dispatcher, text="We refunded the visit.")
    callback = CallBack.objects.get(case=case)
    assert (callback.call_id, callback.incident_id, callback.status) == (
        case.call_id,
        None,
        "pending",
    )
    scheduled = IncidentEvent.objects.get(kind="callback.scheduled", call=case.call)
    assert scheduled.data["case_id"] == case.pk

    done = _attempt(callback, dispatcher, "reached", score=2, comment="took too long")
    assert (done.status, done.satisfaction) == (CallBackStatus.REACHED, 2)
    case.refresh_from_db()
    assert case.status == CaseStatus.CALLED_BACK
    moved = IncidentEvent.objects.get(kind="case.called_back", data__case_id=case.pk)
    assert (moved.data["reached"], moved.data["score"]) == (True, 2)
    # The attempt is on the case's timeline too (its call's, the case named).
    assert IncidentEvent.objects.filter(kind="callback.attempted", data__case_id=case.pk).exists()

    # A case type that is not called back gets none; nor does a caller without a number.
    DeskRule.objects.filter(category="complaint").update(call_back=False)
    quiet = _case(dispatcher, premise, "13822220002")
    case_reply(case_id=quiet.pk, actor=dispatcher, text="Noted.")
    assert not CallBack.objects.filter(case=quiet).exists()


def test_the_sms_link_is_answered_once_and_refused_when_expired(
    dispatcher: User, premise: Premise
) -> None:
    cache.clear()  # the answer page's rate limit counts in this test's own Redis database
    case = _case(dispatcher, premise, "13822220003")
    case_reply(case_id=case.pk, actor=dispatcher, text="We will replace the meter.")
    callback = _attempt(
        CallBack.objects.get(case=case), dispatcher, "sms_link_sent", reason="in a meeting"
    )
    assert callback.status == CallBackStatus.PENDING
    message = Notification.objects.get(template="callback.link", recipient="13822220003")
    url = f"/callback/{callback.link_token}/"
    assert url in message.body
    assert "满意" in message.body  # the caller's language: Chinese

    public = Client()
    page = public.get(url)
    assert page.status_code == 200
    assert page["Cache-Control"] == "private, no-store"
    assert 'name="score" value="5"' in page.content.decode()
    assert public.post(url, {"score": "9"}).status_code == 400  # nothing recorded
    callback.refresh_from_db()
    assert callback.status == CallBackStatus.PENDING

    answered = public.post(url, {"score": "4", "comment": "friendly"})
    assert answered.status_code == 200
    callback.refresh_from_db()
    assert (callback.status, callback.satisfaction, callback.done_by) == ("reached", 4, None)
    via = callback.attempt_log.get(via_link=True)
    assert (via.outcome, via.score, via.comment, via.by) == ("reached", 4, "friendly", None)
    case.refresh_from_db()
    assert case.status == CaseStatus.CALLED_BACK

    again = public.post(url, {"score": "1"})
    assert again.status_code == 409  # a second answer is refused, and says so (no form)
    assert 'name="score"' not in again.content.decode()
    callback.refresh_from_db()
    assert callback.satisfaction == 4

    # Another caller's link, seven days on: expired.
    other = _case(dispatcher, premise, "13822220004")
    case_reply(case_id=other.pk, actor=dispatcher, text="Sorry.")
    stale = _attempt(CallBack.objects.get(case=other), dispatcher, "sms_link_sent")
    CallBack.objects.filter(pk=stale.pk).update(
        link_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert public.get(f"/callback/{stale.link_token}/").status_code == 410
    assert public.post(f"/callback/{stale.link_token}/", {"score": "5"}).status_code == 410
    assert CallBack.objects.get(pk=stale.pk).status == CallBackStatus.PENDING
    assert public.get("/callback/not-a-token/").status_code == 404

    # Rate limited per address, like every public page a guesser could hammer.
    cache.clear()
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "callback_link": "2/minute"}
    with override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    ):
        assert [public.get(url).status_code for _ in range(3)] == [200, 200, 429]


def test_work_list_and_api_are_scoped_to_the_users_units(
    dispatcher: User,
    premise: Premise,
    units: dict[str, OrgUnit],
    django_assert_max_num_queries: Any,
) -> None:
    incident = call_open_incident(
        call_id=call_receive(
            data=CallInput(
                category="leak_outdoor", premise_id=premise.pk, caller_phone="13833330001"
            ),
            taker=dispatcher,
        ).pk,
        actor=dispatcher,
    )
    _resolve(incident, dispatcher, timezone.now())
    incident = Incident.objects.select_related("station").get(pk=incident.pk)
    callback = CallBack.objects.get(incident=incident)
    other_station = (
        OrgUnit.objects.filter(tier=OrgUnit.Tier.STATION).exclude(pk=incident.station_id).first()
    )
    assert other_station is not None
    agent = user_create(
        username="agent", password="pw", role=Role.DESK_AGENT, org_unit=incident.station
    )
    stranger = user_create(
        username="far", password="pw", role=Role.DESK_AGENT, org_unit=other_station
    )
    crew = user_create(
        username="crew", password="pw", role=Role.CREW_MEMBER, org_unit=incident.station
    )

    client = Client()
    client.force_login(agent)
    page = client.get("/callbacks/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "13833330001" in html
    assert incident.reference in html
    with django_assert_max_num_queries(8):  # rows joined, attempts prefetched: no N+1
        listed = client.get("/api/callbacks/").json()
    assert [row["id"] for row in listed] == [callback.pk]
    assert listed[0]["phone"] == "13833330001"
    assert listed[0]["unit"] == incident.station.name

    logged = client.post(
        f"/api/callbacks/{callback.pk}/attempts/",
        {"outcome": "no_answer", "reason": "switched off"},
        content_type="application/json",
    )
    assert logged.status_code == 201
    assert logged.json()["history"][0]["reason"] == "switched off"
    refused = client.post(
        f"/api/callbacks/{callback.pk}/attempts/",
        {"outcome": "no_answer", "score": 3},
        content_type="application/json",
    )
    assert refused.status_code == 400
    form = client.post(f"/callbacks/{callback.pk}/attempt", {"outcome": "reached", "score": ""})
    assert form.status_code == 400  # the list again, with the reason
    assert CallBack.objects.get(pk=callback.pk).attempts == 1

    client.force_login(stranger)
    assert "13833330001" not in client.get("/callbacks/").content.decode()
    assert client.get("/api/callbacks/").json() == []
    assert (
        client.post(
            f"/api/callbacks/{callback.pk}/attempts/",
            {"outcome": "busy"},
            content_type="application/json",
        ).status_code
        == 403
    )
    with pytest.raises(ForbiddenError):
        _attempt(callback, stranger, "busy")

    client.force_login(crew)
    assert client.get("/callbacks/").status_code == 403
    assert client.get("/api/callbacks/").status_code == 403

    again = Client()
    again.force_login(agent)
    done = again.post(f"/callbacks/{callback.pk}/attempt", {"outcome": "reached", "score": "5"})
    assert done.status_code == 302
    assert CallBack.objects.get(pk=callback.pk).status == CallBackStatus.REACHED


def test_scores_are_aggregated_per_station(
    dispatcher: User, premise: Premise, units: dict[str, OrgUnit]
) -> None:
    now = timezone.now()
    stations = list(OrgUnit.objects.filter(tier=OrgUnit.Tier.STATION).order_by("code")[:2])
    made = []
    for n, station in enumerate([stations[0], stations[0], stations[0], stations[1]]):
        call = call_receive(
            data=CallInput(
                category="leak_outdoor", premise_id=premise.pk, caller_phone=f"1384444000{n}"
            ),
            taker=dispatcher,
        )
        incident = call_open_incident(call_id=call.pk, actor=dispatcher)
        Incident.objects.filter(pk=incident.pk).update(station=station)
        made.append(
            CallBack.objects.create(
                incident=incident, call=call, due_at=now, next_attempt_at=now, retry_until=now
            )
        )
    _attempt(made[0], dispatcher, "reached", score=5)
    _attempt(made[1], dispatcher, "reached", score=2)
    _attempt(made[2], dispatcher, "wrong_number")  # not reached: not in the average
    _attempt(made[3], dispatcher, "refused")

    today = timezone.localdate(now)
    rows = {r.unit: r for r in callback_scores(OrgUnit.objects.all(), today, today)}
    first, second = rows[stations[0].name], rows[stations[1].name]
    assert (first.due, first.attempted, first.reached, first.not_reached) == (3, 3, 2, 1)
    assert first.average_score == 3.5
    assert (second.due, second.reached, second.declined, second.average_score) == (1, 0, 1, None)
    assert callback_scores(OrgUnit.objects.filter(pk=stations[1].pk), today, today) == [second]
    assert (
        callback_scores(OrgUnit.objects.all(), today + timedelta(days=1), today + timedelta(days=2))
        == []
    )
