"""API routes of the yearly cycle (API.md, "Index series and grants" and "Added in version 1.1",
"The yearly cycle"): statsbidrag rates, statistics and Länsstyrelsen's decisions per agreement
and year, and the reports for a huvudman and a year (JSON, .xlsx, .docx)."""

from __future__ import annotations

from flask import Response, jsonify

from app.agreements.models import Agreement
from app.api import bp
from app.api.helpers import as_of_arg, decimal_str, int_arg, json_body
from app.api.openapi import doc
from app.auth import actor, permission_required
from app.core import clock
from app.core.errors import MalformedInput, NotFoundError
from app.extensions import db
from app.grants import reports, services
from app.grants.amounts import all_grant_rates, set_grant_rate
from app.grants.models import GrantDecision, YearStatistics

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _amount(value) -> str | None:
    return decimal_str(value, 2)


@bp.route("/grant-rates/<int:year>", methods=["PUT"])
@permission_required("edit_index")
@doc(
    "Set the statsbidrag per full-time ombud for a year",
    body={"type": "object", "properties": {"amount_per_fte": {"type": "string"}}},
    tag="grants",
)
def put_grant_rate(year: int):
    data = json_body()
    amount = data.get("amount_per_fte")
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, (str, int))):
        raise MalformedInput(
            'amount_per_fte ska vara en sträng, t.ex. "402638.00".',
            {"amount_per_fte": 'Ska vara en sträng, t.ex. "402638.00".'},
        )
    rate = set_grant_rate(year, amount, actor())
    db.session.commit()
    return jsonify({"year": rate.year, "amount_per_fte": _amount(rate.amount_per_fte)})


@bp.route("/grant-rates", methods=["GET"])
@doc("Statsbidrag per full-time ombud, per year", tag="grants")
def list_grant_rates():
    return jsonify(
        {
            "items": [
                {"year": r.year, "amount_per_fte": _amount(r.amount_per_fte)}
                for r in all_grant_rates()
            ]
        }
    )


# --- statistics -----------------------------------------------------------------------------


def statistics_json(record: YearStatistics) -> dict:
    return {
        "agreement_id": record.agreement_id,
        "year": record.year,
        "persons": record.persons,
        "persons_women": record.persons_women,
        "persons_men": record.persons_men,
        "persons_other": record.persons_other,
        "new_persons": record.new_persons,
        "ended_persons": record.ended_persons,
        "hours_per_week": decimal_str(record.hours_per_week, 2),
        "contact_reasons": dict(record.contact_reasons or {}),
        "end_reasons": dict(record.end_reasons or {}),
        "by_municipality": [
            {"organisation_id": m.organisation_id, "persons": m.persons}
            for m in record.municipalities
        ],
        "note": record.note,
    }


_STATISTICS_BODY = {
    "type": "object",
    "properties": {
        **{
            k: {"type": "integer", "minimum": 0}
            for k in ("persons_women", "persons_men", "persons_other", "new_persons")
        },
        "ended_persons": {"type": "integer", "minimum": 0},
        "hours_per_week": {"type": "string"},
        "contact_reasons": {"type": "object", "additionalProperties": {"type": "integer"}},
        "end_reasons": {"type": "object", "additionalProperties": {"type": "integer"}},
        "by_municipality": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "organisation_id": {"type": "integer"},
                    "persons": {"type": "integer"},
                },
            },
        },
    },
}


@bp.route("/agreements/<int:agreement_id>/statistics/<int:year>", methods=["PUT"])
@permission_required("edit_agreements")
@doc("Record an agreement's statistics for a year", body=_STATISTICS_BODY, tag="grants")
def put_statistics(agreement_id: int, year: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    data = json_body()
    record = services.save_statistics(agreement, year, data, actor(), clock.today())
    db.session.commit()
    return jsonify(statistics_json(record))


@bp.route("/agreements/<int:agreement_id>/statistics/<int:year>", methods=["GET"])
@doc("An agreement's statistics for a year", tag="grants")
def get_statistics(agreement_id: int, year: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    record = services.get_statistics(agreement, year)
    if record is None:
        raise NotFoundError(f"Ingen statistik för {year}.")
    return jsonify(statistics_json(record))


@bp.route("/agreements/<int:agreement_id>/statistics", methods=["GET"])
@doc("An agreement's statistics, every year recorded", tag="grants")
def list_statistics(agreement_id: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    items = [statistics_json(r) for r in services.statistics_of(agreement)]
    return jsonify({"items": items, "total": len(items)})


# --- Länsstyrelsen's decisions -------------------------------------------------------------


def decision_json(d: GrantDecision) -> dict:
    return {
        "agreement_id": d.agreement_id,
        "year": d.year,
        "granted": _amount(d.granted),
        "decided_on": d.decided_on.isoformat() if d.decided_on else None,
        "diarienummer": d.diarienummer,
        "paid": _amount(d.paid),
        "decision_total": _amount(d.decision_total),
    }


_DECISION_BODY = {
    "type": "object",
    "properties": {
        "granted": {"type": "string"},
        "decided_on": {"type": "string", "format": "date"},
        "diarienummer": {"type": "string"},
        "paid": {"type": "string"},
    },
    "required": ["granted"],
}


@bp.route("/agreements/<int:agreement_id>/grants/<int:year>", methods=["PUT"])
@permission_required("edit_index")
@doc(
    "Record Länsstyrelsen's grant decision for an agreement and year",
    body=_DECISION_BODY,
    tag="grants",
)
def put_grant_decision(agreement_id: int, year: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    decision = services.set_decision(agreement, year, json_body(), actor())
    db.session.commit()
    return jsonify(decision_json(decision))


@bp.route("/agreements/<int:agreement_id>/grants/<int:year>", methods=["GET"])
@doc("Länsstyrelsen's grant decision for an agreement and year", tag="grants")
def get_grant_decision(agreement_id: int, year: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    decision = services.get_decision(agreement, year)
    if decision is None:
        raise NotFoundError(f"Inget beslut för {year}.")
    return jsonify(decision_json(decision))


@bp.route("/agreements/<int:agreement_id>/grants/<int:year>", methods=["DELETE"])
@permission_required("edit_index")
@doc("Remove a recorded grant decision (the expected amount counts again)", tag="grants")
def delete_grant_decision(agreement_id: int, year: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    services.delete_decision(agreement, year, actor())
    db.session.commit()
    return "", 204


@bp.route("/grants/<int:year>/split", methods=["POST"])
@permission_required("edit_index")
@doc(
    "One decision for several agreements of a huvudman, split by FTE to the krona",
    body={
        "type": "object",
        "properties": {
            "organisation_id": {"type": "integer"},
            "agreement_ids": {"type": "array", "items": {"type": "integer"}},
            **_DECISION_BODY["properties"],
        },
        "required": ["organisation_id", "agreement_ids", "granted"],
    },
    tag="grants",
)
def split_grant_decision(year: int):
    data = json_body()
    org_id = data.get("organisation_id")
    ids = data.get("agreement_ids")
    if isinstance(org_id, bool) or not isinstance(org_id, int):
        raise MalformedInput(
            "organisation_id ska vara ett heltal.", {"organisation_id": "Ska vara ett heltal."}
        )
    if not isinstance(ids, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in ids
    ):
        raise MalformedInput(
            "agreement_ids ska vara en lista med id.", {"agreement_ids": "Ska vara en lista."}
        )
    reports.organisation(org_id)
    decisions = services.split_decision(org_id, year, ids, data, actor())
    db.session.commit()
    return jsonify({"items": [decision_json(d) for d in decisions]}), 201


# --- reports -------------------------------------------------------------------------------


def _account(year: int) -> reports.YearlyAccount:
    org_id = int_arg("organisation_id")
    if org_id is None:
        raise MalformedInput(
            "Ange huvudmannen: ?organisation_id=", {"organisation_id": "Fältet krävs."}
        )
    return reports.yearly_account(org_id, year, as_of_arg())


def _file(body: bytes, mimetype: str, name: str) -> Response:
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


_ORG_QUERY = {
    "organisation_id": "the huvudman (bestallare or huvudman of the agreements)",
    "as_of": "YYYY-MM-DD, default today: FTE and compensation as the agreements stood that day",
}


@bp.route("/reports/yearly/<int:year>", methods=["GET"])
@doc("The yearly account of a huvudman", query=_ORG_QUERY, tag="grants")
def yearly_report(year: int):
    return jsonify(reports.account_json(_account(year)))


@bp.route("/reports/yearly/<int:year>.xlsx", methods=["GET"])
@doc("The yearly account of a huvudman as Excel", query=_ORG_QUERY, tag="grants")
def yearly_report_xlsx(year: int):
    return _file(reports.account_xlsx(_account(year)), XLSX, f"redovisning-{year}.xlsx")


@bp.route("/reports/yearly/<int:year>.docx", methods=["GET"])
@doc("The yearly account of a huvudman as Word", query=_ORG_QUERY, tag="grants")
def yearly_report_docx(year: int):
    return _file(reports.account_docx(_account(year)), DOCX, f"redovisning-{year}.docx")


@bp.route("/reports/application/<int:year>", methods=["GET"])
@doc("The grant application of a huvudman", query=_ORG_QUERY, tag="grants")
def application_report(year: int):
    return jsonify(reports.application_json(_account(year)))


@bp.route("/reports/application/<int:year>.xlsx", methods=["GET"])
@doc("The grant application of a huvudman as Excel", query=_ORG_QUERY, tag="grants")
def application_report_xlsx(year: int):
    return _file(reports.application_xlsx(_account(year)), XLSX, f"ansokan-{year}.xlsx")


@bp.route("/reports/application/<int:year>.docx", methods=["GET"])
@doc("The grant application of a huvudman as Word", query=_ORG_QUERY, tag="grants")
def application_report_docx(year: int):
    return _file(reports.application_docx(_account(year)), DOCX, f"ansokan-{year}.docx")
