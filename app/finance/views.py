"""Finance pages: compensation per agreement and the yearly overview."""

from flask import Blueprint, render_template

bp = Blueprint("finance", __name__, url_prefix="/finance")


@bp.route("/")
def overview():
    return render_template("finance/overview.html")
