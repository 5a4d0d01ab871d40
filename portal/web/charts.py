"""Geometry for server-side SVG charts; templates/admin/_charts.html draws it, no JavaScript."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from math import floor, log10
from typing import TYPE_CHECKING

from flask_babel import gettext as _

from .formatting import daymonth

if TYPE_CHECKING:
    from ..services.feedback_reports import Tally
    from ..services.reports import Week

WIDTH, HEIGHT = 480, 270
# Room for the legend above and, below the axis, a second series' values and the week labels.
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 44, 48
INSIDE_MIN = 16  # a stacked part shorter than this has no room for its number inside


@dataclass(frozen=True)
class Tick:
    y: float
    text: str


@dataclass(frozen=True)
class Mark:
    """One bar or point: where it goes and the value written beside it."""

    x: float
    y: float
    width: float
    text: str
    height: float = 0  # stacked parts only: bars of a plain bar chart stand on the baseline


@dataclass(frozen=True)
class Series:
    name: str
    index: int  # picks the pattern, dash style and marker shape, so colour is never alone
    marks: list[Mark]
    path: str = ""  # the line through the points; gaps where a week has no value


@dataclass(frozen=True)
class Chart:
    id: str
    kind: str  # "bar", "stack" (one bar of stacked parts per label) or "line"
    title: str
    summary: str
    ticks: list[Tick]
    labels: list[Mark]
    series: list[Series]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    baseline: int = HEIGHT - BOTTOM
    top: int = TOP
    totals: list[Mark] = field(default_factory=list)  # written above stacked bars
    palette: str = ""  # a CSS modifier: "verdict" colours good to bad, patterns unchanged

    @property
    def legend(self) -> list[tuple[float, Series]]:
        """Legend entries left to right, spaced by the length of their names."""
        x, found = float(LEFT), []
        for s in self.series:
            found.append((x, s))
            x += 40 + 9 * len(s.name)
        return found


def nice_step(top: float, whole: bool = False) -> float:
    """A round tick step (1, 2, 2.5 or 5 × 10ⁿ) so four steps reach at least `top`."""
    if top <= 0:
        return 1.0
    raw = top / 4
    scale = 10 ** floor(log10(raw))
    step = next(m * scale for m in (1, 2, 2.5, 5, 10) if raw <= m * scale)
    return max(step, 1.0) if whole else step


def _scale(values: Sequence[float | None], fixed_top: float | None,
           whole: bool) -> tuple[float, float]:
    top = fixed_top or max([v for v in values if v is not None] or [0])
    step = fixed_top / 4 if fixed_top else nice_step(top, whole)
    return step, step * 4


def _y(value: float, top: float) -> float:
    return round(HEIGHT - BOTTOM - value / top * (HEIGHT - BOTTOM - TOP), 1)


def _slots(count: int) -> tuple[float, list[float]]:
    width = (WIDTH - RIGHT - LEFT) / max(count, 1)
    return width, [LEFT + width * i for i in range(count)]


def _axes(labels: Sequence[str], step: float, top: float,
          fmt: Callable[[float], str]) -> tuple[list[Tick], list[Mark]]:
    width, xs = _slots(len(labels))
    ticks = [Tick(_y(step * i, top), fmt(step * i)) for i in range(5)]
    xlabels = [Mark(round(x + width / 2, 1), HEIGHT - 6, 0, t)
               for x, t in zip(xs, labels, strict=True)]
    return ticks, xlabels


def bar_chart(id: str, title: str, summary: str, labels: Sequence[str],
              series: Sequence[tuple[str, Sequence[int]]]) -> Chart:
    """Grouped bars of whole numbers, one group per label, each bar labelled with its value."""
    step, top = _scale([v for _, values in series for v in values], None, whole=True)
    ticks, xlabels = _axes(labels, step, top, lambda v: f"{v:g}")
    width, xs = _slots(len(labels))
    bar = (width - 10) / max(len(series), 1)
    drawn = []
    for index, (name, values) in enumerate(series):
        marks = [Mark(round(x + 5 + bar * index, 1), _y(v, top), round(bar - 2, 1), str(v))
                 for x, v in zip(xs, values, strict=True)]
        drawn.append(Series(name, index, marks))
    return Chart(id, "bar", title, summary, ticks, xlabels, drawn)


def stacked_chart(id: str, title: str, summary: str, labels: Sequence[str],
                  series: Sequence[tuple[str, Sequence[int]]], palette: str = "") -> Chart:
    """One bar per label, its parts stacked from the baseline up, each total written on top.

    A part is numbered inside only if it is tall enough and not alone (then the total says it).
    """
    columns = list(zip(*(values for _, values in series), strict=True))
    totals = [sum(column) for column in columns]
    alone = [sum(1 for v in column if v) == 1 for column in columns]
    step, top = _scale(totals, None, whole=True)
    ticks, xlabels = _axes(labels, step, top, lambda v: f"{v:g}")
    width, xs = _slots(len(labels))
    bar, below, drawn = round(width * 0.64, 1), [0] * len(labels), []
    for index, (name, values) in enumerate(series):
        marks = []
        for i, (x, v) in enumerate(zip(xs, values, strict=True)):
            if v:
                y, floor_y = _y(below[i] + v, top), _y(below[i], top)
                height = round(floor_y - y, 1)
                inside = height >= INSIDE_MIN and not alone[i]
                marks.append(Mark(round(x + (width - bar) / 2, 1), y, bar,
                                  str(v) if inside else "", height))
            below[i] += v
        drawn.append(Series(name, index, marks))
    written = [Mark(label.x, _y(total, top) - 4, 0, str(total))
               for label, total in zip(xlabels, totals, strict=True) if total]
    return Chart(id, "stack", title, summary, ticks, xlabels, drawn, totals=written,
                 palette=palette)


def line_chart(id: str, title: str, summary: str, labels: Sequence[str],
               series: Sequence[tuple[str, Sequence[float | None]]],
               fmt: Callable[[float], str], fixed_top: float | None = None) -> Chart:
    """Lines with a marker and a written value at every point; a missing value breaks the line."""
    step, top = _scale([v for _, values in series for v in values], fixed_top, whole=False)
    ticks, xlabels = _axes(labels, step, top, fmt)
    drawn = []
    for index, (name, values) in enumerate(series):
        marks, path, pen_down = [], [], False
        for label, v in zip(xlabels, values, strict=True):
            if v is None:
                pen_down = False
                continue
            y = _y(v, top)
            path.append(f"{'L' if pen_down else 'M'}{label.x} {y}")
            marks.append(Mark(label.x, y, 0, fmt(v)))
            pen_down = True
        drawn.append(Series(name, index, marks, " ".join(path)))
    return Chart(id, "line", title, summary, ticks, xlabels, drawn)


def duration_unit(spans: Sequence[timedelta | None]) -> tuple[timedelta, str]:
    """Hours for short spans, days once the longest passes three days."""
    longest = max([s for s in spans if s is not None] or [timedelta()])
    return (timedelta(days=1), "d") if longest >= timedelta(days=3) else (timedelta(hours=1), "h")


def _in(unit: timedelta, spans: Sequence[timedelta | None]) -> list[float | None]:
    return [None if s is None else s / unit for s in spans]


def week_labels(starts: Sequence[date], every: int = 1) -> list[str]:
    """'5 Oct', '12', '19', '26', '2 Nov': the month only where it changes, to stay short.

    With `every` above 1 only every so many weeks is labelled, so long periods stay legible.
    """
    shown = starts[::every]
    texts = [daymonth(d) if i == 0 or d.month != shown[i - 1].month else str(d.day)
             for i, d in enumerate(shown)]
    return [texts[i // every] if i % every == 0 else "" for i in range(len(starts))]


def trends(weeks: Sequence[Week]) -> list[Chart]:
    """The dashboard's three trends: cases in and out, promises kept, time to resolve."""
    labels = week_labels([w.start for w in weeks])
    unit, symbol = duration_unit([w.resolution for w in weeks])
    return [
        bar_chart("trend-flow", _("Cases opened and resolved per week"),
                  _("Opened (solid bars) beside resolved (hatched bars), week by week."), labels,
                  [(_("Opened"), [w.opened for w in weeks]),
                   (_("Resolved"), [w.resolved for w in weeks])]),
        line_chart("trend-promises", _("Promises kept on time per week"),
                   _("Share of the promises that came due each week and were kept on time."),
                   labels, [(_("Kept on time"), [w.keeping.percent for w in weeks])],
                   lambda v: f"{v:.0f}%", fixed_top=100),
        line_chart("trend-resolution", _("Median time to resolution per week"),
                   _("Opened to resolved on the customer's clock (solid line, circles) and the "
                     "part spent waiting on the customer (dashed line, squares)."), labels,
                   [(_("Opened to resolved"), _in(unit, [w.resolution for w in weeks])),
                    (_("Waiting on the customer"),
                     _in(unit, [w.waiting if w.resolution else None for w in weeks]))],
                   lambda v: f"{v:.1f}".removesuffix(".0") + f" {symbol}"),
    ]


def feedback_trends(weeks: Sequence[tuple[date, Tally]], histogram: Sequence[int],
                    bands: Sequence[tuple[int, int]]) -> list[Chart]:
    """The feedback dashboard's charts: answers and ratings by week, all ratings, loops closed."""
    # More than eight weeks: label every other (or fourth) week, so phones can read them.
    labels = week_labels([start for start, _ in weeks], every=1 + (len(weeks) - 1) // 8)
    tallies = [t for _, t in weeks]
    return [
        stacked_chart("feedback-answers", _("“Did we solve it?” answers per week"),
                      _("Yes (solid), Partly (hatched) and No (dotted) stacked in that order; "
                        "the week's total is written on top."), labels,
                      [(_("Yes"), [t.yes for t in tallies]),
                       (_("Partly"), [t.partly for t in tallies]),
                       (_("No"), [t.no for t in tallies])], palette="verdict"),
        stacked_chart("feedback-ratings", _("Ratings per week"),
                      _("Ratings of 9–10 (solid), 7–8 (hatched) and 0–6 (dotted) stacked in "
                        "that order; the number of ratings is written on top."), labels,
                      [(f"{low}–{high}", [t.bands[i] for t in tallies])
                       for i, (low, high) in enumerate(bands)], palette="verdict"),
        bar_chart("feedback-histogram", _("Ratings from 0 to 10, whole period"),
                  _("How many answers gave each rating, 0 on the left to 10 on the right."),
                  [str(n) for n in range(11)], [(_("Answers"), list(histogram))]),
        line_chart("feedback-loops", _("Unhappy answers followed up within target, per week"),
                   _("Share of the unhappy answers of each week whose follow-up was completed "
                     "by its due time, counting those that came due."), labels,
                   [(_("Within target"), [t.loops.percent for t in tallies])],
                   lambda v: f"{v:.0f}%", fixed_top=100),
    ]
