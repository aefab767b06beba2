"""What an Open311 request says in words, in the language of the person who reported it."""

from dispatch.choices import Language
from dispatch.models import Call, CategoryRule, Incident

EN, ZH = Language.EN, Language.ZH

STATUS_NOTES: dict[str, dict[str, str]] = {
    EN: {
        Incident.Status.OPEN: "Reported; a crew is being found.",
        Incident.Status.DISPATCHED: "A crew is on its way.",
        Incident.Status.ON_SITE: "The crew is on site.",
        Incident.Status.MADE_SAFE: "Made safe; the crew is finishing the work.",
        Incident.Status.RESOLVED: "Resolved: the work is complete.",
        Incident.Status.CLOSED: "Closed.",
        Incident.Status.CANCELLED: "Cancelled.",
        Incident.Status.MERGED: "Merged with another report of the same incident.",
        Incident.Status.REFERRED: "Referred to another agency.",
    },
    ZH: {
        Incident.Status.OPEN: "已受理，正在安排抢修人员。",
        Incident.Status.DISPATCHED: "抢修人员正在赶往现场。",
        Incident.Status.ON_SITE: "抢修人员已到达现场。",
        Incident.Status.MADE_SAFE: "险情已排除，正在完成后续工作。",
        Incident.Status.RESOLVED: "已处理完毕。",
        Incident.Status.CLOSED: "已关闭。",
        Incident.Status.CANCELLED: "已取消。",
        Incident.Status.MERGED: "已并入同一事件的其他报告。",
        Incident.Status.REFERRED: "已转交其他单位处理。",
    },
}
# A request without an incident: by its call's outcome ("open" is a word both use).
CALL_NOTES: dict[str, dict[str, str]] = {
    EN: {
        Call.Outcome.OPEN: "Received; our staff will handle it.",
        Call.Outcome.ANSWERED: "Answered by our customer service.",
        Call.Outcome.CASE: "Our customer service desk is handling it and will reply.",
    },
    ZH: {
        Call.Outcome.OPEN: "已收到，工作人员将处理。",
        Call.Outcome.ANSWERED: "客服人员已答复。",
        Call.Outcome.CASE: "客服工单处理中，将答复您。",
    },
}

OPENED: dict[str, str] = {
    EN: "Reported as {reference} (P{priority}): a crew will attend.",
    ZH: "已受理，编号 {reference}（P{priority}），将派抢修人员到场。",
}
JOINED: dict[str, str] = {
    EN: "Already reported: added to {reference} ({reports} reports).",
    ZH: "该情况已有报告，已并入 {reference}（共 {reports} 次报告）。",
}
ENQUIRY: dict[str, str] = {
    EN: "Received: our customer service will answer this request.",
    ZH: "已收到，客服人员将答复您的诉求。",
}
TO_REVIEW: dict[str, str] = {
    EN: "Received: a call taker will review this request.",
    ZH: "已收到，接线员将核实处理。",
}


def _language(language: str) -> str:
    return ZH if language == ZH else EN


def status_note(status: str, language: str) -> str:
    """What an incident's status means to the person who reported it."""
    return STATUS_NOTES[_language(language)].get(status, "")


def call_note(outcome: str, language: str) -> str:
    """What a call's outcome means, for a request that has no incident."""
    return CALL_NOTES[_language(language)].get(outcome, "")


def _advice(rule: CategoryRule, language: str) -> str:
    return rule.advice_zh if _language(language) == ZH else rule.advice_en


def notice_for(
    *, rule: CategoryRule, incident: Incident | None, joined: bool, language: str
) -> str:
    """The service notice of a new request: what happens next, and what to do meanwhile."""
    lang = _language(language)
    if incident is None:
        head = TO_REVIEW[lang] if rule.needs_incident else ENQUIRY[lang]
    elif joined:
        head = JOINED[lang].format(reference=incident.reference, reports=incident.report_count)
    else:
        head = OPENED[lang].format(reference=incident.reference, priority=incident.priority)
    advice = _advice(rule, lang)
    return f"{head} {advice}".strip() if lang == EN else f"{head}{advice}"


def language_from(locale: str, *, default: str) -> str:
    """`en`, `en-US`, `zh_CN`, `zh-Hans`... to the language we answer in; others: default."""
    head = locale.strip().lower().replace("_", "-").split("-", 1)[0]
    return head if head in (EN, ZH) else default
