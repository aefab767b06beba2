"""Words the dispatch queue's scripts show (maps/static/maps/queue.js, dispatch.js, wall.js),
translated here because the scripts have no catalogue of their own: each page hands them over
as `text`. Keys are names, not English, so no sentence is written twice; %(name)s is filled in
by the script."""

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from gis.models import OrgUnit


def queue_words() -> dict[str, str]:
    """Key -> the words in the user's language."""
    return {
        # The queue's rows and the alarm.
        "no_crew": _("No crew"),
        "breached": _("Breached"),
        "at_risk": _("At risk"),
        "crew_finished": _("Crew finished: close it"),
        "queue_empty": _("No open incident in the queue."),
        "waiting_empty": _("Every open incident has a crew."),
        "more": _("Only the first %(n)s are shown: choose a station to see the rest."),
        "alarm_banner": _("P%(priority)s %(ref)s has waited %(waited)s without a crew"),
        "alarm_more": _("and %(n)s more"),
        "dispatch": _("Dispatch"),
        "live": _("Live"),
        "feed_down": _(
            "No update for %(s)s s: the server is not answering; the screen keeps trying."
        ),
        "signed_out": _("Signed out or no longer allowed: reload the page to sign in again."),
        "unreachable": _("the server cannot be reached: check the network cable or call IT"),
        "server_answered": _("the server answered %(status)s"),
        # The incident picked.
        "waiting_for": _("waiting %(time)s for a crew"),
        "open_for": _("open %(time)s"),
        "reports": _("%(n)s report(s)"),
        "incident_map": _("Incident map"),
        "timeline": _("Timeline"),
        "open_console": _("Open in console"),
        "nothing_said": _("Nothing written down from the callers."),
        "left": _("%(time)s left"),
        "overdue": _("OVERDUE %(time)s"),
        "clock_met": _("met %(time)s"),
        "clock_met_late": _("met late %(time)s"),
        "clock_stopped": _("stopped: not applicable"),
        "no_incident": _("No incident %(asked)s."),
        "doing_load": _("Opening the incident"),
        "failed": _("%(doing)s failed: %(error)s."),
        # Crews.
        "no_crew_yet": _("No crew on it yet."),
        "no_crew_on_it": _("No crew on it."),
        "eta_at": _("ETA %(time)s"),
        "eta_min": _("ETA %(n)s min"),
        "km": _("%(n)s km"),
        "m": _("%(n)s m"),
        "send_crew": _("Send a crew: press its number"),
        "add_crew": _("Add a crew: press its number"),
        "finding_crews": _("Finding the nearest crews…"),
        "no_recommendation": _(
            "No crew recommendation: %(error)s. Call the station to send a crew."
        ),
        "no_crews": _("No crew is available: call the station."),
        "ideal": _("ideal"),
        "preempts": _("takes over from work order #%(id)s"),
        "send": _("Send"),
        "add": pgettext("send one more crew", "Add"),  # not the admin's "Add" (添加)
        "sending": _("Sending %(crew)s…"),
        "sent": _("%(crew)s sent to %(ref)s."),
        "doing_send": _("Sending a crew"),
        "confirm_first_responder": _(
            "%(crew)s lacks: %(lacks)s. Send them as first responder, to make the site safe "
            "until a crew with the skills arrives?"
        ),
        "send_first_responder": _("Send as first responder"),
        "confirm_preempt": _(
            "%(crew)s is on work order #%(id)s, which is less urgent. Take them off it and send "
            "them here?"
        ),
        "preempt_send": _("Take them off it and send them"),
        # Work orders.
        "reassign": _("Reassign"),
        "cancel_wo": _("Cancel"),
        "reassigning": _("Reassigning work order #%(id)s to %(crew)s…"),
        "reassigned": _("Work order #%(id)s reassigned to %(crew)s."),
        "doing_reassign": _("Reassigning"),
        "cancelled_wo": _("Work order #%(id)s cancelled."),
        "doing_cancel": _("Cancelling the work order"),
        # Ending the case.
        "no_merge_target": _("No other open incident in the queue"),
        "ended": _("%(ref)s: %(status)s, %(reason)s."),
        "doing_end": _("Ending the case"),
    }


def reassign_reasons() -> list[str]:
    """Suggested reasons for a reassignment; the dispatcher may write another."""
    return [
        _("a nearer crew is free"),
        _("the crew is delayed"),
        _("the crew lacks a skill this needs"),
        _("the crew is needed elsewhere"),
        _("the van broke down"),
    ]


def cancel_reasons() -> list[str]:
    """Suggested reasons for calling a crew off; the dispatcher may write another."""
    return [
        _("sent by mistake"),
        _("no longer needed: another crew has it in hand"),
        _("the crew is needed elsewhere"),
        _("the caller cancelled"),
    ]


def label_words(choices: list[tuple[Any, Any]]) -> dict[str, str]:
    """A model's choices in the user's language (the catalogue has them, the models say them
    in English)."""
    return {str(value): _(str(name)) for value, name in choices}


def station_names() -> dict[str, str]:
    """Every station's code and the name people know it by: a payload that names a station
    by its code (a crew recommended) is shown by name."""
    return dict(OrgUnit.objects.filter(tier=OrgUnit.Tier.STATION).values_list("code", "name"))
