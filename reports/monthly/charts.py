"""The report's charts, drawn with reportlab.graphics (vectors in the PDF, no image files):
arrival within the clock per station, calls received per day, arrival times in bands. Every
label is set in the embedded CJK font, which has the Latin letters and digits too, so a
station's Chinese name never shows as empty boxes."""

from datetime import date

from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm

from maps.exports import CJK_FONT, _styles
from reports.figures import Figure
from reports.monthly.content import BAND_MINUTES, BANDS

WIDTH = 180 * mm
HEIGHT = 62 * mm
BAR, LINE, MISSED, TARGET = (
    colors.HexColor(c) for c in ("#2f6db5", "#2f6db5", "#b00020", "#106b3a")
)
FONT_SIZE = 7


def _drawing(title: str) -> Drawing:
    _styles()  # registers the CJK font (maps.exports) before anything is drawn in it
    drawing = Drawing(WIDTH, HEIGHT)
    drawing.add(String(0, HEIGHT - 9, title, fontName=CJK_FONT, fontSize=9))
    return drawing


def _axes_font(chart: VerticalBarChart | HorizontalLineChart) -> None:
    for labels in (chart.categoryAxis.labels, chart.valueAxis.labels):
        labels.fontName = CJK_FONT
        labels.fontSize = FONT_SIZE


def _place(chart: VerticalBarChart | HorizontalLineChart, *, bottom: float) -> None:
    """Inside the drawing: room for the value labels left, the category labels below, the
    title above."""
    chart.x, chart.y = 12 * mm, bottom
    chart.width, chart.height = WIDTH - 16 * mm, HEIGHT - bottom - 12 * mm


def _step(top: float) -> float:
    """A round step giving four to eight ticks up to `top`."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if top / step <= 8:
            return step
    return max(1.0, round(top / 8))


def arrival_by_station(figure: Figure) -> Drawing:
    """The share of arrivals within their clock, per station, in percent."""
    drawing = _drawing(_("Arrival within the SLA clock, by station (%)"))
    rows = [r for r in figure.rows if r.key is not None and r.count]
    if not rows:
        drawing.add(
            String(
                0,
                HEIGHT / 2,
                _("No arrival was due this month."),
                fontName=CJK_FONT,
                fontSize=FONT_SIZE + 1,
            )
        )
        return drawing
    chart = VerticalBarChart()
    _place(chart, bottom=14 * mm)
    chart.data = [[round(100 * (r.share or 0), 1) for r in rows]]
    chart.categoryAxis.categoryNames = [r.label[:14] for r in rows]
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.bars[0].fillColor = BAR
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = "%.1f"
    chart.barLabels.fontName = CJK_FONT
    chart.barLabels.fontSize = FONT_SIZE
    chart.barLabels.nudge = 5
    chart.categoryAxis.labels.boxAnchor = "n"
    _axes_font(chart)
    drawing.add(chart)
    return drawing


def calls_per_day(days: list[tuple[date, int]]) -> Drawing:
    drawing = _drawing(_("Calls received per day"))
    chart = HorizontalLineChart()
    _place(chart, bottom=12 * mm)
    counts = [c for _d, c in days]
    chart.data = [counts or [0]]
    # Every day's number would crowd the axis: the 1st, every fifth day and the last.
    chart.categoryAxis.categoryNames = [
        str(d.day) if d.day == 1 or d.day % 5 == 0 or n == len(days) - 1 else ""
        for n, (d, _c) in enumerate(days)
    ]
    top = max(counts, default=0) or 1
    chart.valueAxis.valueMin, chart.valueAxis.valueStep = 0, _step(top)
    chart.valueAxis.valueMax = chart.valueAxis.valueStep * (top // chart.valueAxis.valueStep + 1)
    chart.lines[0].strokeColor = LINE
    chart.lines[0].strokeWidth = 1.5
    chart.joinedLines = 1
    _axes_font(chart)
    drawing.add(chart)
    return drawing


def band_names() -> list[str]:
    names = [f"{n * BAND_MINUTES}-{(n + 1) * BAND_MINUTES}" for n in range(BANDS)]
    return [*names, _("%(n)s+") % {"n": BANDS * BAND_MINUTES}]


def arrival_histogram(bands: list[int]) -> Drawing:
    drawing = _drawing(_("Time to arrive: incidents per band of minutes"))
    chart = VerticalBarChart()
    _place(chart, bottom=12 * mm)
    chart.data = [bands]
    chart.categoryAxis.categoryNames = band_names()
    top = max(bands, default=0) or 1
    chart.valueAxis.valueMin, chart.valueAxis.valueStep = 0, _step(top)
    chart.valueAxis.valueMax = chart.valueAxis.valueStep * (top // chart.valueAxis.valueStep + 1)
    chart.bars[0].fillColor = BAR
    chart.bars[0].strokeColor = None
    chart.barSpacing = 1
    _axes_font(chart)
    drawing.add(chart)
    return drawing
