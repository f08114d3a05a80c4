"""Index series pages."""

from flask import Blueprint, render_template

bp = Blueprint("indexation", __name__, url_prefix="/index")


@bp.route("/")
def index():
    return render_template("indexation/index.html")
