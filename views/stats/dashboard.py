"""Statistics: the dashboard (Plotly, drill-down one level at a time), its charts
fetched one by one as they scroll into view (``/stats/chart/<name>``), its Excel
exports, and ``GET /api/v1/stats/rollup``. Every number comes from app.stats.rollups, scoped
by the caller's jurisdiction: a region outside it answers 404."""
import io
from pathlib import Path

import plotly
from flask import abort, flash, jsonify, render_template, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.api import BaseApi, protect
from flask_babel import lazy_gettext as _l

from app.core import roles
from app.core.static_files import serves_files
from app.stats import rollups
from app.core.errors import DomainError, NotFound, ValidationFailed
from app.core.excel import XLSX_MIMETYPE, to_xlsx
from app.regions.service import region_path
from app.core.jurisdiction import current_jurisdiction, is_within
from views.core.api_input import safe
from views.core.responses import error_response
from models.region import LEVEL_LABELS
from views.stats.charts import CHARTS, ChartContext

PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
STATISTICS = ("Statistics", _l("Statistics"))


def _request_range(flash_errors=False) -> rollups.DateRange:
    try:
        return rollups.parse_range(request.args.get("from"), request.args.get("to"))
    except ValidationFailed as error:
        if not flash_errors:
            raise
        flash(" ".join(str(m) for messages in error.errors.values() for m in messages), "warning")
        return rollups.parse_range(None, None)


def _context(flash_errors=False) -> ChartContext:
    """The region and range of the request, seen from the caller's jurisdiction; 404 for
    a region outside it."""
    date_range = _request_range(flash_errors)
    jurisdiction = current_jurisdiction()
    try:
        return ChartContext(request.args.get("region") or rollups.default_region_code(jurisdiction),
                            date_range, jurisdiction)
    except NotFound:
        abort(404)


def _query(ctx: ChartContext) -> dict:
    """The region and range of a dashboard as query arguments of its charts and exports."""
    return {"region": ctx.region.code, "from": ctx.date_range.start.isoformat(), "to": ctx.date_range.end.isoformat()}


def _chart(name: str):
    if name not in CHARTS:
        abort(404)
    ctx = _context()
    return ctx, CHARTS[name](ctx)


class StatsDashboardView(BaseView):
    route_base = "/stats"
    default_view = "dashboard"
    class_permission_name = roles.STATS
    method_permission_name = {"dashboard": roles.READ, "chart": roles.READ, "export": roles.READ}
    base_permissions = ["can_read"]

    @expose("/")
    @has_access
    def dashboard(self):
        """The key figures and one placeholder per chart: drawing eight charts at load took
        seconds, so the browser fetches each one as it comes into view (static/stats.js)."""
        ctx = _context(flash_errors=True)
        path = [r for r in region_path(ctx.region.code) if is_within(r.code, ctx.jurisdiction)]
        return self.render_template(
            "stats_dashboard.html", ctx=ctx, chart_names=list(CHARTS), figures=ctx.key_figures, path=path,
            query=_query(ctx), level_label=LEVEL_LABELS.get(ctx.region.level),
            plotly_js=url_for("StatsDashboardView.plotly_js"))

    @expose("/chart/<name>")
    @has_access
    def chart(self, name):
        """One chart: its title and table as HTML, its figure as Plotly's JSON (a bad
        range answers 400 in JSON: the page's script asks, not a person)."""
        try:
            ctx, chart = _chart(name)
        except ValidationFailed as error:
            return error_response(error)
        panel = render_template("stats_chart.html", chart=chart, query=_query(ctx))
        return jsonify(name=chart.name, title=chart.title, html=panel, figure=chart.plot(),
                       clickable=chart.clickable)

    @expose("/export/<name>")
    @has_access
    def export(self, name):
        """The numbers of one chart as an Excel sheet."""
        ctx, chart = _chart(name)
        data = to_xlsx(chart.headers, chart.rows, title=chart.title)
        return send_file(io.BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True,
                         download_name=f"{name}-{ctx.region.code}.xlsx")

    @expose("/plotly.min.js")
    @serves_files(PLOTLY_JS)
    def plotly_js(self):
        """Plotly's own file from the installed package: the charts work offline (a
        year in the browser's cache, compressed: app.core.static_files)."""
        return send_file(PLOTLY_JS, mimetype="text/javascript")


class StatsApi(BaseApi):
    resource_name = "stats"
    class_permission_name = roles.STATS
    method_permission_name = {"rollup": roles.READ}
    base_permissions = ["can_read"]
    allow_browser_login = True
    openapi_spec_tag = "Statistics"

    @expose("/rollup", methods=["GET"])
    @protect()
    @safe
    def rollup(self):
        """The rollup of a region and its children, one level down.
        ---
        get:
          parameters:
          - {in: query, name: region, schema: {type: string}, description: region code (default your jurisdiction)}
          - {in: query, name: from, schema: {type: string, format: date}, description: first expected-arrival day}
          - {in: query, name: to, schema: {type: string, format: date}, description: last expected-arrival day}
          responses:
            200:
              description: '{"region", "from", "to", "total", "children": [...]}'
            400:
              description: a bad date range
            404:
              description: unknown region, or outside your jurisdiction
        """
        jurisdiction = current_jurisdiction()
        try:
            body = rollups.rollup(request.args.get("region") or rollups.default_region_code(jurisdiction),
                                  rollups.parse_range(request.args.get("from"), request.args.get("to")),
                                  jurisdiction=jurisdiction)
        except DomainError as error:
            return error_response(error)
        return self.response(200, **body)


def register(registry):
    registry.add_view("Statistics dashboard", _l("Dashboard"), STATISTICS, "fa-bar-chart",
                      StatsDashboardView, roles.STATS)
    registry.add_api(StatsApi)
