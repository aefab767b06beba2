"""Words the pages' scripts show about an incident's callers and notes, translated here because
the scripts have no catalogue of their own: each page hands them over as `labels.text`."""

from django.utils.translation import gettext as _


def incident_words() -> dict[str, str]:
    """English text as the scripts write it -> the words in the user's language."""
    return {
        "The callers said": _("The callers said"),
        "Nothing written down from the callers.": _("Nothing written down from the callers."),
        "Notes": _("Notes"),
        "Notes from the control room": _("Notes from the control room"),
        "Add a note": _("Add a note"),
        "Add note": _("Add note"),
        "Open in console": _("Open in console"),
    }


def case_words() -> dict[str, str]:
    """The console's "End case" control: how a dispatcher closes, cancels or refers."""
    return {
        "End case": _("End case"),
        "Ending": _("Ending"),
        "close": _("Close: the work is done or nothing was wrong"),
        "cancel": _("Cancel: false alarm, hoax, opened in error"),
        "refer": _("Refer to another agency"),
        "Reason": _("Reason"),
        "Note: what was found or said": _("Note: what was found or said"),
        "Agency it was handed to": _("Agency it was handed to"),
    }
