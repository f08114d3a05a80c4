"""Finance pages: compensation per agreement (table of years, lines, cost shares,
instalments), the yearly overview across agreements with its chart and exports, and the
settlement when a final index value replaced a preliminary one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _

from app.agreements.forms import KIND_LABELS
from app.agreements.models import AGREEMENT_KINDS, Agreement
from app.agreements.services import check_version
from app.agreements.views import as_of_from_request
from app.auth import actor, permission_required
from app.core import charts
from app.core.errors import DomainError, ValidationError
from app.core.forms import apply_errors
from app.core.money import format_fte, format_percent, format_sek, plain_decimal
from app.core.paging import ListPage
from app.core.query import int_param
from app.demo.notes import opi_entered_until
from app.extensions import db
from app.finance import exports, services
from app.finance.forms import (
    CallOffForm,
    CompensationItemForm,
    CostSharesForm,
    DeleteForm,
    MoneyChangeForm,
)
from app.finance.gaps import explain_gaps
from app.finance.models import CompensationItem
from app.finance.rules import LineResult
from app.indexation.models import IndexSeries
from app.parties.models import OrganisationUnit

bp = Blueprint("finance", __name__, url_prefix="/finance")
bp.add_app_template_global(opi_entered_until, "demo_opi_entered_until")


# --------------------------------------------------------------------------------------------
# Helpers shared by the pages and the agreement-page partial
# --------------------------------------------------------------------------------------------


def explain(line: LineResult, base_amount: Decimal | None = None) -> str:
    """The chain of index factors behind a line's amount, as one readable sentence."""
    if line.amount is None:
        return " ".join(m.message for m in line.missing)
    if not line.chain:
        return _("Ej uppräknat: beloppet i prisnivåårets priser.")
    steps = " × ".join(
        f"(1 + {format_percent(p.percent)}{' ' + _('prel.') if p.preliminary else ''}, {p.year})"
        for p in line.chain
    )
    factor = plain_decimal(line.factor) if line.factor is not None else "?"
    text = f"{_('faktor')} {factor} = {steps}"
    if base_amount is not None:
        text += f"; {format_sek(base_amount)} × {factor} → {format_sek(line.amount)}"
    return text


@bp.app_template_global("fte")
def fte_text(value: Decimal | None) -> str:
    """Årsarbetare the Swedish way: 6 · 1,5 (not "6.00")."""
    return "–" if value is None else format_fte(value)


@bp.app_template_global()
def finance_summary(agreement: Agreement, as_of: date) -> dict:
    """What the agreement page's money card shows (used by finance/_agreement_summary.html)."""
    start, end = services.default_years(agreement, as_of)
    return _table_context(agreement, start, end)


def _table_context(agreement: Agreement, start: int, end: int) -> dict:
    # The money as it stood on the page's day: the lines (the table's columns) and the figures
    # leave out a tilläggsavtal that takes effect later.
    as_of = as_of_from_request()
    items = services.items_of(agreement, as_of)
    years = services.compensation_years(agreement, start, end, as_of=as_of)
    names = services.party_names(agreement)
    share_keys = [k for k, _a in years[0].shares] if years and years[0].shares else []
    if not share_keys:
        share_keys = [s.organisation_id for s in services.shares_of(agreement)]
    chart = charts.bar_chart(
        [(str(y.year), y.total or Decimal(0), y.total is None) for y in years],
        _("Ersättning per år"),
        incomplete_note=_("indexvärde saknas; året har inget belopp"),
        unknown_label=_("okänt"),
    )
    return {
        "items": items,
        "years": years,
        "in_force": {y.year: services.runs_in_year(agreement, y.year) for y in years},
        "chart": chart,
        "names": names,
        "share_keys": share_keys,
        "explain": explain,
        "from_year": start,
        "to_year": end,
    }


def _refuse_if_stale(agreement: Agreement, form: MoneyChangeForm) -> None:
    """409 when the page the form came from showed an older version of the agreement. A form
    without a version (a script posting directly) is taken as it comes."""
    if form.version.data:
        check_version(agreement, form.version.data)


def _year_arg(default: int) -> int:
    raw = request.args.get("year", "")
    if not raw:
        return default
    try:
        year = int(raw)
    except ValueError:
        abort(400, _("Året ska vara ett heltal."))
    if not 1900 <= year <= 2200:
        abort(400, _("Året måste vara mellan 1900 och 2200."))
    return year


def _series_choices() -> list[tuple[str, str]]:
    series = db.session.execute(db.select(IndexSeries).order_by(IndexSeries.code)).scalars()
    return [("", _("Inget index (fast belopp)"))] + [
        (s.code, f"{s.code} – {s.name}") for s in series
    ]


# --------------------------------------------------------------------------------------------
# One agreement
# --------------------------------------------------------------------------------------------


@bp.route("/agreements/<int:agreement_id>")
def agreement(agreement_id: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    as_of = as_of_from_request()
    start, end = services.default_years(agreement, as_of)
    try:
        start = int(request.args.get("from_year") or start)
        end = int(request.args.get("to_year") or end)
    except ValueError:
        abort(400, _("Åren ska vara heltal."))
    ctx = _table_context(agreement, start, end)
    item_form = CompensationItemForm(prefix="new")
    item_form.index_series.choices = _series_choices()
    return _render_agreement(agreement, as_of, ctx, item_form)


def _render_agreement(agreement, as_of, ctx, item_form, shares_form=None, status=200):
    invoice_year = _year_arg(as_of.year)
    plan_error = None
    try:
        plan = services.instalment_plan(agreement, invoice_year)
    except DomainError as exc:
        plan, plan_error = None, exc.message
    shares_form = shares_form or CostSharesForm()
    call_off_form, delete_form = (
        CallOffForm(prefix="calloff", formdata=None),
        DeleteForm(formdata=None),
    )
    for form in (item_form, shares_form, call_off_form, delete_form):
        if not form.version.data:
            form.version.data = agreement.version
    current = {s.organisation_id: s for s in services.shares_of(agreement)}
    if not shares_form.is_submitted():
        methods = {s.method for s in current.values()}
        shares_form.method.data = (
            methods.pop() if len(methods) == 1 else ("none" if not current else "fraction")
        )
        if current:
            shares_form.key_label.data = next(iter(current.values())).key_label
    return (
        render_template(
            "finance/agreement.html",
            agreement=agreement,
            as_of=as_of,
            item_form=item_form,
            shares_form=shares_form,
            call_off_form=call_off_form,
            delete_form=delete_form,
            current_shares=current,
            plan=plan,
            plan_error=plan_error,
            invoice_year=invoice_year,
            **ctx,
        ),
        status,
    )


@bp.route("/agreements/<int:agreement_id>/items", methods=["POST"])
@permission_required("edit_compensation")
def add_item(agreement_id: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    form = CompensationItemForm(prefix="new")
    form.index_series.choices = _series_choices()
    if form.validate_on_submit():
        _refuse_if_stale(agreement, form)
        try:
            services.add_item(agreement, form.data_for_service(), actor())
            db.session.commit()
            flash(_("Ersättningsraden är sparad."), "success")
            return redirect(url_for("finance.agreement", agreement_id=agreement.id))
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
    as_of = as_of_from_request()
    start, end = services.default_years(agreement, as_of)
    return _render_agreement(
        agreement, as_of, _table_context(agreement, start, end), form, status=422
    )


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@permission_required("edit_compensation")
def edit_item(item_id: int):
    item = db.get_or_404(CompensationItem, item_id)
    form = CompensationItemForm(obj=None if request.method == "POST" else item)
    form.index_series.choices = _series_choices()
    if request.method == "GET":
        form.index_series.data = item.series.code if item.series else ""
        form.fte_basis.data = str(item.fte_basis) if item.fte_basis is not None else ""
        form.amount.data = f"{item.amount:f}"
        form.version.data = item.agreement.version
    status = 200
    if form.validate_on_submit():
        _refuse_if_stale(item.agreement, form)
        try:
            services.update_item(item, form.data_for_service(), actor())
            db.session.commit()
            flash(_("Ersättningsraden är ändrad."), "success")
            return redirect(url_for("finance.agreement", agreement_id=item.agreement_id))
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
            status = 422
    elif request.method == "POST":
        status = 422
    return render_template("finance/item_form.html", form=form, item=item), status


@bp.route("/items/<int:item_id>/delete", methods=["POST"])
@permission_required("edit_compensation")
def delete_item(item_id: int):
    item = db.get_or_404(CompensationItem, item_id)
    agreement_id = item.agreement_id
    form = DeleteForm()
    if form.validate_on_submit():
        _refuse_if_stale(item.agreement, form)
        services.delete_item(item, actor())
        db.session.commit()
        flash(_("Ersättningsraden är borttagen."), "success")
    return redirect(url_for("finance.agreement", agreement_id=agreement_id))


@bp.route("/items/<int:item_id>/call-off", methods=["POST"])
@permission_required("edit_compensation")
def call_off(item_id: int):
    item = db.get_or_404(CompensationItem, item_id)
    form = CallOffForm(prefix="calloff")
    if form.validate_on_submit():
        _refuse_if_stale(item.agreement, form)
        try:
            services.call_off_fte(item, form.fte.data, actor(), form.from_year.data)
            db.session.commit()
            flash(_("Avropet är sparat."), "success")
        except ValidationError as exc:
            db.session.rollback()
            flash(" ".join([exc.message, *exc.fields.values()]), "danger")
    else:
        flash(_("Ange antal årsarbetare att avropa."), "danger")
    return redirect(url_for("finance.agreement", agreement_id=item.agreement_id))


@bp.route("/agreements/<int:agreement_id>/shares", methods=["POST"])
@permission_required("edit_compensation")
def set_shares(agreement_id: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    form = CostSharesForm()
    if form.validate_on_submit():
        _refuse_if_stale(agreement, form)
        method = form.method.data
        try:
            if method == "none":
                services.clear_cost_shares(agreement, actor())
            else:
                entries = []
                for p in agreement.parties:
                    oid = p.organisation_id
                    if any(e["organisation_id"] == oid for e in entries):
                        continue
                    if method == "equal":
                        if request.form.get(f"include_{oid}"):
                            entries.append({"organisation_id": oid})
                    elif method == "fraction":
                        share = request.form.get(f"share_{oid}", "").strip()
                        if share:
                            entries.append({"organisation_id": oid, "share": share})
                    else:
                        key = request.form.get(f"key_{oid}", "").strip()
                        if key:
                            entries.append({"organisation_id": oid, "key_value": key})
                services.set_cost_shares(
                    agreement, entries, actor(), method=method, key_label=form.key_label.data
                )
            db.session.commit()
            flash(_("Kostnadsfördelningen är sparad."), "success")
            return redirect(url_for("finance.agreement", agreement_id=agreement.id))
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
    as_of = as_of_from_request()
    start, end = services.default_years(agreement, as_of)
    item_form = CompensationItemForm(prefix="new", formdata=None)
    item_form.index_series.choices = _series_choices()
    return _render_agreement(
        agreement, as_of, _table_context(agreement, start, end), item_form, form, status=422
    )


# --------------------------------------------------------------------------------------------
# Overview, exports, settlement
# --------------------------------------------------------------------------------------------


def _filters() -> dict:
    kind = request.args.get("kind") or None
    if kind is not None and kind not in AGREEMENT_KINDS:
        abort(400, _("Okänd avtalstyp."))
    board_id = int_param("board_id")
    if request.args.get("board_id") and board_id is None:
        abort(400, _("Nämnden ska anges med id."))
    return {"kind": kind, "board_id": board_id}


@bp.route("/")
def overview():
    as_of = as_of_from_request()
    year = _year_arg(as_of.year)
    filters = _filters()
    data = services.overview(year, **filters, as_of=as_of)
    gaps = explain_gaps(
        data.gap_rows, data.count, data.complete_count, data.gap_tallies, data.missing_count
    )
    # Every agreement counts in the totals; the table shows them a page at a time.
    page = ListPage.of(data.rows, request.args.get("page", 1, type=int), per_page=100)
    per_year = services.totals_per_year(year - 5, year, as_of)
    chart = charts.bar_chart(
        [(str(y), total, gap) for y, total, gap in per_year],
        _("Ersättning per år, alla avtal"),
        incomplete_note=_("indexvärde saknas för något avtal; det ingår inte i summan"),
        unknown_label=_("okänt"),
    )
    boards = db.session.execute(
        db.select(OrganisationUnit)
        .where(OrganisationUnit.kind == "namnd")
        .order_by(OrganisationUnit.name)
    ).scalars()
    return render_template(
        "finance/overview.html",
        data=data,
        gaps=gaps,
        demo_opi_until=opi_entered_until(),
        page=page,
        year=year,
        as_of=as_of,
        chart=chart,
        filters=filters,
        # The links keep a day asked for (the figures as the agreements stood then).
        link_args={**filters, "as_of": request.args.get("as_of") or None},
        kinds=AGREEMENT_KINDS,
        kind_labels=KIND_LABELS,
        boards=list(boards),
    )


def _export(kind: str) -> Response:
    as_of = as_of_from_request()
    year = _year_arg(as_of.year)
    data = services.overview(year, **_filters(), as_of=as_of)
    try:
        exports.check_exportable(data)
    except ValidationError as exc:
        return render_template("errors/error.html", status=422, message=exc.message), 422
    name = f"ersattning-{year}.{kind}"
    if kind == "xlsx":  # written to a temporary file, sent in chunks
        body = exports.file_chunks(exports.overview_xlsx_file(data))
        content_type = exports.XLSX_MIMETYPE
    else:
        body = stream_with_context(exports.overview_csv_chunks(data))
        content_type = "text/csv; charset=utf-8"
    return Response(
        body,
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/export.xlsx")
def export_xlsx():
    return _export("xlsx")


@bp.route("/export.csv")
def export_csv():
    return _export("csv")


@bp.route("/settlement")
def settlement():
    years = services.settlement_years()
    as_of = as_of_from_request()
    year = _year_arg(years[0] if years else as_of.year)
    data = services.settlement_overview(year, as_of)
    page = ListPage.of(data.rows, request.args.get("page", 1, type=int), per_page=50)
    return render_template(
        "finance/settlement.html", data=data, page=page, year=year, years=years, as_of=as_of
    )
