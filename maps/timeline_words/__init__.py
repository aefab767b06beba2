"""What timeline events say, for the page and the exports, in the reader's language: each event
as a sentence (sentences), in the timeline's vocabulary (vocabulary): findings as labelled
fields, times in the local time zone with the date when the moment falls on another day than
the one it is read against."""

from maps.timeline_words.sentences import event_summary
from maps.timeline_words.vocabulary import (
    KIND_LABELS,
    STATUS,
    EventNames,
    actor_text,
    arrival_mark,
    clock,
    duration_text,
    findings_text,
    kind_label,
)

__all__ = [
    "KIND_LABELS",
    "STATUS",
    "EventNames",
    "actor_text",
    "arrival_mark",
    "clock",
    "duration_text",
    "event_summary",
    "findings_text",
    "kind_label",
]
