"""JSON API, version 1 (see ../shared/API.md): the same services as the pages, behind bearer tokens."""

from flask import Blueprint, g, request

from app.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


@bp.before_request
def authenticate():
    from app.auth.services import user_for_token
    from app.core.errors import error_json

    if request.endpoint == "api.openapi":
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return error_json(
            401, "unauthorized", "Ange en API-nyckel: Authorization: Bearer <nyckel>."
        )
    user = user_for_token(token.strip())
    if user is None:
        return error_json(401, "unauthorized", "API-nyckeln är ogiltig eller återkallad.")
    g.api_user = user
    return None


@bp.after_request
def commit_token_use(response):
    # The request's own changes were committed (or rolled back) by the handler; this only
    # keeps a token's last-used time.
    from app.extensions import db

    if db.session.dirty:
        db.session.commit()
    return response


# Register the routes.
from app.api import (  # noqa: E402,F401
    agreements,
    amendments,
    drafts,
    finance,
    grants,
    imports,
    lifecycle,
    openapi,
    organisations,
)
