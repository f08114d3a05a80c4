"""The pure rules of single sign-on: role from claims, user names and profile from claims, and
reading the role map."""

from __future__ import annotations

import pytest

from app.auth.claims import (
    claim_values,
    parse_role_map,
    profile_from_claims,
    role_from_claims,
    username_base,
)

ROLE_MAP = {"g-admin": "admin", "g-edit": "editor", "g-fin": "finance", "g-read": "reader"}


@pytest.mark.parametrize(
    ("groups", "role"),
    [
        (["g-read"], "reader"),
        (["g-read", "g-fin"], "finance"),
        (["g-fin", "g-edit", "g-read"], "editor"),
        (["other", "g-admin", "g-read"], "admin"),
        (["other"], None),
        ([], None),
        ("g-edit", "editor"),  # a single value instead of a list
    ],
)
def test_the_highest_mapped_role_wins_and_no_mapped_group_gives_none(groups, role):
    assert role_from_claims({"groups": groups}, "groups", ROLE_MAP) == role


def test_a_missing_claim_gives_no_role():
    assert role_from_claims({"sub": "x"}, "groups", ROLE_MAP) is None


def test_a_nested_claim_is_read_with_dots():
    claims = {"realm_access": {"roles": ["g-fin"]}}
    assert claim_values(claims, "realm_access.roles") == ["g-fin"]
    assert role_from_claims(claims, "realm_access.roles", ROLE_MAP) == "finance"


def test_the_role_map_is_read_from_json_or_a_dict_and_checked():
    assert parse_role_map('{"a": "admin"}') == {"a": "admin"}
    assert parse_role_map({"a": "reader"}) == {"a": "reader"}
    assert parse_role_map("") == {}
    with pytest.raises(ValueError, match="roles are admin, editor, finance, reader"):
        parse_role_map({"a": "boss"})
    with pytest.raises(ValueError, match="JSON object"):
        parse_role_map('["admin"]')


def test_user_names_come_from_the_claims_and_are_cleaned():
    assert username_base({"preferred_username": "anna.a@kommun.se", "sub": "1"}) == (
        "anna.a@kommun.se"
    )
    assert username_base({"name": "Anna Andersson", "sub": "1"}) == "Anna-Andersson"
    assert username_base({"sub": "00u1/x"}) == "00u1-x"
    assert username_base({}) == "sso-user"


def test_the_profile_is_name_and_email_cut_to_the_columns():
    assert profile_from_claims({"given_name": "Anna", "family_name": "Berg"}) == ("Anna Berg", None)
    assert profile_from_claims({"name": "A" * 300, "email": "a@kommun.se"}) == (
        "A" * 200,
        "a@kommun.se",
    )
    assert profile_from_claims({"email": "x" * 255})[1] is None


def test_account_events_have_names_in_the_change_log(app):
    from app.agreements.views import audit_label

    assert audit_label("sso_signed_in") == "Inloggning med kommunens konto"
    assert audit_label("role_from_claims") == "Roll ändrad enligt kommunens konto"
