"""Domain errors raised by services, and the handlers that turn them (and HTTP errors)
into JSON for the API and calm pages for people."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A request that cannot be carried out; ``status`` and ``code`` follow API.md."""

    status = 422
    code = "validation_failed"

    def __init__(self, message: str, fields: dict[str, str] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code


class ValidationError(DomainError):
    """Input that breaks a rule (422)."""


class MalformedInput(DomainError):
    """Input that cannot be read at all: not JSON, wrong type, not a date (400)."""

    status = 400
    code = "malformed"


class ConflictError(DomainError):
    """Someone else changed the record first (409)."""

    status = 409
    code = "conflict"


class NotFoundError(DomainError):
    status = 404
    code = "not_found"


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def error_json(status: int, code: str, message: str, fields: dict[str, str] | None = None):
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    return jsonify(body), status


_HTTP_CODES = {
    400: "malformed",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
}


def _holds_out_of_range_id(path: str) -> bool:
    from app.core.query import MAX_ID

    return any(part.isdigit() and int(part) > MAX_ID for part in path.split("/"))


def init_app(app: Flask) -> None:
    from app.extensions import db

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        db.session.rollback()
        if is_api_request():
            return error_json(exc.status, exc.code, exc.message, exc.fields)
        return render_template(
            "errors/error.html", status=exc.status, message=exc.message
        ), exc.status

    @app.errorhandler(StaleDataError)
    def stale(exc):
        db.session.rollback()
        message = _("Någon annan har ändrat posten under tiden. Ladda om sidan och försök igen.")
        if is_api_request():
            return error_json(409, "conflict", message)
        return render_template("errors/error.html", status=409, message=message), 409

    @app.errorhandler(IntegrityError)
    def integrity(exc):
        db.session.rollback()
        log.warning("integrity error: %s", exc.orig)
        message = _(
            "Uppgifterna krockar med en befintlig post (till exempel ett namn eller diarienummer som redan finns)."
        )
        if is_api_request():
            return error_json(409, "conflict", message)
        return render_template("errors/error.html", status=409, message=message), 409

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        if status == 405 and _holds_out_of_range_id(request.path):
            # Werkzeug's router answers 405 when an id beyond MAX_ID fails the route of this
            # method while another method's route is on the same path: it is a 404, as on
            # every other method.
            status = 404
        messages = {
            400: _("Begäran kunde inte läsas."),
            401: _("Du behöver logga in."),
            403: _("Din roll får inte göra detta."),
            404: _("Sidan eller posten finns inte."),
            405: _("Metoden är inte tillåten här."),
            413: _("Filen är för stor."),
            429: _("För många försök. Vänta en stund och försök igen."),
        }
        message = messages.get(status, exc.description or exc.name)
        if is_api_request():
            return error_json(status, _HTTP_CODES.get(status, "error"), message)
        return render_template("errors/error.html", status=status, message=message), status

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        db.session.rollback()
        log.exception("unhandled error")
        if app.testing and app.config.get("PROPAGATE_UNEXPECTED", True):
            raise exc
        message = _(
            "Ett oväntat fel inträffade. Det är loggat; försök igen eller kontakta förvaltningen."
        )
        if is_api_request():
            return error_json(500, "internal_error", message)
        return render_template("errors/error.html", status=500, message=message), 500
