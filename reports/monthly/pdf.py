"""The monthly report as an A4 PDF: a cover, the month's headline figures with their
distribution and targets, three charts, the worst arrivals with their key moments, then a
page per station. Drawn with maps.exports' styles and embedded CJK font, so Chinese reads
in any viewer; every word is gettext's, in the language active when it is drawn."""

import io
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table
from reportlab.platypus.flowables import Flowable

from maps.exports import BAD, CJK_FONT, DOUBT, GOOD, MUTED, _latin, _markup, _p, _styles, _table
from maps.timeline_words import duration_text
from reports.figures import Figure
from reports.monthly import charts
from reports.monthly.content import Moments, MonthContent, Section

VERDICT_COLOUR = {"on time": GOOD, "late": BAD, "breached": BAD, "overdue": BAD}


def value_unit(figure: Figure) -> str:
    """The unit of a figure's distribution. A share's value is the time it was judged by:
    hours for the reply clocks (their SQL divides by 3600), minutes for the rest."""
    spec = figure.spec
    if spec.kind == "distribution":
        return spec.measure
    if spec.value == "NULL":
        return ""
    if spec.kind == "mean":
        return "score"
    return "hours" if "3600" in spec.value else "minutes"


def unit_word(unit: str) -> str:
    words = {
        "minutes": pgettext("unit of time", "min"),
        "hours": pgettext("unit of time", "h"),
        "seconds": pgettext("unit of time", "s"),
    }
    return words.get(unit, "")


def number(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def value_text(figure: Figure) -> str:
    """The headline as printed: a count, a share in percent, a mean score, a median."""
    kind, total = figure.spec.kind, figure.total
    if kind == "count":
        return str(total.count)
    if kind == "share":
        return "-" if total.share is None else f"{100 * total.share:.1f}%"
    if kind == "mean":
        return number(total.mean, 2)
    return number(total.median)


def target_text(figure: Figure) -> tuple[str, Color | None]:
    met = figure.meets_target
    if met is None:
        return "", None
    marks = []
    if figure.target is not None:
        marks.append(f"≥ {100 * figure.target:.1f}%")
    if figure.average_max is not None:
        marks.append(_("mean ≤ %(n)s min") % {"n": figure.average_max})
    if figure.longest_max is not None:
        marks.append(_("none > %(n)s min") % {"n": figure.longest_max})
    verdict = _("met") if met else _("missed")
    return f"{'; '.join(marks)}: {verdict}", GOOD if met else BAD


def figures_table(figures: list[Figure], *, notes: bool = False) -> Flowable:
    """A row per figure: its headline, how many rows it counted, the distribution of its
    measure and whether a preset's target was met; with `notes`, what each one counts."""
    rows = []
    for f in figures:
        unit = value_unit(f)
        label = str(f.spec.label)
        if unit_word(unit):
            label = _("%(label)s (%(unit)s)") % {"label": label, "unit": unit_word(unit)}
        note = str(f.spec.note) if notes else ""
        spread = [f.total.median, f.total.p90, f.total.p97, f.total.longest] if unit else []
        target, colour = target_text(f)
        rows.append(
            [
                _cell([label, note]) if note else label,
                _p(value_text(f), "head"),
                "" if f.spec.kind == "count" else str(f.total.count),
                *([number(v) for v in spread] or ["", "", "", ""]),
                _p(target, colour=colour) if target else "",
            ]
        )
    header = [
        _("Figure"),
        _("Value"),
        _("Counted"),
        _("Median"),
        _("P90"),
        _("P97"),
        _("Longest"),
        _("Target"),
    ]
    return _table(header, rows, [58, 17, 15, 14, 14, 14, 16, 32])


def _phone_line(figures: list[Figure]) -> list[Flowable]:
    """The phone system's figures, when it reported calls in the month: a utility whose
    phone system is not connected gets no table of empty rows."""
    phone = [f for f in figures if f.spec.source.name == "phone"]
    if not any(f.total.count for f in phone):
        return []
    return [Spacer(1, 5 * mm), _p(_("The phone line"), "h2"), figures_table(phone, notes=True)]


def _at(moment: datetime | None, first: datetime | None) -> list[str]:
    """A moment as a cell's lines: local time, then how long after the first call."""
    if moment is None:
        return ["-"]
    local = f"{timezone.localtime(moment):%m-%d %H:%M}"
    if first is None or moment == first:
        return [local]
    return [local, f"+{duration_text((moment - first).total_seconds())}"]


def _cell(lines: list[str], colour: Color | None = None, *, bold: bool = False) -> Paragraph:
    """The first line in ink (or `colour`), the others small and muted."""
    first = _markup(lines[0])
    if bold:
        first = f"<b>{first}</b>"
    if colour is not None:
        first = f'<font color="{colour.hexval()}">{first}</font>'
    rest = [f'<font size="7" color="{MUTED.hexval()}">{_markup(x)}</font>' for x in lines[1:]]
    return Paragraph("<br/>".join([first, *rest]), _styles()["base"])


def _arrived(m: Moments) -> Paragraph:
    if m.on_site_at is None:
        return _cell([_("not reached")], BAD)
    mark = {True: _("verified"), False: _("not verified"), None: _("not checked")}
    lines = _at(m.on_site_at, m.first_call_at)
    return _cell([*lines, mark[m.on_site_verified]], DOUBT if m.on_site_verified is False else None)


def _completed(m: Moments) -> Paragraph:
    if m.completed_at is None and m.ended_at is not None:
        return _cell([_("ended"), *_at(m.ended_at, m.first_call_at)])
    return _cell(_at(m.completed_at, m.first_call_at))


def worst_table(worst: list[Moments]) -> Flowable:
    rows = []
    for m in worst:
        i = m.incident
        who = [i.station.name, f"{i.category_label} · P{i.priority}", m.crew]
        rows.append(
            [
                _cell([i.reference, *filter(None, who)], bold=True),
                _cell(_at(m.first_call_at, None)),
                _cell(_at(m.work_order_at, m.first_call_at)),
                _cell(_at(m.accepted_at, m.first_call_at)),
                _arrived(m),
                _cell(_at(m.made_safe_at, m.first_call_at)),
                _completed(m),
                _cell(
                    [number(m.arrival_minutes), m.arrival_verdict_text or "-"],
                    VERDICT_COLOUR.get(m.arrival_verdict),
                ),
            ]
        )
    header = [
        _("Incident"),
        _("First call"),
        _("Work order"),
        _("Accepted"),
        _("On site"),
        _("Made safe"),
        _("Completed"),
        _("Arrival (min)"),
    ]
    return _table(header, rows, [38, 18, 20, 20, 22, 20, 21, 21])


def worst_block(section: Section) -> list[Flowable]:
    shown = len(section.worst)
    if not shown:
        return [_p(_("Worst arrivals"), "h2"), _p(_("No arrival this month."))]
    if section.missed:
        title = _("Arrivals that missed their clock: %(n)s. The %(shown)s worst, misses first") % {
            "n": section.missed,
            "shown": shown,
        }
    else:
        title = _("No arrival missed its clock; the %(shown)s longest") % {"shown": shown}
    note = _(
        "Key moments from each incident's timeline, local time, with the time since the first"
        " call. An arrival is verified when the van's positions back it."
    )
    return [_p(title, "h2"), _p(note, "small"), Spacer(1, 2 * mm), worst_table(section.worst)]


def _left(table: Table) -> Table:
    table.hAlign = "LEFT"
    return table


def _cover(content: MonthContent, generated_at: datetime) -> list[Flowable]:
    figures = {f.key: f for f in content.overview.figures}
    facts = [
        (_("Calls received"), value_text(figures["calls_received"])),
        (_("Repair jobs opened"), value_text(figures["incidents_opened"])),
        (_("Arrival within the SLA clock"), value_text(figures["arrival_on_clock"])),
        (_("Stations"), str(len(content.stations))),
    ]
    return [
        Spacer(1, 45 * mm),
        _p(_("Monthly analysis report"), "h1"),
        Spacer(1, 6 * mm),
        _p(content.unit.name, "h1"),
        Spacer(1, 3 * mm),
        _p(_("Month: %(month)s") % {"month": f"{content.month:%Y-%m}"}, "h2"),
        _p(
            _("Generated at %(at)s (%(zone)s)")
            % {
                "at": f"{timezone.localtime(generated_at):%Y-%m-%d %H:%M}",
                "zone": settings.TIME_ZONE,
            },
            "small",
        ),
        Spacer(1, 12 * mm),
        _left(_table([_("In short"), ""], [[k, _p(v, "head")] for k, v in facts], [70, 40])),
        Spacer(1, 12 * mm),
        _p(
            _(
                "Every figure is computed from the record as the reports dashboard computes it, "
                "for the unit and every station beneath it; shares count each incident against "
                "its own clock. Median, P90 and P97: half, nine in ten and 97 in 100 took no "
                "longer."
            ),
            "small",
        ),
        PageBreak(),
    ]


def _station_page(section: Section, content: MonthContent) -> list[Flowable]:
    parent = section.unit.parent
    return [
        PageBreak(),
        _p(section.unit.name, "h1"),
        _p(
            " · ".join(filter(None, [parent.name if parent else "", f"{content.month:%Y-%m}"])),
            "small",
        ),
        _p(_("Figures of the station"), "h2"),
        figures_table(section.figures),
        *worst_block(section),
    ]


def report_pdf(content: MonthContent, *, generated_at: datetime) -> tuple[bytes, int]:
    """The PDF and its number of pages."""
    month = f"{content.month:%Y-%m}"
    title = _("Monthly analysis report")
    footer = f"{content.unit.name} · {month} · {title}"
    page_word = _("page %(n)s")

    def on_page(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFillColor(MUTED)
        canvas.setFont("Helvetica" if _latin(footer) else CJK_FONT, 7.5)
        canvas.drawString(15 * mm, 9 * mm, footer)
        number_text = page_word % {"n": doc.page}
        canvas.setFont("Helvetica" if _latin(number_text) else CJK_FONT, 7.5)
        canvas.drawRightString(A4[0] - 15 * mm, 9 * mm, number_text)
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=14 * mm,
        bottomMargin=16 * mm,
        title=f"{title} {content.unit.name} {month}",
    )
    story: list[Flowable] = [
        *_cover(content, generated_at),
        _p(_("Headline figures of the month"), "h1"),
        _p(_("%(unit)s, %(month)s") % {"unit": content.unit.name, "month": month}, "small"),
        Spacer(1, 3 * mm),
        figures_table(
            [f for f in content.overview.figures if f.spec.source.name != "phone"], notes=True
        ),
        *_phone_line(content.overview.figures),
        PageBreak(),
        _p(_("Charts"), "h1"),
        Spacer(1, 3 * mm),
    ]
    if content.by_station is not None:
        story += [charts.arrival_by_station(content.by_station), Spacer(1, 4 * mm)]
    story += [
        charts.calls_per_day(content.calls_per_day),
        Spacer(1, 4 * mm),
        charts.arrival_histogram(content.arrival_bands),
        PageBreak(),
        _p(_("Worst cases"), "h1"),
        *worst_block(content.overview),
    ]
    for section in content.stations:
        story += _station_page(section, content)
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue(), doc.page
