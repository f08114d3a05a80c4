"""API routes for index series, grant rates and money per agreement (see API.md, "Index series
and grants" and "Money"). Amounts are strings "4107597.00", percentages "2.9", factors exact
decimal strings."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from flask import jsonify
from flask_babel import gettext as _

from app.agreements.models import AGREEMENT_KINDS, Agreement
from app.api import bp
from app.api.helpers import (
    Reader,
    as_of_arg,
    choice_arg,
    decimal_str,
    int_arg,
    json_body,
    page_args,
    short_decimal,
)
from app.api.openapi import doc
from app.auth import actor, permission_required
from app.core.errors import MalformedInput, ValidationError
from app.core.money import plain_decimal, share_text
from app.extensions import db
from app.finance import rules, services
from app.finance.rules import YearResult
from app.indexation import services as indexation
from app.indexation.models import IndexSeries


def _amount(value: Decimal | None) -> str | None:
    return decimal_str(value, 2)


def _factor(value: Decimal | None) -> str | None:
    return None if value is None else plain_decimal(value)


def _series_json(series: IndexSeries) -> dict:
    return {
        "code": series.code,
        "name": series.name,
        "description": series.description,
        "years": [
            {"year": v.year, "percent": short_decimal(v.percent), "status": v.status}
            for v in series.values
        ],
        "history": [
            {
                "year": c.year,
                "old_percent": short_decimal(c.old_percent),
                "old_status": c.old_status,
                "new_percent": short_decimal(c.new_percent),
                "new_status": c.new_status,
                "user": c.user.username if c.user else None,
                "at": c.at.isoformat(),
            }
            for c in series.changes
        ],
    }


def year_json(result: YearResult, in_force: bool) -> dict:
    return {
        "year": result.year,
        "in_force": in_force,
        "total": _amount(result.total),
        "preliminary": result.preliminary,
        "missing": [m.message for m in result.missing],
        "items": [
            {
                "label": i.label,
                "amount": _amount(i.amount),
                "factor": _factor(i.factor),
                "preliminary": i.preliminary,
            }
            for i in result.items
        ],
        "statsbidrag": _amount(result.statsbidrag),
        "statsbidrag_basis": result.statsbidrag_basis,
        "net": _amount(result.net),
        "shares": [{"organisation_id": k, "amount": _amount(a)} for k, a in result.shares],
    }


def _str_field(data: dict, name: str, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None:
        if required:
            raise MalformedInput(f"Fältet {name} krävs.", {name: "Fältet krävs."})
        return None
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise MalformedInput(
            f'{name} ska vara en sträng, t.ex. "2.9".', {name: "Ska vara en textsträng."}
        )
    return str(value)


@bp.route("/index-series", methods=["POST"])
@permission_required("edit_index")
@doc(
    "Create an index series",
    body={
        "type": "object",
        "properties": {
            "code": {"type": "string"},
            "name": {"type": "string"},
            "description": {"type": "string"},
        },
        "required": ["code", "name"],
    },
    tag="finance",
)
def create_index_series():
    data = json_body()
    for name in ("code", "name", "description"):
        if name in data and data[name] is not None and not isinstance(data[name], str):
            raise MalformedInput(f"{name} ska vara en sträng.", {name: "Ska vara en textsträng."})
    series = indexation.create_series(
        data.get("code") or "", data.get("name") or "", data.get("description"), actor()
    )
    db.session.commit()
    return jsonify(_series_json(series)), 201


@bp.route("/index-series/<code>", methods=["GET"])
@doc("One index series with its years and the history of changes", tag="finance")
def get_index_series(code: str):
    return jsonify(_series_json(indexation.get_series(code)))


@bp.route("/index-series/<code>/years/<int:year>", methods=["PUT"])
@permission_required("edit_index")
@doc(
    "Enter or change a year's value (percent as a string, status preliminary or final)",
    body={
        "type": "object",
        "properties": {
            "percent": {"type": "string"},
            "status": {"type": "string", "enum": ["preliminary", "final"]},
            "known_from": {"type": "string", "format": "date"},
        },
        "required": ["percent", "status"],
    },
    tag="finance",
)
def put_index_value(code: str, year: int):
    series = indexation.get_series(code)
    data = json_body()
    percent = _str_field(data, "percent")
    status = _str_field(data, "status")
    # The day the value became known (published, decided); drafts as of earlier days do not
    # see it. Default: today.
    known_from = None
    if "known_from" in data:
        reader = Reader(data)
        known_from = reader.date("known_from")
        reader.finish()
    value = indexation.set_value(series, year, percent, status, actor(), known_from=known_from)
    db.session.commit()
    return jsonify(
        {
            "code": series.code,
            "year": value.year,
            "percent": short_decimal(value.percent),
            "status": value.status,
        }
    )


def _item_json(item) -> dict:
    return {
        "id": item.id,
        "label": item.label,
        "amount": _amount(item.amount),
        "price_level_year": item.price_level_year,
        "index_series": item.series.code if item.series else None,
        "first_adjusted_year": item.first_adjusted_year,
        "rounding": item.rounding,
        "fte_basis": short_decimal(item.fte_basis),
        "valid_from_year": item.valid_from_year,
    }


@bp.route("/agreements/<int:agreement_id>/compensation-items", methods=["POST"])
@permission_required("edit_compensation")
@doc(
    "Add a compensation line (amount in kronor as a string; index_series a code or null)",
    body={
        "type": "object",
        "properties": {
            "label": {"type": "string"},
            "amount": {"type": "string"},
            "price_level_year": {"type": "integer"},
            "index_series": {"type": "string", "nullable": True},
            "first_adjusted_year": {"type": "integer"},
            "rounding": {"type": "string", "enum": ["final", "yearly"]},
            "fte_basis": {"type": "string"},
            "valid_from_year": {
                "type": "integer",
                "description": "the line counts from this year on (e.g. more årsarbetare called "
                "off); null: every year",
            },
        },
        "required": ["label", "amount", "price_level_year"],
    },
    tag="finance",
)
def add_compensation_item(agreement_id: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    data = json_body()
    if isinstance(data.get("amount"), float):
        raise MalformedInput(
            'amount ska vara en sträng, t.ex. "4107597.00".', {"amount": "Ska vara en sträng."}
        )
    for name in ("price_level_year", "first_adjusted_year"):
        v = data.get(name)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int)):
            raise MalformedInput(f"{name} ska vara ett heltal.", {name: "Ska vara ett heltal."})
    item = services.add_item(agreement, data, actor())
    db.session.commit()
    return jsonify(_item_json(item)), 201


@bp.route("/agreements/<int:agreement_id>/compensation-items", methods=["GET"])
@doc("The agreement's compensation lines", tag="finance")
def list_compensation_items(agreement_id: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    return jsonify({"items": [_item_json(i) for i in services.items_of(agreement)]})


@bp.route("/agreements/<int:agreement_id>/cost-shares", methods=["PUT"])
@permission_required("edit_compensation")
@doc(
    'Replace the cost shares: [{organisation_id, share}], share "0.25" or "1/3", adding up to '
    "exactly 1; they split the net cost (after statsbidrag)",
    body={
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"organisation_id": {"type": "integer"}, "share": {"type": "string"}},
        },
    },
    tag="finance",
)
def put_cost_shares(agreement_id: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    entries = json_body(list)
    if not all(isinstance(e, dict) for e in entries):
        raise MalformedInput("Varje andel ska vara ett objekt {organisation_id, share}.")
    rows = services.set_cost_shares(agreement, entries, actor(), method="fraction")
    db.session.commit()
    return jsonify(
        {
            "items": [
                {
                    "organisation_id": r.organisation_id,
                    "share": share_text(Fraction(r.numerator, r.denominator)),
                }
                for r in rows
            ]
        }
    )


def _year_arg(name: str, default: int | None = None) -> int:
    """The year in ``?name=``, refused (422) under its own name when out of reach."""
    value = int_arg(name)
    if value is None:
        if default is None:
            raise MalformedInput(f"Ange ?{name}=ÅÅÅÅ.", {name: "Krävs."})
        return default
    if not rules.MIN_YEAR <= value <= rules.MAX_YEAR:
        message = _("Året måste vara mellan %(a)s och %(b)s.", a=rules.MIN_YEAR, b=rules.MAX_YEAR)
        raise ValidationError(_("Ogiltigt år."), {name: message})
    return value


@bp.route("/agreements/<int:agreement_id>/compensation", methods=["GET"])
@doc(
    "Indexed compensation, statsbidrag, net cost and each party's share per year",
    query={
        "from_year": "first year",
        "to_year": "last year (default: from_year)",
        "as_of": "the agreement as it stood that day (no amendment taking effect later)",
    },
    tag="finance",
)
def get_compensation(agreement_id: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    from_year = _year_arg("from_year")
    to_year = _year_arg("to_year", from_year)
    years = services.compensation_years(agreement, from_year, to_year, as_of=as_of_arg())
    # A year outside the agreement's time is computed all the same (what it would cost, e.g.
    # for a new agreement's draft) and says in_force: false.
    return jsonify(
        {
            "agreement_id": agreement.id,
            "years": [year_json(r, services.runs_in_year(agreement, r.year)) for r in years],
        }
    )


@bp.route("/agreements/<int:agreement_id>/instalments", methods=["GET"])
@doc(
    "The year's invoices. annual = the total compensation for the year (before statsbidrag: "
    "the invoicing party invoices the whole compensation, the grant is applied for separately), "
    "split by the agreement's invoicing frequency (monthly 1/12, quarterly, yearly; the last "
    "period takes the remainder). With cost shares, parties[] gives each party's share of the "
    "net cost split the same way (the invoice from invoicing_party_id to each party).",
    query={
        "year": "the year",
        "as_of": "the agreement as it stood that day (no amendment taking effect later)",
    },
    tag="finance",
)
def get_instalments(agreement_id: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    plan = services.instalment_plan(agreement, _year_arg("year"), as_of=as_of_arg())
    return jsonify(
        {
            "year": plan["year"],
            "frequency": plan["frequency"],
            "invoicing_party_id": agreement.invoicing_party_id,
            "annual": _amount(plan["annual"]),
            "preliminary": plan["preliminary"],
            "missing": plan["missing"],
            "instalments": [
                {"period": p["period"], "amount": _amount(p["amount"])} for p in plan["instalments"]
            ],
            "parties": [
                {
                    "organisation_id": party["organisation_id"],
                    "annual": _amount(party["annual"]),
                    "instalments": [
                        {"period": p["period"], "amount": _amount(p["amount"])}
                        for p in party["instalments"]
                    ],
                }
                for party in plan["parties"]
            ],
        }
    )


@bp.route("/finance/compensation", methods=["GET"])
@doc(
    "Every non-archived agreement running in the year: its total compensation, and the sum (agreements "
    "with a missing value are listed with total null and left out of the sum)",
    query={
        "year": "the year",
        "kind": "agreement kind",
        "board_id": "board",
        "page": "1… (items are paginated; total and complete cover every agreement)",
        "per_page": "1–200, default 50",
        "as_of": "YYYY-MM-DD, default today: the agreements as they stood that day (an amendment "
        "taking effect later does not count yet)",
    },
    tag="finance",
)
def finance_compensation():
    year = _year_arg("year")
    kind = choice_arg("kind", AGREEMENT_KINDS)
    page, per_page = page_args()
    listing = services.year_listing(
        year, page, per_page, kind=kind, board_id=int_arg("board_id"), as_of=as_of_arg()
    )
    return jsonify(
        {
            "year": year,
            # One page of the agreements; ``total`` and ``complete`` are over all of them.
            "page": page,
            "per_page": per_page,
            "count": listing.count,
            "items": [
                {
                    "agreement_id": r.agreement.id,
                    "title": r.agreement.title,
                    "total": _amount(r.result.total),
                    "statsbidrag": _amount(r.result.statsbidrag),
                    "statsbidrag_basis": r.result.statsbidrag_basis,
                    "net": _amount(r.result.net),
                    "preliminary": r.result.preliminary,
                    "missing": [m.message for m in r.result.missing],
                }
                for r in listing.rows
            ],
            "total": _amount(listing.total),
            "complete": listing.complete,
        }
    )
