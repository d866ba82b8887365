"""The dashboard's charts: each one a Plotly figure and the table of the same numbers
(shown under the chart and exported to Excel), all from app.stats.rollups.

``CHARTS`` is the one registration of a chart: its name maps to the function building
it from a ``ChartContext`` (the region, range and jurisdiction of the request). The
dashboard shows one placeholder per entry, in this order, and the browser fetches each
chart (``/stats/chart/<name>``) as it scrolls into view; the export reads the same entry.
Adding a chart is adding one line there."""
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Optional

import json

import plotly.graph_objects as go
from flask import url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l

from app.reporting import compliance
from app.stats import rollups
from app.filings.labels import TRANSPORT_LABELS
from models.crossmatch import FINDING_KIND_LABELS, FINDING_KINDS
from models.region import LEVEL_LABELS

COUNT_LABELS = {
    "filings": _l("Filings"), "arrived": _l("Arrived"), "checked": _l("Checked"),
    "pending": _l("Not checked"), "overdue": _l("Overdue"), "risk_area": _l("From risk areas"),
    "late_notice": _l("Filed late"), "under_control": _l("Under control"),
    "not_arrived": _l("Not arrived"), "closed": _l("Closed"), "cancelled": _l("Cancelled"),
    "reports_expected": _l("Reports due"), "reports_on_time": _l("Reports on time"),
    "report_compliance": _l("On-time rate"),
}
REPORT_STATE_LABELS = {compliance.ON_TIME: _l("On time"), compliance.LATE: _l("Late"),
                       compliance.MISSING: _l("Missing"), compliance.NOT_DUE: _l("Not due yet"),
                       compliance.NOT_LIVE: _l("Not live yet")}
REPORT_STATE_VALUES = {compliance.MISSING: 0, compliance.LATE: 1, compliance.ON_TIME: 2}
TOP_ORIGINS = 15
COLORS = {"checked": "#2e7d32", "pending": "#f9a825", "overdue": "#c62828", "filings": "#1565c0",
          "arrived": "#00897b"}
DAY_TICKS = "%m-%d"  # month-day: the same in every language
FONT = "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, sans-serif"


@dataclass
class Chart:
    name: str
    title: str
    headers: list
    rows: list
    figure: Optional[go.Figure] = None
    links: list = field(default_factory=list)  # drill-down URL per row (or empty)
    note: Optional[str] = None
    link_column: int = 1  # the table column that carries the drill-down link

    @property
    def clickable(self) -> bool:
        """A click on a bar opens that region's dashboard (the bar's customdata)."""
        return any(self.links)

    def plot(self) -> Optional[dict]:
        """The figure as Plotly's JSON ({data, layout}), drawn by the browser; None
        for a chart that is only a table."""
        return None if self.figure is None else json.loads(self.figure.to_json())


class ChartContext:
    """One region and date range seen from a jurisdiction (the view resolves it); the
    rollup service's answers, each asked once."""

    def __init__(self, region_code: str, date_range: rollups.DateRange, jurisdiction: Optional[str], now=None):
        self.jurisdiction = jurisdiction
        self.region = rollups.visible_region(region_code, jurisdiction)
        self.date_range, self.now = date_range, now

    @cached_property
    def rollup(self) -> dict:
        return rollups.rollup(self.region.code, self.date_range, self.now, jurisdiction=self.jurisdiction)

    @cached_property
    def series(self) -> list[dict]:
        return rollups.daily_series(self.region.code, self.date_range, self.now, jurisdiction=self.jurisdiction)

    @cached_property
    def key_figures(self) -> dict:
        return rollups.key_figures(self.region.code, self.now, jurisdiction=self.jurisdiction)

    def link(self, code: str) -> str:
        return url_for("StatsDashboardView.dashboard", region=code, **{
            "from": self.date_range.start.isoformat(), "to": self.date_range.end.isoformat()})

    @property
    def child_label(self) -> str:
        return str(LEVEL_LABELS.get(self.region.level + 1, ""))


def _layout(figure: go.Figure, **extra) -> go.Figure:
    layout = dict(height=360, margin=dict(l=50, r=20, t=30, b=60), font=dict(family=FONT),
                  legend=dict(orientation="h", y=-0.2), plot_bgcolor="#fff")
    figure.update_layout(**{**layout, **extra})
    figure.update_yaxes(gridcolor="#eee", rangemode="tozero")
    return figure


def _count_headers(fields) -> list[str]:
    return [str(COUNT_LABELS[f]) for f in fields]


def _percent(value) -> Optional[str]:
    return None if value is None else f"{value * 100:.1f}%"


ROLLUP_FIELDS = ("filings", "arrived", "checked", "pending", "overdue", "risk_area", "late_notice",
                 "under_control", "not_arrived", "cancelled")
REPORT_FIELDS = compliance.REPORT_FIELDS


def children_chart(ctx: ChartContext) -> Chart:
    """One bar per child region (filings and arrived); a click opens the child."""
    children = ctx.rollup["children"]
    reports = ctx.rollup["total"]["reports_expected"] is not None
    fields = ROLLUP_FIELDS + (REPORT_FIELDS if reports else ())
    headers = [_("Code"), _("Name"), *_count_headers(fields)]

    def values(counts):
        return [_percent(counts[f]) if f == "report_compliance" else counts[f] for f in fields]

    rows = [[c["code"], c["name"], *values(c)] for c in children]
    rows.append(["", _("Total"), *values(ctx.rollup["total"])])
    links = [ctx.link(c["code"]) for c in children] + [None]
    figure = None
    if children:
        names, urls = [c["name"] for c in children], links[:-1]
        figure = go.Figure([go.Bar(name=str(COUNT_LABELS[f]), x=names, y=[c[f] for c in children],
                                   customdata=urls, marker_color=COLORS[f],
                                   hovertemplate="%{x}: %{y}<extra>" + str(COUNT_LABELS[f]) + "</extra>")
                            for f in ("filings", "arrived")])
        _layout(figure, barmode="group", xaxis_title=ctx.child_label)
    title = _("By %(level)s (click a bar to open it)", level=ctx.child_label) if children else _("Totals")
    return Chart("children", title, headers, rows, figure, links)


def check_status_chart(ctx: ChartContext) -> Chart:
    """Checked, not checked yet and overdue, stacked, per child region (per day for a
    community)."""
    children = ctx.rollup["children"]
    if children:
        labels, items, first = [c["name"] for c in children], children, _("Name")
        links = [ctx.link(c["code"]) for c in children]
    else:
        labels, items, first = [s["day"].isoformat() for s in ctx.series], ctx.series, _("Day")
        links = []
    parts = {"checked": [i["checked"] for i in items],
             "pending": [i["pending"] - i["overdue"] for i in items],
             "overdue": [i["overdue"] for i in items]}
    part_labels = {"checked": _("Checked"), "pending": _("Not checked, in time"), "overdue": _("Overdue")}
    figure = go.Figure([go.Bar(name=part_labels[p], x=labels, y=values, marker_color=COLORS[p],
                               customdata=links or None) for p, values in parts.items()])
    _layout(figure, barmode="stack")
    rows = [[label, *(parts[p][i] for p in parts)] for i, label in enumerate(labels)]
    return Chart("check_status", _("Check status"), [first, *part_labels.values()], rows, figure, links,
                 link_column=0)


def daily_chart(ctx: ChartContext) -> Chart:
    """Expected arrivals per day, with how many arrived and how many were checked."""
    days = [s["day"].isoformat() for s in ctx.series]
    fields = ("filings", "arrived", "checked", "pending", "overdue", "risk_area", "under_control", "cancelled")
    figure = go.Figure([
        go.Bar(name=_("Expected arrivals"), x=days, y=[s["filings"] for s in ctx.series],
               marker_color=COLORS["filings"]),
        go.Scatter(name=str(COUNT_LABELS["arrived"]), x=days, y=[s["arrived"] for s in ctx.series],
                   mode="lines+markers", line_color=COLORS["arrived"]),
    ])
    _layout(figure)
    figure.update_xaxes(tickformat=DAY_TICKS)
    rows = [[s["day"].isoformat(), *(s[f] for f in fields)] for s in ctx.series]
    return Chart("daily", _("Arrivals per day"), [_("Day"), *_count_headers(fields)], rows, figure)


# City-level divisions named only by their kind (Beijing's 1101 is "市辖区"): shown by
# their province's name.
GENERIC_CITY_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


def _origin_name(code: str, names: dict) -> str:
    if code.isdigit():
        name = names.get(code) or code
        return names.get(code[:2], name) if name in GENERIC_CITY_NAMES else name
    if code == "CN":
        return _("China, region unknown")
    territory = get_locale().territories.get(code) if get_locale() else None
    return _("Abroad: %(country)s", country=territory or code)


def _ranking_chart(name, title, counts: dict, label: Callable[[str], str], top: int) -> Chart:
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    shown = list(reversed(ranked[:top]))
    figure = go.Figure(go.Bar(x=[n for _code, n in shown], y=[label(code) for code, _n in shown],
                              orientation="h", marker_color=COLORS["filings"]))
    _layout(figure, height=max(260, 24 * len(shown) + 80), margin=dict(l=140, r=20, t=20, b=40))
    rows = [[code, label(code), n] for code, n in ranked]
    return Chart(name, title, [_("Code"), _("Origin"), str(COUNT_LABELS["filings"])], rows, figure)


def origin_charts(ctx: ChartContext) -> tuple[Chart, Chart]:
    provinces, cities = rollups.origins(ctx.region.code, ctx.date_range, jurisdiction=ctx.jurisdiction)
    names = rollups.region_names(list(provinces) + list(cities))
    return (_ranking_chart("origin_provinces", _("Origins: top provinces"), provinces,
                           lambda c: _origin_name(c, names), 10),
            _ranking_chart("origin_cities", _("Origins: top cities"), cities,
                           lambda c: _origin_name(c, names), TOP_ORIGINS))


def transport_chart(ctx: ChartContext) -> Chart:
    modes = rollups.transport_modes(ctx.region.code, ctx.date_range, jurisdiction=ctx.jurisdiction)
    ranked = sorted(modes.items(), key=lambda item: -item[1])
    labels = [str(TRANSPORT_LABELS.get(mode, mode)) for mode, _n in ranked]
    figure = go.Figure(go.Pie(labels=labels, values=[n for _mode, n in ranked], hole=0.4, sort=False))
    _layout(figure)
    rows = [[mode, label, n] for (mode, n), label in zip(ranked, labels)]
    return Chart("transport", _("Transport modes"), [_("Code"), _("Transport"), str(COUNT_LABELS["filings"])],
                 rows, figure)


def compliance_chart(ctx: ChartContext) -> Chart:
    """A township's communities x days heat map of daily reports; above a township, the
    on-time rate per child region."""
    title = _("Daily-report compliance")
    heatmap = rollups.report_heatmap(ctx.region.code, ctx.date_range, ctx.now, jurisdiction=ctx.jurisdiction)
    if heatmap is None:
        children = ctx.rollup["children"]
        rates = [c["report_compliance"] for c in children]
        figure = go.Figure(go.Bar(x=[c["name"] for c in children], y=[None if r is None else r * 100 for r in rates],
                                  customdata=[ctx.link(c["code"]) for c in children],
                                  marker_color=COLORS["checked"]))
        _layout(figure, yaxis_title=_("On-time rate (%)"))
        figure.update_yaxes(range=[0, 100])
        rows = [[c["code"], c["name"], c["reports_expected"], c["reports_on_time"], _percent(c["report_compliance"])]
                for c in children]
        return Chart("compliance", title, [_("Code"), _("Name"), *_count_headers(REPORT_FIELDS)], rows, figure,
                     [ctx.link(c["code"]) for c in children])
    communities, days, cells = heatmap
    day_labels = [d.isoformat() for d in days]
    names = [c.name for c in communities]
    z = [[REPORT_STATE_VALUES.get(cells[c.code][d]) for d in days] for c in communities]
    text = [[str(REPORT_STATE_LABELS[cells[c.code][d]]) for d in days] for c in communities]
    figure = go.Figure(go.Heatmap(
        z=z, x=day_labels, y=names, text=text, zmin=0, zmax=2, showscale=False, xgap=1, ygap=1,
        colorscale=[[0, "#c62828"], [0.5, "#f9a825"], [1, "#2e7d32"]],
        hovertemplate="%{y} %{x}: %{text}<extra></extra>"))
    _layout(figure, height=max(260, 22 * len(names) + 100), margin=dict(l=160, r=20, t=20, b=60))
    figure.update_xaxes(tickformat=DAY_TICKS)
    rows = [[c.code, c.name, *[str(REPORT_STATE_LABELS[cells[c.code][d]]) for d in days]] for c in communities]
    return Chart("compliance", title, [_("Code"), _("Name"), *day_labels], rows, figure,
                 note=_("Green: on time; orange: late; red: missing; blank: not due yet, or before the community went live."))


def findings_chart(ctx: ChartContext) -> Chart:
    """Open cross-matching findings per county: the slipped-through ones (漏管) as bars,
    every kind in the table."""
    findings = ctx.rollup["findings"]
    counties = findings["by_county"]
    figure = go.Figure(go.Bar(x=[c["name"] for c in counties], y=[c["slipped_through"] for c in counties],
                              marker_color=COLORS["overdue"], name=_("Slipped through (open)")))
    _layout(figure, yaxis_title=_("Slipped through (open)"))
    headers = [_("Code"), _("County"), *(str(FINDING_KIND_LABELS[k]) for k in FINDING_KINDS),
               _("Open findings"), _("Slipped through (open)")]
    rows = [[c["code"], c["name"], *(c["open"][k] for k in FINDING_KINDS), c["open_total"], c["slipped_through"]]
            for c in counties]
    rows.append(["", _("Total"), *(findings["open"].get(k, 0) for k in FINDING_KINDS), findings["open_total"],
                 findings["slipped_through"]])
    return Chart("findings", _("Open cross-matching findings per county"), headers, rows, figure,
                 note=_("Slipped through: open findings of arrivals without a filing and of arrivals without "
                        "a test within 24 h. Counted now, whatever the date range."))


def checkpoints_chart(ctx: ChartContext) -> Chart:
    """Passes per checkpoint over the range, and the arrivals without a filing among them;
    the table per checkpoint and day."""
    checkpoints = ctx.rollup["checkpoints"]["by_checkpoint"]
    names = [c["name"] for c in checkpoints]
    figure = go.Figure([
        go.Bar(name=_("Passes"), x=names, y=[c["passes"] for c in checkpoints], marker_color=COLORS["filings"]),
        go.Bar(name=_("Arrived without a filing"), x=names, y=[c["arrived_without_filing"] for c in checkpoints],
               marker_color=COLORS["overdue"])])
    _layout(figure, barmode="group")
    rows = [[c["name"], day["day"], day["passes"], day["arrived_without_filing"]]
            for c in checkpoints for day in c["by_day"]]
    rows.append([_("Total"), "", ctx.rollup["checkpoints"]["passes"], ctx.rollup["checkpoints"]["arrived_without_filing"]])
    return Chart("checkpoints", _("Passes per checkpoint"), [_("Checkpoint"), _("Day"), _("Passes"),
                                                               _("Arrived without a filing")], rows, figure,
                 note=_("Counted by the day of passing."))


def _origin_provinces(ctx):
    return origin_charts(ctx)[0]


def _origin_cities(ctx):
    return origin_charts(ctx)[1]


# The dashboard's charts, in the order shown; the first ones are drawn first.
CHARTS: dict[str, Callable[[ChartContext], Chart]] = {
    "children": children_chart,
    "check_status": check_status_chart,
    "daily": daily_chart,
    "origin_provinces": _origin_provinces,
    "origin_cities": _origin_cities,
    "transport": transport_chart,
    "compliance": compliance_chart,
    "findings": findings_chart,
    "checkpoints": checkpoints_chart,
}

