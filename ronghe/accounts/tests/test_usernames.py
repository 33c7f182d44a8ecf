"""A-1: one identity per login name, whatever its case or width."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from ronghe.accounts import services
from ronghe.accounts.models import User, normalize_username
from ronghe.testing import make_user


@pytest.fixture
def admin(db: None) -> User:
    return make_user("admin")


@pytest.mark.req("A-1")
@pytest.mark.parametrize("raw", ["Admin", "ADMIN", "ａｄｍｉｎ", "Ａｄｍｉｎ", " admin "])
def test_a_name_differing_only_in_case_or_width_is_refused(admin: User, raw: str) -> None:
    with pytest.raises(services.AccountError) as refused:
        services.account_create(username=raw, display_name="x", by=None)
    assert refused.value.field == "username"
    assert User.objects.count() == 1


@pytest.mark.req("A-1")
def test_names_are_stored_in_their_normal_form(db: None) -> None:
    user, _ = services.account_create(username="Ｗａｎｇ.Lei", display_name="x", by=None)
    assert user.username == "wang.lei"
    assert User.objects.by_login_name("WANG.LEI") == user
    assert normalize_username("ａｄｍｉｎ") == normalize_username("Admin") == "admin"


@pytest.mark.req("A-1")
def test_a_raw_insert_bypassing_normalisation_hits_the_database_constraint(admin: User) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="ADMIN", password="!")
    assert User.objects.count() == 1


@pytest.mark.req("A-1")
@pytest.mark.parametrize("raw", ["ab", "  ", "bad name", "x/y"])
def test_malformed_names_are_refused(db: None, raw: str) -> None:
    with pytest.raises(services.AccountError) as refused:
        services.account_create(username=raw, display_name="x", by=None)
    assert refused.value.field == "username"
    assert not User.objects.exists()
