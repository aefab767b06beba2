"""Build a unit's monthly report, and on the first working day of a month build last month's
for the group and each company and e-mail it to their supervisors, administrators and safety
managers through the outbox (alerts.Notification), once per report and recipient."""

import logging
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from alerts.escalation import staff_language
from alerts.models import Channel
from alerts.services.notifications import notification_queue
from dispatch.choices import Language
from dispatch.models import User
from dispatch.roles import Role
from gis.models import OrgUnit
from reports.monthly.content import month_content
from reports.monthly.dates import first_working_day, month_first, month_previous
from reports.monthly.models import MonthlyReport
from reports.monthly.pdf import report_pdf

log = logging.getLogger(__name__)

TEMPLATE = "reports.monthly"
RECIPIENT_ROLES = (Role.SUPERVISOR, Role.ADMINISTRATOR, Role.SAFETY_MANAGER)


def django_language(language: str) -> str:
    return "zh-hans" if language == Language.ZH else "en"


def monthly_report_build(
    *, unit: OrgUnit, month: date, language: str, now: datetime | None = None
) -> MonthlyReport:
    """Build (or build again, replacing it) the unit's report of the month in `language`."""
    if language not in Language.values:
        raise ValueError(f"no language {language!r}")
    now = now or timezone.now()
    month = month_first(month)
    with translation.override(django_language(language)):
        content = month_content(unit, month, now=now)
        pdf, pages = report_pdf(content, generated_at=now)
    report, _created = MonthlyReport.objects.update_or_create(
        month=month,
        unit=unit,
        language=language,
        defaults={"pdf": pdf, "pages": pages, "created_at": now},
    )
    log.info("monthly report %s built: %s pages, %s bytes", report, pages, len(pdf))
    return report


def report_url(report: MonthlyReport) -> str:
    path = reverse("reports-monthly-pdf", args=[report.pk])
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def recipients_of(unit: OrgUnit) -> list[User]:
    """The unit's own supervisors, administrators and safety managers with an e-mail."""
    return list(
        User.objects.filter(is_active=True, org_unit=unit, role__in=RECIPIENT_ROLES)
        .exclude(email="")
        .order_by("username")
    )


def top_units() -> list[OrgUnit]:
    return list(
        OrgUnit.objects.filter(tier__in=(OrgUnit.Tier.GROUP, OrgUnit.Tier.COMPANY)).order_by(
            "tier", "code"
        )
    )


@dataclass
class Sent:
    built: int = 0
    queued: int = 0


def _report(unit: OrgUnit, month: date, language: str, now: datetime, sent: Sent) -> MonthlyReport:
    """The month's report, built once: a second run the same day reuses it."""
    found = MonthlyReport.objects.filter(month=month, unit=unit, language=language).first()
    if found is not None:
        return found
    sent.built += 1
    return monthly_report_build(unit=unit, month=month, language=language, now=now)


def _context(report: MonthlyReport) -> dict[str, str]:
    return {
        "unit": report.unit.name,
        "month": f"{report.month:%Y-%m}",
        "pages": str(report.pages),
        "url": report_url(report),
    }


def monthly_reports_send(*, today: date, now: datetime | None = None) -> dict[str, int]:
    """On the first working day of a month: last month's report for the group and each
    company (in each language its readers read, the site's always), and an e-mail to each
    reader. Any other day: nothing. Safe to run again: no report is built and no e-mail
    queued twice."""
    if today != first_working_day(today):
        return {"built": 0, "queued": 0}
    now = now or timezone.now()
    month = month_previous(today)
    sent = Sent()
    site = staff_language()
    for unit in top_units():
        readers = recipients_of(unit)
        languages = sorted({site, *(staff_language(u) for u in readers)})
        reports = {lang: _report(unit, month, lang, now, sent) for lang in languages}
        for user in readers:
            report = reports[staff_language(user)]
            with transaction.atomic():
                queued = notification_queue(
                    channel=Channel.EMAIL,
                    recipient=user.email,
                    template=TEMPLATE,
                    language=report.language,
                    context=_context(report),
                    idempotency_key=f"{TEMPLATE}:{month:%Y-%m}:{unit.pk}:{user.email}",
                )
            sent.queued += queued is not None
    log.info("monthly reports of %s: %s built, %s e-mails queued", month, sent.built, sent.queued)
    return {"built": sent.built, "queued": sent.queued}
