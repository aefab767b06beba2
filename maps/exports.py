"""An incident's timeline as CSV and XLSX (the events), JSON (everything) and a printable PDF.

All four are made from the one `Timeline` the replay page shows, so what a safety manager
files is what they saw. Times are local, ISO 8601 with their offset, to the second (in the
XLSX, local spreadsheet date-times, which Excel sorts and filters).

Made to open anywhere Chinese is read: the CSV starts with a UTF-8 byte-order mark (Excel on
Chinese Windows reads a CSV without one as GBK and garbles it), and the PDF embeds the subset of
a CJK font it draws with (a viewer without CJK data showed an address as '4111302').
"""

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from functools import cache, partial
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext, pgettext_lazy
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from dispatch.choices import Hazard
from dispatch.services.notes import NOTE_KIND
from gis.models import OrgUnit
from maps.timeline import Event, Timeline
from maps.timeline_words import clock, duration_text

CSV_COLUMNS = [
    "seq",
    "server_time",
    "device_time",
    "device_minus_server_s",
    "since_first_call",
    "kind",
    "event",
    "detail",
    "actor",
    "lon",
    "lat",
    "call_id",
    "work_order_id",
    "data",
]
# The headings as a reader of the file sees them: in English the column codes themselves (what
# scripts reading the files key on), in Chinese words.
CSV_HEADINGS = {
    "seq": pgettext_lazy("timeline export column", "seq"),
    "server_time": pgettext_lazy("timeline export column", "server_time"),
    "device_time": pgettext_lazy("timeline export column", "device_time"),
    "device_minus_server_s": pgettext_lazy("timeline export column", "device_minus_server_s"),
    "since_first_call": pgettext_lazy("timeline export column", "since_first_call"),
    "kind": pgettext_lazy("timeline export column", "kind"),
    "event": pgettext_lazy("timeline export column", "event"),
    "detail": pgettext_lazy("timeline export column", "detail"),
    "actor": pgettext_lazy("timeline export column", "actor"),
    "lon": pgettext_lazy("timeline export column", "lon"),
    "lat": pgettext_lazy("timeline export column", "lat"),
    "call_id": pgettext_lazy("timeline export column", "call_id"),
    "work_order_id": pgettext_lazy("timeline export column", "work_order_id"),
    "data": pgettext_lazy("timeline export column", "data"),
}
# A spreadsheet runs a cell that starts with one of these as a formula; callers type addresses
# and notes, so free text is defused with a leading apostrophe (OWASP's advice for CSV).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_WIDTHS = (5, 19, 19, 8, 10, 22, 22, 60, 18, 11, 11, 8, 8, 40)  # characters, per column


def csv_headings() -> list[str]:
    """The heading row, in the language in use."""
    return [str(CSV_HEADINGS[c]) for c in CSV_COLUMNS]


def station_names(timeline: Timeline) -> dict[str, str]:
    """The names of the stations the recommendations name by code: a person reads names."""
    codes = {c.get("station_code") for o in timeline.offers for c in o.crews}
    codes.discard(None)
    if not codes:
        return {}
    return dict(OrgUnit.objects.filter(code__in=codes).values_list("code", "name"))


def file_name(timeline: Timeline, extension: str) -> str:
    return f"{timeline.incident.reference}-timeline.{extension}"


def _iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def _cell(text: str) -> str:
    return f"'{text}" if text.startswith(FORMULA_START) else text


def _hms(seconds: float) -> str:
    sign, total = ("-" if seconds < 0 else ""), round(abs(seconds))
    return f"{sign}{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"


def _notes(timeline: Timeline) -> list[Event]:
    """Staff notes, oldest first: timeline events like any other (their text is the summary),
    gathered too so a reader finds what the staff wrote without reading every line."""
    return [e for e in timeline.events if e.kind == NOTE_KIND]


def timeline_csv(timeline: Timeline) -> str:
    """One row per event, in order."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(csv_headings())
    for e in timeline.events:
        writer.writerow(
            [
                e.seq,
                _iso(e.at),
                _iso(e.device_time) or "",
                "" if e.device_offset_s is None else round(e.device_offset_s),
                _hms(e.since_call_s),
                e.kind,
                e.label,
                _cell(e.summary),
                _cell(e.actor),
                "" if e.lon is None else f"{e.lon:.6f}",
                "" if e.lat is None else f"{e.lat:.6f}",
                e.call_id or "",
                e.work_order_id or "",
                json.dumps(e.data, ensure_ascii=False, sort_keys=True),
            ]
        )
    return out.getvalue()


def timeline_csv_file(timeline: Timeline) -> bytes:
    """The CSV as the file served: UTF-8 behind a byte-order mark, the one sign Excel takes
    that a CSV is UTF-8 (without it, Excel on Chinese Windows reads GBK)."""
    return timeline_csv(timeline).encode("utf-8-sig")


def _xlsx_text(text: str) -> str:
    # openpyxl refuses the control characters XML cannot hold; a caller's text may have some.
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _xlsx_time(moment: datetime | None) -> datetime | None:
    # A spreadsheet date-time has no offset: the local wall clock, as the CSV's times read.
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def _xlsx_rows(timeline: Timeline) -> Iterator[list[Any]]:
    for e in timeline.events:
        yield [
            e.seq,
            _xlsx_time(e.at),
            _xlsx_time(e.device_time),
            None if e.device_offset_s is None else round(e.device_offset_s),
            _hms(e.since_call_s),
            e.kind,
            _xlsx_text(e.label),
            _xlsx_text(e.summary),
            _xlsx_text(e.actor),
            None if e.lon is None else round(e.lon, 6),
            None if e.lat is None else round(e.lat, 6),
            e.call_id,
            e.work_order_id,
            _xlsx_text(json.dumps(e.data, ensure_ascii=False, sort_keys=True)),
        ]


def timeline_xlsx(timeline: Timeline) -> bytes:
    """The CSV's rows and columns as an Excel workbook: Chinese needs no encoding guess, times
    are date-times. Text is stored as text, so an address typed as "=..." is never a formula
    (the CSV needs an apostrophe for that; here the cell's type says it)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has its one sheet
    sheet.title = _("Events")
    sheet.append(csv_headings())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in _xlsx_rows(timeline):
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # openpyxl would take a leading "=" for a formula
            elif isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
    for letter, width in zip("ABCDEFGHIJKLMN", XLSX_WIDTHS, strict=True):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def timeline_json(timeline: Timeline, *, exported_by: str, exported_at: datetime) -> dict[str, Any]:
    """Everything the replay shows, tracks included, as plain JSON."""
    i = timeline.incident
    return {
        "reference": i.reference,
        "exported_at": _iso(exported_at),
        "exported_by": exported_by,
        "incident": {
            "reference": i.reference,
            "category": i.category,
            "category_label": i.category_label,
            "priority": i.priority,
            "status": i.status,
            "status_label": i.get_status_display(),
            "address": i.address_text,
            "station": i.station.code,
            "station_name": i.station.name,
            "main": i.segment.asset_id if i.segment else None,
            "hazards": i.hazards,
            "reports": i.report_count,
            "created_at": _iso(i.created_at),
            "point": {"lon": round(i.point.x, 7), "lat": round(i.point.y, 7)},
        },
        # As the exporter may read them: "(hidden)" for a role that takes no calls (the
        # timeline was built for them, dispatch.redaction).
        "calls": [
            {
                "id": c.id,
                "received_at": _iso(c.received_at),
                "channel": c.channel,
                "phone": c.caller_phone,
                "caller": c.caller_name,
                "address": c.address_text,
                "outcome": c.outcome,
                "description": c.description,
            }
            for c in timeline.calls
        ],
        "notes": [
            {"event": e.id, "at": _iso(e.at), "by": e.actor, "text": e.summary}
            for e in _notes(timeline)
        ],
        "stages": [
            {
                "name": s.name,
                "milestone": s.milestone,
                "start": _iso(s.start),
                "end": _iso(s.end),
                "seconds": s.seconds,
                "sla_due_at": _iso(s.due_at),
                "sla_allowed_seconds": s.allowed_s,
                "breached_at": _iso(s.breached_at),
                "verdict": s.verdict,
                # The verdict as a person must read it: an arrival's with what backs it.
                "verdict_text": s.verdict_text,
                "arrival_verified": s.arrival_verified,
                "arrival_evidence": s.arrival,
                "margin_seconds": s.margin_s,
            }
            for s in timeline.stages
        ],
        "recommendations": [
            {
                "event": o.event_id,
                "at": _iso(o.at),
                "asked_by": o.actor,
                "chosen_crew_id": o.chosen_crew_id,
                "crews": o.crews,
            }
            for o in timeline.offers
        ],
        "crews": [
            {
                "work_order": c.work_order_id,
                "crew_id": c.crew_id,
                "crew": c.crew,
                "station": c.station,
                "vehicle": c.vehicle,
                "status": c.status,
                "assigned_at": _iso(c.assigned_at),
                "assigned_by": c.assigned_by,
                "recommended_rank": c.rank,
                "offered_eta_seconds": c.offered_eta_s,
                "arrived_at": _iso(c.arrived_at),
                "arrival_verified": c.arrival_verified,
                "arrival_evidence": c.arrival_evidence,
                "arrival_mark": c.arrival_mark,
                "travel_seconds": c.travel_s,
            }
            for c in timeline.crews
        ],
        "events": [
            {
                "seq": e.seq,
                "id": e.id,
                "at": _iso(e.at),
                "device_time": _iso(e.device_time),
                "since_first_call_seconds": e.since_call_s,
                "kind": e.kind,
                "label": e.label,
                "summary": e.summary,
                "actor": e.actor,
                "point": None if e.lon is None else {"lon": e.lon, "lat": e.lat},
                "call": e.call_id,
                "work_order": e.work_order_id,
                "data": e.data,
            }
            for e in timeline.events
        ],
        "tracks": [
            {
                "work_order": t.work_order_id,
                "crew": t.crew,
                "vehicle": t.vehicle,
                "fixes": [
                    [_iso(f.at), round(f.lon, 7), round(f.lat, 7), f.speed_kmh, f.course_deg]
                    for f in t.fixes
                ],
                "fix_columns": ["at", "lon", "lat", "speed_kmh", "course_deg"],
            }
            for t in timeline.tracks
        ],
    }


# PDF ------------------------------------------------------------------------------------------

HAZARDS = dict(Hazard.choices)
# Chinese is drawn in a TrueType font embedded in the file, as a subset of the glyphs used: an
# Adobe CID font (STSong-Light, before) is not embedded, and a viewer without Adobe's CJK data
# showed digits for the characters. reportlab embeds only TrueType (glyf) outlines, so Debian's
# Noto CJK (fonts-noto-cjk: CFF outlines, "postscript outlines are not supported") cannot serve;
# WenQuanYi Micro Hei (fonts-wqy-microhei) is TrueType, a sans serif beside Helvetica, with
# every GB 2312 character and more. After it, Debian's other TrueType CJK fonts
# (fonts-wqy-zenhei, fonts-arphic-uming), for a machine that has one of those instead.
CJK_FONT = "CJK"
CJK_FONT_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
INK, MUTED, RULE, BAD, GOOD, DOUBT = (
    colors.HexColor(c) for c in ("#111111", "#555555", "#bbbbbb", "#b00020", "#106b3a", "#9a5b00")
)
VERDICT_COLOUR = {"on time": GOOD, "late": BAD, "breached": BAD, "overdue": BAD}


def cjk_font_path() -> Path:
    """The CJK font file: settings.PDF_CJK_FONT if set, else the first Debian one installed."""
    if settings.PDF_CJK_FONT:
        path = Path(settings.PDF_CJK_FONT)
        if not path.is_file():
            raise ImproperlyConfigured(
                _("PDF_CJK_FONT names %(path)s, which is not a file.") % {"path": path}
            )
        return path
    for candidate in map(Path, CJK_FONT_PATHS):
        if candidate.is_file():
            return candidate
    raise ImproperlyConfigured(
        _(
            "No CJK font for the PDF exports: install Debian's fonts-wqy-microhei "
            "(scripts/bootstrap.sh does) or set PDF_CJK_FONT to a TrueType font file. "
            "Looked in: %(paths)s."
        )
        % {"paths": ", ".join(CJK_FONT_PATHS)}
    )


@cache
def _styles() -> dict[str, ParagraphStyle]:
    # subfontIndex 0: the first face of a collection (.ttc), the proportional one.
    pdfmetrics.registerFont(TTFont(CJK_FONT, cjk_font_path(), subfontIndex=0))
    base = ParagraphStyle("base", fontName="Helvetica", fontSize=8.5, leading=10.5, textColor=INK)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9, textColor=MUTED),
        "head": ParagraphStyle("head", parent=base, fontName="Helvetica-Bold", fontSize=8),
        "h1": ParagraphStyle("h1", parent=base, fontName="Helvetica-Bold", fontSize=17, leading=21),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName="Helvetica-Bold",
            fontSize=11.5,
            leading=14,
            spaceBefore=9,
            spaceAfter=4,
            alignment=TA_LEFT,
        ),
    }


def _latin(text: str) -> bool:
    """Whether Helvetica can draw it: it only has the Windows-1252 characters."""
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _markup(text: object) -> str:
    """Escaped for Paragraph, with what Helvetica cannot draw (Chinese addresses, arrows) set
    in the CJK font."""
    out, run = [], []
    for ch in escape(str(text)):
        if not _latin(ch):
            run.append(ch)
            continue
        if run:
            out.append(f'<font name="{CJK_FONT}">{"".join(run)}</font>')
            run = []
        out.append(ch)
    if run:
        out.append(f'<font name="{CJK_FONT}">{"".join(run)}</font>')
    return "".join(out)


def _p(text: object, style: str = "base", colour: colors.Color | None = None) -> Paragraph:
    markup = _markup(text)
    if colour is not None:
        markup = f'<font color="{colour.hexval()}">{markup}</font>'
    return Paragraph(markup, _styles()[style])


def _table(header: list[str], rows: list[list[Any]], widths: list[float]) -> Table:
    cells = [[_p(h, "head") for h in header]]
    cells += [[c if isinstance(c, Flowable) else _p(c) for c in row] for row in rows]
    table = Table(cells, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ]
        )
    )
    return table


def _facts(timeline: Timeline) -> Table:
    i = timeline.incident
    first, calls = timeline.first_call_at, len(timeline.calls)
    pairs = [
        (_("Category"), i.category_label),
        (_("Priority"), f"P{i.priority}"),
        (_("Status"), i.get_status_display()),
        (_("Station"), i.station.name),
        (_("Address"), i.address_text or "-"),
        (_("Main"), i.segment.asset_id if i.segment else "-"),
        (
            _("First call"),
            ngettext("%(at)s (%(n)s call)", "%(at)s (%(n)s calls)", calls)
            % {"at": clock(first, date=True), "n": calls},
        ),
        (
            _("Hazards"),
            _("; ").join(str(HAZARDS.get(h, h)) for h in i.hazards) or _("none reported"),
        ),
    ]
    rows = [[_p(k, "head"), _p(v)] for k, v in pairs]
    table = Table(rows, colWidths=[28 * mm, 152 * mm])
    table.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 1)])
    )
    return table


def _stages(timeline: Timeline) -> Table:
    at = partial(clock, day_of=timeline.first_call_at)
    rows = []
    for s in timeline.stages:
        due = "-"
        if s.due_at:
            due = _("%(due)s (%(allowed)s from the call)") % {
                "due": at(s.due_at),
                "allowed": duration_text(s.allowed_s),
            }
        margin = ""
        if s.margin_s is not None and s.verdict in ("on time", "late"):
            time = duration_text(abs(s.margin_s))
            margin = (
                pgettext("after a verdict", ": %(time)s to spare")
                if s.margin_s >= 0
                else pgettext("after a verdict", ": %(time)s late")
            ) % {"time": time}
        rows.append(
            [
                s.name,
                _("%(start)s to %(end)s") % {"start": at(s.start), "end": at(s.end) or "..."},
                duration_text(s.seconds) or "-",
                due,
                _p(
                    s.verdict_text + margin,
                    # An arrival nothing backs is not shown in the colour of a met clock.
                    colour=DOUBT if s.arrival_verified is False else VERDICT_COLOUR.get(s.verdict),
                ),
            ]
        )
    header = [_("Stage"), _("From - to"), _("Took"), _("SLA due"), _("Result")]
    return _table(header, rows, [38, 36, 26, 44, 36])


def _crews(timeline: Timeline) -> list[Flowable]:
    at = partial(clock, day_of=timeline.first_call_at)
    rows = [
        [
            f"{c.crew} ({c.vehicle or _('no van')})",
            c.station,
            _("%(at)s by %(by)s") % {"at": at(c.assigned_at), "by": c.assigned_by},
            f"#{c.rank}" if c.rank else _("not from a list"),
            duration_text(c.offered_eta_s) or "-",
            " ".join(filter(None, (at(c.arrived_at), c.arrival_mark and f"({c.arrival_mark})")))
            or "-",
            duration_text(c.travel_s) or "-",
            c.status,
        ]
        for c in timeline.crews
    ]
    if not rows:
        return [_p(_("No crew was sent."))]
    header = [
        _("Crew (van)"),
        _("Station"),
        _("Assigned"),
        _("Offered"),
        _("ETA offered"),
        _("Arrived"),
        _("Drive"),
        _("Status"),
    ]
    return [_table(header, rows, [30, 24, 26, 13, 16, 33, 16, 22])]


def _offers(timeline: Timeline) -> list[Flowable]:
    at = partial(clock, day_of=timeline.first_call_at)
    if not timeline.offers:
        return [_p(_("No recommendation was asked for."))]
    stations = station_names(timeline)
    out: list[Flowable] = []
    for o in timeline.offers:
        rows = [
            [
                f"#{c.get('rank')}",
                c.get("crew_name", ""),
                stations.get(c.get("station_code", ""), c.get("station_code", "")),
                duration_text(c.get("eta_seconds")),
                f"{(c.get('distance_m') or 0) / 1000:.1f} km",
                c.get("reason", ""),
                _p(_("chosen"), "head", GOOD) if c.get("crew_id") == o.chosen_crew_id else "",
            ]
            for c in o.crews
        ]
        offered = ngettext(
            "%(at)s, asked by %(by)s: %(n)s crew offered",
            "%(at)s, asked by %(by)s: %(n)s crews offered",
            len(o.crews),
        ) % {"at": at(o.at), "by": o.actor, "n": len(o.crews)}
        title = _p(offered, "head")
        table = _table(
            [_("Rank"), _("Crew"), _("Station"), "ETA", _("Distance"), _("Why"), ""],
            rows,
            [11, 24, 20, 18, 16, 76, 15],
        )
        out.append(KeepTogether([title, Spacer(1, 1.5 * mm), table, Spacer(1, 3 * mm)]))
    return out


def _events(timeline: Timeline) -> Table:
    at = partial(clock, day_of=timeline.first_call_at)
    rows = []
    for e in timeline.events:
        device = ""
        if e.device_offset_s is not None:
            device = f"{at(e.device_time)} ({e.device_offset_s:+.0f} s)"
        rows.append(
            [
                e.seq,
                at(e.at),
                _hms(e.since_call_s),
                _p(e.label, "head"),
                e.summary,
                e.actor,
                device,
            ]
        )
    header = [
        "#",
        _("Server time"),
        _("Since call"),
        pgettext("one timeline event", "Event"),
        _("Detail"),
        _("Actor"),
        _("Device time"),
    ]
    return _table(header, rows, [8, 17, 15, 29, 66, 20, 25])


def _notes_table(timeline: Timeline) -> list[Flowable]:
    notes = _notes(timeline)
    if not notes:
        return []
    at = partial(clock, day_of=timeline.first_call_at)
    rows = [[at(e.at), e.actor, _p(e.summary)] for e in notes]
    header = [_("Time"), pgettext("who wrote a note", "By"), pgettext("a staff note", "Note")]
    title = _("Notes (%(n)s)") % {"n": len(notes)}
    return [_p(title, "h2"), _table(header, rows, [17, 25, 138])]


def timeline_pdf(timeline: Timeline, *, exported_by: str, exported_at: datetime) -> bytes:
    """A4, for filing and printing: facts, the stages against the SLA, the crews offered and
    sent, every event; the reference and page number on every page."""
    reference = timeline.incident.reference
    footer = _("%(reference)s · exported %(at)s by %(by)s") % {
        "reference": reference,
        "at": clock(exported_at, date=True),
        "by": exported_by,
    }
    page_word = _("page %(n)s")

    def on_page(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        # An exporter with a Chinese name: the whole line in the CJK font.
        canvas.setFont("Helvetica" if _latin(footer) else CJK_FONT, 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(15 * mm, 9 * mm, footer)
        number = page_word % {"n": doc.page}
        canvas.setFont("Helvetica" if _latin(number) else CJK_FONT, 7.5)
        canvas.drawRightString(A4[0] - 15 * mm, 9 * mm, number)
        canvas.restoreState()

    title = _("Incident timeline %(reference)s") % {"reference": reference}
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=14 * mm,
        bottomMargin=16 * mm,
        title=title,
        author=exported_by,
    )
    story: list[Flowable] = [
        _p(title, "h1"),
        _p(
            _("Times are %(zone)s, server clock unless marked as the device's.")
            % {"zone": settings.TIME_ZONE},
            "small",
        ),
        Spacer(1, 3 * mm),
        _facts(timeline),
        *_notes_table(timeline),
        _p(_("Response against the SLA"), "h2"),
        _stages(timeline),
        _p(_("Crew sent"), "h2"),
        *_crews(timeline),
        _p(_("Recommendations offered"), "h2"),
        *_offers(timeline),
        _p(_("Events (%(n)s)") % {"n": len(timeline.events)}, "h2"),
        _events(timeline),
    ]
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()
