"""The start page: what to watch."""

from flask import Blueprint, render_template

bp = Blueprint("deadlines", __name__)


@bp.route("/")
def dashboard():
    return render_template("deadlines/dashboard.html")
