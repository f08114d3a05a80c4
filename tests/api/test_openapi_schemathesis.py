"""The API contract checked by a machine: schemathesis generates requests for every operation
of ``/api/v1/openapi.json`` and calls the app in-process (WSGI), checking that no response is
a server error, that every status is one the document lists for that operation, and that every
response body matches its documented schema. Bounded (a fixed number of examples per
operation, derandomised) so it finishes in a few minutes on two cores, on SQLite and
PostgreSQL alike."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from app.auth.services import issue_token

EXAMPLES_PER_OPERATION = 25
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


def test_every_operation_keeps_its_documented_contract(app, db, make_user, factory, capsys):
    app.config["PROPAGATE_UNEXPECTED"] = False  # a crash is a 500 for the check to see
    app.config["PROPAGATE_EXCEPTIONS"] = False
    admin = make_user("admin")
    token = issue_token(admin)
    db.session.commit()
    factory.agreement()  # something for the id-taking operations to find
    headers = {"Authorization": f"Bearer {token}"}

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    cases = 0
    failures: list[str] = []

    for operation in operations:

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case):
            nonlocal cases
            cases += 1
            try:
                case.call_and_validate(headers=headers, checks=CHECKS)
            finally:
                db.session.rollback()

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # collect every operation's failures
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    with capsys.disabled():
        print(f"\nschemathesis: {cases} cases over {len(operations)} operations")
    assert failures == [], "\n\n".join(failures)
