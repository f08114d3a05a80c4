"""Grants pages: the statsbidrag rates, one agreement's yearly cycle (statistics per year with a
chart, Länsstyrelsen's decisions), one decision split over a huvudman's agreements, and the
reports for a huvudman and a year (page, Excel, Word)."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.agreements.models import Agreement, AgreementParty
from app.agreements.views import as_of_from_request
from app.auth import actor, permission_required
from app.core import charts, clock
from app.core.errors import ValidationError
from app.core.forms import apply_errors
from app.extensions import db
from app.grants import reports, services, sheets
from app.grants.amounts import all_grant_rates, set_grant_rate
from app.grants.forms import (
    DecisionForm,
    GrantRateForm,
    ReportForm,
    SplitDecisionForm,
    StatisticsForm,
)
from app.parties.models import Organisation

bp = Blueprint("grants", __name__, url_prefix="/grants")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: Empty rows offered under the reasons already entered.
SPARE_ROWS = 3


def _huvudmen() -> list[tuple[int, str]]:
    return [
        (org_id, name)
        for org_id, name in db.session.execute(
            db.select(Organisation.id, Organisation.name)
            .join(AgreementParty, AgreementParty.organisation_id == Organisation.id)
            .where(AgreementParty.role.in_(services.HUVUDMAN_ROLES))
            .distinct()
            .order_by(Organisation.name)
        )
    ]


def _report_form() -> ReportForm:
    form = ReportForm(request.args if "organisation_id" in request.args else None)
    form.organisation_id.choices = _huvudmen()
    if form.year.data is None:
        form.year.data = clock.today().year - 1
    return form


@bp.route("/", methods=["GET"])
def index():
    return render_template(
        "grants/index.html",
        rates=all_grant_rates(),
        form=GrantRateForm(),
        report_form=_report_form(),
    )


@bp.route("/rates", methods=["POST"])
@permission_required("edit_index")
def save_rate():
    form = GrantRateForm()
    if form.validate_on_submit():
        try:
            set_grant_rate(form.year.data, form.amount_per_fte.data, actor(), form.note.data)
            db.session.commit()
            flash(_("Statsbidraget är sparat."), "success")
            return redirect(url_for("grants.index"))
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
    return render_template(
        "grants/index.html", rates=all_grant_rates(), form=form, report_form=_report_form()
    ), 422


# --- one agreement ---------------------------------------------------------------------------


def _rows(prefix: str) -> list[tuple[str, str]]:
    """(text, count) rows posted as ``prefix-reason-N`` / ``prefix-count-N``."""
    rows = []
    for key in request.form:
        if key.startswith(f"{prefix}-reason-"):
            n = key.rsplit("-", 1)[1]
            rows.append((request.form.get(key, ""), request.form.get(f"{prefix}-count-{n}", "")))
    return rows


def _int_or_raw(value: str):
    value = (value or "").strip()
    return int(value) if value.lstrip("-").isdigit() else value


def _posted_statistics(form: StatisticsForm) -> dict:
    data = {name: getattr(form, name).data or 0 for name in services.COUNT_FIELDS}
    data["hours_per_week"] = form.hours_per_week.data or None
    data["note"] = form.note.data
    for prefix, name in (("contact", "contact_reasons"), ("end", "end_reasons")):
        reasons = {}
        for text, count in _rows(prefix):
            if text.strip() or count.strip():
                reasons[text.strip()] = _int_or_raw(count)
        data[name] = reasons
    data["by_municipality"] = [
        {"organisation_id": int(key.rsplit("-", 1)[1]), "persons": _int_or_raw(value)}
        for key, value in request.form.items()
        if key.startswith("municipality-") and value.strip()
    ]
    return data


def _chart(records) -> str:
    return charts.bar_chart(
        [(str(r.year), Decimal(r.persons), False) for r in records],
        _("Personer per år"),
        short=lambda v: str(int(v)),
        exact=lambda v: _("%(n)s personer", n=int(v)),
    )


def _agreement_page(
    agreement: Agreement,
    stats_form: StatisticsForm | None = None,
    decision_form: DecisionForm | None = None,
    posted: dict | None = None,
):
    records = services.statistics_of(agreement)
    year = request.args.get("year", type=int)
    shown = next((r for r in records if r.year == year), None) if year else None
    if stats_form is None:
        stats_form = StatisticsForm(obj=shown) if shown else StatisticsForm()
        if shown is None:
            stats_form.year.data = year or clock.today().year - 1
    if decision_form is None:
        decision_form = DecisionForm()
        decision_form.year.data = clock.today().year
    if posted is None and shown is not None:
        posted = {
            "contact_reasons": shown.contact_reasons,
            "end_reasons": shown.end_reasons,
            "by_municipality": [
                {"organisation_id": m.organisation_id, "persons": m.persons}
                for m in shown.municipalities
            ],
        }
    posted = posted or {}
    contact_suggestions, end_suggestions = services.reason_suggestions(agreement)
    by_municipality = {
        e.get("organisation_id"): e.get("persons") for e in posted.get("by_municipality", [])
    }
    municipalities = services.statistics_municipalities(
        agreement, [i for i in by_municipality if isinstance(i, int)]
    )
    decisions = services.decisions_of(agreement)
    expected = {}
    for d in decisions:
        expected[d.year] = services.expected_for(agreement, d.year)[1]
    status = 422 if (stats_form.errors or decision_form.errors) else 200
    return render_template(
        "grants/agreement.html",
        agreement=agreement,
        records=records,
        chart=_chart(records) if records else "",
        stats_form=stats_form,
        decision_form=decision_form,
        contact_rows=list((posted.get("contact_reasons") or {}).items()),
        end_rows=list((posted.get("end_reasons") or {}).items()),
        spare=SPARE_ROWS,
        contact_suggestions=contact_suggestions,
        end_suggestions=end_suggestions,
        municipalities=municipalities,
        by_municipality=by_municipality,
        decisions=decisions,
        expected=expected,
        has_obligation=any(o.fulfilled_by == "statistics" for o in agreement.obligations),
    ), status


@bp.route("/agreements/<int:agreement_id>", methods=["GET"])
def agreement(agreement_id: int):
    return _agreement_page(db.get_or_404(Agreement, agreement_id))


@bp.route("/agreements/<int:agreement_id>/statistics", methods=["POST"])
@permission_required("edit_agreements")
def save_statistics(agreement_id: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    form = StatisticsForm()
    posted = _posted_statistics(form)
    if form.validate_on_submit():
        try:
            services.save_statistics(agreement, form.year.data, posted, actor(), clock.today())
            db.session.commit()
            flash(_("Statistiken för %(year)s är sparad.", year=form.year.data), "success")
            return redirect(url_for("grants.agreement", agreement_id=agreement.id))
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
    agreement = db.get_or_404(Agreement, agreement_id)
    return _agreement_page(agreement, stats_form=form, posted=posted)


@bp.route("/agreements/<int:agreement_id>/decisions", methods=["POST"])
@permission_required("edit_index")
def save_decision(agreement_id: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            services.set_decision(
                agreement,
                form.year.data,
                {
                    "granted": form.granted.data,
                    "decided_on": form.decided_on.data,
                    "diarienummer": form.diarienummer.data,
                    "paid": form.paid.data,
                },
                actor(),
            )
            db.session.commit()
            flash(_("Beslutet för %(year)s är sparat.", year=form.year.data), "success")
            return redirect(url_for("grants.agreement", agreement_id=agreement.id))
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
    agreement = db.get_or_404(Agreement, agreement_id)
    return _agreement_page(agreement, decision_form=form)


@bp.route("/agreements/<int:agreement_id>/statistics-sheet.xlsx", methods=["GET"])
def statistics_sheet(agreement_id: int):
    """The year sheet for the provider to fill in (with what is recorded for the year)."""
    agreement = db.get_or_404(Agreement, agreement_id)
    year = request.args.get("year", type=int) or clock.today().year - 1
    record = services.get_statistics(agreement, year)
    named = [m.organisation_id for m in record.municipalities] if record is not None else []
    names = [o.name for o in services.statistics_municipalities(agreement, named)]
    body = sheets.template_xlsx(year, names, record)
    return _download(body, XLSX, f"statistik-{year}.xlsx")


@bp.route("/agreements/<int:agreement_id>/statistics-sheet", methods=["POST"])
@permission_required("edit_agreements")
def upload_statistics(agreement_id: int):
    """The provider's filled-in sheet, previewed: its figures fill the statistics form, each
    problem beside its field, and nothing is recorded until the user presses "Spara statistik"
    (which records all of it, or nothing). A file that cannot be read at all says why."""
    agreement = db.get_or_404(Agreement, agreement_id)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            message = _("Välj en fil att ladda upp.")
            raise ValidationError(message, {"file": message})
        year, data = sheets.read_sheet(upload.read(sheets.MAX_BYTES + 1))
        errors = services.check_statistics(agreement, year, data)
    except ValidationError as exc:
        flash(exc.message, "danger")
        return _agreement_page(agreement)[0], 422
    form = StatisticsForm(formdata=None)
    form.year.data = year
    for name in (*services.COUNT_FIELDS, "hours_per_week", "note"):
        if data.get(name) is not None:
            getattr(form, name).data = data[name]
    apply_errors(form, ValidationError("", errors))
    form.form_errors = [e for e in form.form_errors if e]
    flash(
        _(
            "Uppgifterna för %(year)s nedan är lästa från %(file)s men inte sparade än: granska "
            "dem och tryck på Spara statistik.",
            year=year,
            file=upload.filename,
        ),
        "warning" if errors else "info",
    )
    return _agreement_page(agreement, stats_form=form, posted=data)


@bp.route("/agreements/<int:agreement_id>/statistics-obligation", methods=["POST"])
@permission_required("edit_agreements")
def add_obligation(agreement_id: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    services.add_statistics_obligation(agreement, actor(), clock.today())
    db.session.commit()
    flash(_("Skyldigheten att lämna statistik bevakas nu."), "success")
    return redirect(url_for("grants.agreement", agreement_id=agreement.id))


# --- one decision for several agreements -----------------------------------------------------


@bp.route("/split", methods=["GET", "POST"])
@permission_required("edit_index")
def split():
    form = SplitDecisionForm()
    form.organisation_id.choices = _huvudmen()
    org_id = form.organisation_id.data or request.args.get("organisation_id", type=int)
    if org_id is None and form.organisation_id.choices:
        org_id = form.organisation_id.choices[0][0]
    form.organisation_id.data = org_id
    if form.year.data is None:
        form.year.data = clock.today().year
    agreements = services.huvudman_agreements(org_id, form.year.data) if org_id else []
    form.agreement_ids.choices = [(a.id, a.title) for a in agreements]
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                decisions = services.split_decision(
                    org_id,
                    form.year.data,
                    form.agreement_ids.data,
                    {
                        "granted": form.granted.data,
                        "decided_on": form.decided_on.data,
                        "diarienummer": form.diarienummer.data,
                        "paid": form.paid.data,
                    },
                    actor(),
                )
                db.session.commit()
                flash(_("Beslutet är fördelat på %(n)s avtal.", n=len(decisions)), "success")
                return redirect(
                    url_for("grants.report", year=form.year.data, organisation_id=org_id)
                )
            except ValidationError as exc:
                db.session.rollback()
                apply_errors(form, exc)
        status = 422
    return render_template("grants/split.html", form=form, agreements=agreements), status


# --- reports ---------------------------------------------------------------------------------


@bp.route("/reports", methods=["GET"])
def report_query():
    """The report form's answer: on to the year's report of the chosen huvudman."""
    year = request.args.get("year", type=int)
    org_id = request.args.get("organisation_id", type=int)
    if year is None or org_id is None:
        return redirect(url_for("grants.index"))
    return redirect(url_for("grants.report", year=year, organisation_id=org_id))


@bp.route("/reports/<int:year>", methods=["GET"])
def report(year: int):
    org_id = request.args.get("organisation_id", type=int)
    if org_id is None:
        return redirect(url_for("grants.index"))
    account = reports.yearly_account(org_id, year, as_of_from_request())
    return render_template(
        "grants/report.html",
        account=account,
        application=reports.application_rows(account),
        application_total=reports.sum_known(
            [r.statsbidrag_expected for r in reports.application_rows(account)]
        ),
    )


def _download(body: bytes, mimetype: str, name: str) -> Response:
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@bp.route("/reports/<kind>/<int:year>.<ext>", methods=["GET"])
def report_file(kind: str, year: int, ext: str):
    if kind not in ("yearly", "application") or ext not in ("xlsx", "docx"):
        return redirect(url_for("grants.index"))
    account = reports.yearly_account(
        request.args.get("organisation_id", type=int), year, as_of_from_request()
    )
    build = {
        ("yearly", "xlsx"): reports.account_xlsx,
        ("yearly", "docx"): reports.account_docx,
        ("application", "xlsx"): reports.application_xlsx,
        ("application", "docx"): reports.application_docx,
    }[(kind, ext)]
    name = ("redovisning" if kind == "yearly" else "ansokan") + f"-{year}.{ext}"
    return _download(build(account), XLSX if ext == "xlsx" else DOCX, name)
