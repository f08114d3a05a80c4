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


def _operation(view, method: str, params: list[str]) -> dict[str, Any]:
    info = getattr(
        view,
        "api_doc",
        {"summary": view.__name__.replace("_", " "), "body": None, "query": {}, "tag": None},
    )
    op: dict[str, Any] = {
        "summary": info["summary"],
        "operationId": f"{method.lower()}_{view.__name__}",
        "parameters": [
            {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
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
            "401": {
                "description": "Missing or invalid token",
                "content": {"application/json": {"schema": ERROR_SCHEMA}},
            },
            "403": {
                "description": "Role does not allow this",
                "content": {"application/json": {"schema": ERROR_SCHEMA}},
            },
            "404": {
                "description": "Not found",
                "content": {"application/json": {"schema": ERROR_SCHEMA}},
            },
        },
    }
    if info["tag"]:
        op["tags"] = [info["tag"]]
    if method in ("POST", "PUT", "PATCH"):
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": info["body"] or {"type": "object"}}},
        }
        op["responses"]["400"] = {
            "description": "Malformed input",
            "content": {"application/json": {"schema": ERROR_SCHEMA}},
        }
        op["responses"]["409"] = {
            "description": "Conflict (stale version)",
            "content": {"application/json": {"schema": ERROR_SCHEMA}},
        }
        op["responses"]["422"] = {
            "description": "Breaks a rule",
            "content": {"application/json": {"schema": ERROR_SCHEMA}},
        }
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
            paths.setdefault(path, {})[method.lower()] = _operation(view, method, params)
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
