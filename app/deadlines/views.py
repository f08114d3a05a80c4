"""The start page (decisions first, then obligations due, then what is overdue, then every
coming deadline, filterable) and the timeline of agreements."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from app.agreements.models import Agreement
from app.agreements.services import termination_end, timeline_of
from app.agreements.views import as_of_from_request
from app.core.paging import ListPage
from app.core.query import int_param
from app.deadlines import services, startpage
from app.deadlines.models import DEADLINE_KINDS
from app.extensions import db
from app.parties.models import Organisation, Person
from app.parties.services import unit_choices

bp = Blueprint("deadlines", __name__)

WINDOWS = (30, 90, 365)
KIND_LABELS = {
    "last_notice": _l("Sista dag för uppsägning"),
    "term_end": _l("Avtalet upphör"),
    "extension": _l("Automatisk förlängning"),
    "obligation_due": _l("Skyldighet förfaller"),
    "index_missing": _l("Indexvärde saknas"),
    "grant_application": _l("Statsbidrag: ansökan och redovisning"),
}


@bp.app_context_processor
def inject_deadline_labels():
    return {"deadline_kind_labels": KIND_LABELS}


@bp.route("/")
def dashboard():
    as_of = as_of_from_request()
    within = int_param("within") or 90
    if within not in WINDOWS:
        within = 90
    filters = {
        "kinds": [k for k in request.args.getlist("kind") if k in DEADLINE_KINDS],
        "board_id": int_param("board_id"),
        "organisation_id": int_param("organisation_id"),
        "responsible_person_id": int_param("responsible_person_id"),
    }
    # The overdue items are grouped in their own section; the full list takes them in when
    # asked (?overdue=1: that section is cut at its cap on a large register).
    with_overdue = request.args.get("overdue") == "1"
    too_costly = None
    try:
        page = services.list_deadlines(
            as_of,
            within_days=within,
            page=int_param("page") or 1,
            per_page=100,
            include_overdue=with_overdue,
            **filters,
        )
        sections = startpage.start_page(
            as_of,
            within,
            board_id=filters["board_id"],
            organisation_id=filters["organisation_id"],
            responsible_person_id=filters["responsible_person_id"],
            kinds=filters["kinds"],
        )
    except services.AsOfTooCostly as exc:  # the page says so instead of tying up the worker
        too_costly = exc.message
        page = ListPage([], 0, 1, 100)
        sections = None
    organisations = db.session.execute(
        db.select(Organisation.id, Organisation.name).order_by(Organisation.name)
    ).all()
    people = db.session.execute(db.select(Person.id, Person.name).order_by(Person.name)).all()
    return render_template(
        "deadlines/dashboard.html",
        as_of=as_of,
        within=within,
        windows=WINDOWS,
        filters=filters,
        page=page,
        sections=sections,
        too_costly=too_costly,
        with_overdue=with_overdue,
        overdue_list_url=url_for(
            "deadlines.dashboard",
            **{**request.args.to_dict(), "overdue": "1", "page": 1},
            _anchor="all-deadlines",
        ),
        organisations=organisations,
        people=people,
        boards=unit_choices("namnd"),
    )


TIMELINE_PER_PAGE = 40


@bp.route("/timeline")
def timeline():
    """Agreements over the years as server-rendered SVG bars: periods, notice, the end."""
    as_of = as_of_from_request()
    first_year = int_param("from_year") or as_of.year - 6
    last_year = int_param("to_year") or as_of.year + 4
    if not 1900 <= first_year <= last_year <= first_year + 60:
        abort(400)
    view_start, view_end = date(first_year, 1, 1), date(last_year, 12, 31)
    stmt = (
        db.select(Agreement)
        .where(Agreement.stage != "archived", Agreement.start_date.is_not(None))
        .where(Agreement.start_date <= view_end)
        .options(db.selectinload(Agreement.terminations), db.selectinload(Agreement.amendments))
        .order_by(Agreement.start_date, Agreement.id)
    )
    board_id = int_param("board_id")
    if board_id:
        stmt = stmt.where(Agreement.board_id == board_id)
    result = db.paginate(
        stmt, page=int_param("page") or 1, per_page=TIMELINE_PER_PAGE, error_out=False
    )
    span = (view_end - view_start).days + 1

    def x(day: date) -> float:
        day = min(max(day, view_start), view_end + timedelta(days=1))
        return round(100 * (day - view_start).days / span, 3)

    rows = []
    for agreement in result.items:
        timeline = timeline_of(agreement, as_of)
        ends = termination_end(agreement, as_of)
        bars = []
        for period in timeline.periods(view_end):
            end = period.end or view_end
            if ends is not None and end > ends:
                end = ends
            if period.start > view_end or end < view_start:
                if ends is not None and period.start > ends:
                    break
                continue
            bars.append(
                {
                    "x": x(period.start),
                    "w": max(x(end + timedelta(days=1)) - x(period.start), 0.2),
                    "kind": "continuation"
                    if period.is_continuation
                    else ("initial" if period.number == 0 else "extension"),
                    "open": period.end is None and ends is None,
                    "label": f"{period.start.isoformat()} – "
                    + (end.isoformat() if (period.end or ends) else "…"),
                }
            )
            if ends is not None and end >= ends:
                break
        rows.append(
            {
                "agreement": agreement,
                "bars": bars,
                "notice": x(ends) if ends and view_start <= ends <= view_end else None,
                "amended": [
                    {"x": x(day), "label": day.isoformat()}
                    for day in timeline.amendment_days()
                    if view_start <= day <= view_end
                ],
            }
        )
    years = [{"year": y, "x": x(date(y, 1, 1))} for y in range(first_year, last_year + 1)]
    today_x = x(as_of) if view_start <= as_of <= view_end else None
    return render_template(
        "deadlines/timeline.html",
        as_of=as_of,
        rows=rows,
        years=years,
        today_x=today_x,
        page=result,
        first_year=first_year,
        last_year=last_year,
        boards=unit_choices("namnd"),
        board_id=board_id,
    )
