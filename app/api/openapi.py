"""``/api/v1/openapi.json``, generated from the routes that exist so it cannot drift from them.

Each API view may carry ``doc(summary, body=…, responses=…)``; the path, method and path
parameters come from Flask's URL map.
"""

from __future__ import annotations

import re
from typing import Any

from flask import current_app, jsonify

from app.api import bp

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
            "required": ["code", "message"],
        }
    },
}


def doc(
    summary: str,
    body: dict | None = None,
    query: dict[str, str] | None = None,
    tag: str | None = None,
):
    """Describe an API view for the OpenAPI document."""

    def decorator(view):
        view.api_doc = {"summary": summary, "body": body, "query": query or {}, "tag": tag}
        return view

    return decorator


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR_SCHEMA}}}


def _path_schema(converter) -> dict[str, Any]:
    """An ``<int:…>`` segment is an integer (ids beyond MAX_ID match no route: 404)."""
    from werkzeug.routing import IntegerConverter

    if isinstance(converter, IntegerConverter):
        return {"type": "integer", "minimum": 0}
    return {"type": "string"}


def _operation(
    view, method: str, params: list[str], converters: dict | None = None
) -> dict[str, Any]:
    """One operation, with every status it can answer: 400 (a NUL anywhere, a malformed
    parameter or body), 401, 403, 404 (an unknown or out-of-range id, on every method alike),
    422 (a value that breaks a rule) wherever there is a parameter or a body, and 409 for
    changes."""
    converters = converters or {}
    info = getattr(
        view,
        "api_doc",
        {"summary": view.__name__.replace("_", " "), "body": None, "query": {}, "tag": None},
    )
    op: dict[str, Any] = {
        "summary": info["summary"],
        "operationId": f"{method.lower()}_{view.__name__}",
        "parameters": [
            {"name": p, "in": "path", "required": True, "schema": _path_schema(converters.get(p))}
            for p in params
        ]
        + [
            {
                "name": n,
                "in": "query",
                "required": False,
                "description": d,
                "schema": {"type": "string"},
            }
            for n, d in info["query"].items()
        ],
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {}}},
            "400": _error("Malformed input (a parameter, the body, or a NUL anywhere)"),
            "401": _error("Missing or invalid token"),
            "403": _error("Role does not allow this"),
            "404": _error("Not found (an unknown or out-of-range id)"),
        },
    }
    if params or info["query"] or method in ("POST", "PUT", "PATCH"):
        op["responses"]["422"] = _error("Breaks a rule")
    if info["tag"]:
        op["tags"] = [info["tag"]]
    if method in ("POST", "PUT", "PATCH"):
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": info["body"] or {"type": "object"}}},
        }
        op["responses"]["409"] = _error("Conflict (stale version, or a duplicate)")
        op["responses"]["413"] = _error("Request too large")
    if method == "POST":
        op["responses"]["201"] = {"description": "Created", "content": {"application/json": {}}}
    return op


@bp.route("/openapi.json")
def openapi():
    paths: dict[str, dict] = {}
    for rule in current_app.url_map.iter_rules():
        if not rule.endpoint.startswith("api.") or rule.endpoint == "api.openapi":
            continue
        view = current_app.view_functions[rule.endpoint]
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule[len("/api/v1") :])
        params = re.findall(r"{([^}]+)}", path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(
                view, method, params, rule._converters
            )
    return jsonify(
        {
            "openapi": "3.0.3",
            "info": {"title": "Avtalskollen API", "version": "1"},
            "servers": [{"url": "/api/v1"}],
            "components": {
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                "schemas": {"Error": ERROR_SCHEMA},
            },
            "security": [{"bearer": []}],
            "paths": dict(sorted(paths.items())),
        }
    )
