"""Call-back attempts: each try logged (002 第30条: time, outcome, reason), retried until the
retry window closes, and the customer's own answer through the SMS link.

A caller reached gives a score 1-5 (or declines to), and the call-back is done. A caller not
reached is tried again later the same working day or on the next one; after the retry window
(CALLBACK_RETRY_WORKING_DAYS after it fell due) or CALLBACK_MAX_ATTEMPTS tries they count as
not reached: finished, so the incident's clock is met (the attempt is what the regulator
measures), but never counted as satisfied. A finished case call-back moves the case on
(desk.services.cases.case_call_back_done).
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.callback_selectors import user_may_see_callback
from alerts.models import AttemptOutcome, CallBack, CallBackAttempt, CallBackStatus, Channel
from alerts.services.notifications import notification_queue
from desk.services.cases import case_call_back_done
from dispatch.access import Capability, user_may
from dispatch.errors import ConflictError, DispatchError, ForbiddenError, NotFoundError
from dispatch.models import IncidentEvent, Milestone, User
from dispatch.services.sla import deadline_meet
from dispatch.services.timeline import event_record
from dispatch.working_days import working_day_is, working_days_add

REASON_MAX = 1000
COMMENT_MAX = 4000
# Calls are made in office hours: a retry that would fall after DAY_END goes to the next
# working day's DAY_START.
DAY_START_HOUR = 9
DAY_END_HOUR = 18


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_attempts() -> int:
    return _setting("CALLBACK_MAX_ATTEMPTS", 6)


def link_days() -> int:
    return _setting("CALLBACK_LINK_DAYS", 7)


def link_after_failures() -> int:
    """After this many calls without reaching the caller, the SMS link goes by itself."""
    return _setting("CALLBACK_LINK_AFTER_FAILURES", 2)


def retry_gap() -> timedelta:
    return timedelta(minutes=_setting("CALLBACK_RETRY_GAP_MINUTES", 120))


def next_attempt_after(at: datetime) -> datetime:
    """A retry later the same working day if office hours allow, else the next working day's
    morning (a Friday evening's retry is Monday's, or the make-up Saturday's)."""
    local = timezone.localtime(at)
    later = local + retry_gap()
    if later.date() == local.date() and later.hour < DAY_END_HOUR and working_day_is(local.date()):
        return max(later, local.replace(hour=DAY_START_HOUR, minute=0, second=0, microsecond=0))
    morning = working_days_add(local, 1)
    return morning.replace(hour=DAY_START_HOUR, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class AttemptInput:
    outcome: str
    reason: str = ""
    score: int | None = None
    comment: str = ""


def _validated(data: AttemptInput) -> AttemptInput:
    if data.outcome not in AttemptOutcome.values:
        raise DispatchError(
            _("say how the attempt went: one of %(outcomes)s")
            % {"outcomes": ", ".join(AttemptOutcome.values)},
            field="outcome",
        )
    score = data.score
    if data.outcome == AttemptOutcome.REACHED:
        # bool is an int in Python: True must not pass for a score of 1.
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
            raise DispatchError(
                _("a caller reached gives a score, a whole number 1 to 5 (or choose “refused”)"),
                field="score",
            )
    elif score is not None:
        raise DispatchError(
            _("only a caller who was reached gives a score"),
            field="score",
        )
    reason, comment = (data.reason or "").strip(), (data.comment or "").strip()
    if len(reason) > REASON_MAX:
        raise DispatchError(
            _("a reason is at most %(n)s characters") % {"n": REASON_MAX}, field="reason"
        )
    if len(comment) > COMMENT_MAX:
        raise DispatchError(
            _("a comment is at most %(n)s characters") % {"n": COMMENT_MAX}, field="comment"
        )
    return AttemptInput(data.outcome, reason, score, comment)


def _locked(**lookup: object) -> CallBack:
    callback = (
        CallBack.objects.select_for_update(of=("self",))
        .select_related("incident", "case", "call")
        .filter(**lookup)
        .first()
    )
    if callback is None:
        raise NotFoundError(_("no such call-back"))
    return callback


def _record(
    callback: CallBack,
    *,
    data: AttemptInput,
    actor: User | None,
    at: datetime,
    via_link: bool = False,
) -> CallBackAttempt:
    """The attempt row, counted on the call-back, and its timeline event."""
    attempt = CallBackAttempt.objects.create(
        callback=callback,
        at=at,
        by=actor,
        outcome=data.outcome,
        reason=data.reason,
        score=data.score,
        comment=data.comment,
        via_link=via_link,
    )
    callback.attempts += 1
    callback.first_attempt_at = callback.first_attempt_at or at
    callback.save(update_fields=["attempts", "first_attempt_at"])
    return attempt


def _event(
    callback: CallBack, *, kind: str, actor: User | None, at: datetime, **data: object
) -> IncidentEvent:
    """On the incident's timeline, or the case's (its call's, with the case named)."""
    case = {"case": callback.case.reference, "case_id": callback.case_id} if callback.case else {}
    return event_record(
        kind=kind,
        incident=callback.incident,
        call=callback.call,
        actor=actor,
        actor_label="customer" if data.get("via_link") else "",
        at=at,
        data={
            "callback": callback.pk,
            "status": callback.status,
            "attempts": callback.attempts,
            **case,
            **data,
        },
    )


def _finish(
    callback: CallBack,
    *,
    status: CallBackStatus,
    actor: User | None,
    at: datetime,
    score: int | None = None,
    comment: str = "",
) -> None:
    """Done: reached (with a score), declined, or not reached after every retry; the incident's
    clock met once all its callers are done, a case moved on to called back."""
    callback.status = status
    callback.done_at, callback.done_by = at, actor
    callback.reached = status != CallBackStatus.NOT_REACHED
    callback.satisfaction, callback.notes = score, comment
    callback.save(
        update_fields=["status", "done_at", "done_by", "reached", "satisfaction", "notes"]
    )
    if callback.incident is not None:
        still = CallBack.objects.filter(
            incident=callback.incident, status=CallBackStatus.PENDING
        ).exists()
        if not still:
            deadline_meet(incident=callback.incident, milestone=Milestone.CALL_BACK, at=at)
    elif callback.case_id is not None:
        case_call_back_done(
            case_id=callback.case_id,
            actor=actor,
            reached=bool(callback.reached),
            score=score,
            at=at,
        )


def _link_send(callback: CallBack, at: datetime) -> str:
    """A long random token (192 bits: not guessable, not enumerable) and the message with it,
    through the outbox; the link answers once and lives CALLBACK_LINK_DAYS."""
    if callback.link_token is None:
        callback.link_token = secrets.token_urlsafe(24)
    callback.link_expires_at = at + timedelta(days=link_days())
    callback.save(update_fields=["link_token", "link_expires_at"])
    url = f"{settings.SITE_URL.rstrip('/')}/callback/{callback.link_token}/"
    about = callback.case.reference if callback.case else callback.incident.reference  # type: ignore[union-attr]
    notification_queue(
        channel=Channel.SMS,
        recipient=callback.call.caller_phone,
        template="callback.link",
        language=callback.call.language,
        context={"url": url, "about": about, "days": link_days()},
        idempotency_key=f"callback.link:{callback.pk}:{at.isoformat()}",
        incident=callback.incident,
    )
    return url


def _failures(callback: CallBack) -> int:
    return callback.attempt_log.exclude(
        outcome__in=[AttemptOutcome.REACHED, AttemptOutcome.SMS_LINK_SENT]
    ).count()


@transaction.atomic
def callback_attempt_record(
    *, callback_id: int, actor: User, data: AttemptInput, at: datetime | None = None
) -> CallBack:
    """Log one attempt. Reached with a score, or refused: done. Otherwise the next try is
    scheduled, or, past the retry window or the last try, the caller is given up."""
    at = at or timezone.now()
    data = _validated(data)
    callback = _locked(pk=callback_id)
    if not user_may(actor, Capability.CALL_BACKS) or not user_may_see_callback(actor, callback):
        raise ForbiddenError(_("this call-back belongs to a unit you do not cover"))
    if callback.is_finished:
        raise ConflictError(
            _("this call-back is finished (%(status)s)") % {"status": callback.get_status_display()}
        )
    _record(callback, data=data, actor=actor, at=at)
    link = ""
    if data.outcome == AttemptOutcome.REACHED:
        _finish(
            callback,
            status=CallBackStatus.REACHED,
            actor=actor,
            at=at,
            score=data.score,
            comment=data.comment,
        )
    elif data.outcome == AttemptOutcome.REFUSED:
        _finish(callback, status=CallBackStatus.DECLINED, actor=actor, at=at, comment=data.comment)
    else:
        if data.outcome == AttemptOutcome.SMS_LINK_SENT:
            link = _link_send(callback, at)
        elif callback.link_token is None and _failures(callback) >= link_after_failures():
            link = _link_send(callback, at)
            auto = AttemptInput(AttemptOutcome.SMS_LINK_SENT, _("sent after the calls failed"))
            _record(callback, data=auto, actor=None, at=at)
        _retry_or_give_up(callback, outcome=data.outcome, actor=actor, at=at)
    _event(
        callback,
        kind="callback.attempted",
        actor=actor,
        at=at,
        outcome=data.outcome,
        score=data.score,
        reason=data.reason,
        # The words maps/timeline_words reads for "callback.recorded" events, kept alike.
        reached=data.outcome in (AttemptOutcome.REACHED, AttemptOutcome.REFUSED),
        satisfaction=data.score,
        link_sent=bool(link),
        late=callback.first_attempt_at is not None and callback.first_attempt_at > callback.due_at,
        next_attempt_at=callback.next_attempt_at.isoformat() if not callback.is_finished else None,
    )
    return callback


def _retry_or_give_up(callback: CallBack, *, outcome: str, actor: User, at: datetime) -> None:
    following = next_attempt_after(at)
    hopeless = outcome == AttemptOutcome.WRONG_NUMBER  # calling again reaches nobody
    if hopeless or following > callback.retry_until or callback.attempts >= max_attempts():
        _finish(callback, status=CallBackStatus.NOT_REACHED, actor=actor, at=at)
    else:
        callback.next_attempt_at = following
        callback.save(update_fields=["next_attempt_at"])


@transaction.atomic
def callback_link_answer(
    *, token: str, score: object, comment: str = "", at: datetime | None = None
) -> CallBack:
    """The customer's own answer through the SMS link: once, while the link lives and the
    call-back is still open. It counts as reached."""
    at = at or timezone.now()
    if isinstance(score, str) and score.strip().isdigit():
        score = int(score)
    data = _validated(
        AttemptInput(AttemptOutcome.REACHED, score=score, comment=comment)  # type: ignore[arg-type]
    )
    callback = _locked(link_token=token) if token else None
    if callback is None:
        raise NotFoundError(_("no such call-back"))
    if callback.link_expires_at is None or callback.link_expires_at < at:
        raise ConflictError(_("this link has expired"))
    if callback.is_finished:
        raise ConflictError(_("this call-back has been answered already: thank you"))
    _record(callback, data=data, actor=None, at=at, via_link=True)
    _finish(
        callback,
        status=CallBackStatus.REACHED,
        actor=None,
        at=at,
        score=data.score,
        comment=data.comment,
    )
    _event(
        callback,
        kind="callback.attempted",
        actor=None,
        at=at,
        outcome=AttemptOutcome.REACHED,
        score=data.score,
        reached=True,
        satisfaction=data.score,
        via_link=True,
        late=callback.first_attempt_at is not None and callback.first_attempt_at > callback.due_at,
    )
    return callback


def callbacks_give_up_due(*, now: datetime) -> int:
    """The call-backs whose retry window has closed count as not reached (beat); each in its
    own transaction, skipping one an agent is logging an attempt on. Returns how many."""
    given_up = 0
    due = CallBack.objects.filter(status=CallBackStatus.PENDING, retry_until__lt=now)
    for pk in due.values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            callback = (
                CallBack.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("incident", "case", "call")
                .filter(pk=pk, status=CallBackStatus.PENDING, retry_until__lt=now)
                .first()
            )
            if callback is None:
                continue
            _finish(callback, status=CallBackStatus.NOT_REACHED, actor=None, at=now)
            _event(callback, kind="callback.given_up", actor=None, at=now, reached=False)
            given_up += 1
    return given_up
