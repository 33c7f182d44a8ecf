"""Idempotency-Key on API writes (SECURITY.md J-3): one effect per key, replayed answers."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from ronghe.accounts import tokens
from ronghe.api.tests.urls import NOTE
from ronghe.core import tasks
from ronghe.core.models import AuditEvent, IdempotencyKey
from ronghe.testing import Cast

pytestmark = [pytest.mark.urls("ronghe.api.tests.urls"), pytest.mark.req("J-3")]

URL = "/api/test/notes"


def post(client: Client, body: dict[str, Any], key: str | None = "key-1", **headers: str) -> Any:
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(URL, json.dumps(body), content_type="application/json", headers=headers)


def effects(text: str | None = None) -> int:
    notes = AuditEvent.objects.filter(object_type=NOTE)
    return (notes.filter(object_id=text) if text else notes).count()


def test_the_same_post_twice_has_one_effect_and_the_same_answer(cast: Cast) -> None:
    client = cast.client("secretary")
    first = post(client, {"text": "hello"})
    second = post(client, {"text": "hello"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert effects("hello") == 1
    row = IdempotencyKey.objects.get()
    assert (row.user, row.key, row.status_code) == (cast.users["secretary"], "key-1", 201)


def test_a_different_body_with_the_same_key_is_refused_and_runs_nothing(cast: Cast) -> None:
    client = cast.client("secretary")
    post(client, {"text": "hello"})
    response = post(client, {"text": "changed"})
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_mismatch"
    assert effects() == 1 and effects("changed") == 0


def test_a_duplicate_while_the_first_is_in_flight_gets_409(cast: Cast) -> None:
    body = json.dumps({"text": "hello"}).encode()
    IdempotencyKey.objects.create(  # the first request, still running
        user=cast.users["secretary"],
        key="key-1",
        method="POST",
        path=URL,
        body_sha256=hashlib.sha256(body).hexdigest(),
    )
    response = post(cast.client("secretary"), {"text": "hello"})
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_conflict"
    assert effects() == 0


def test_a_key_left_unfinished_by_a_dead_request_is_taken_over(cast: Cast) -> None:
    body = json.dumps({"text": "hello"}).encode()
    stale = IdempotencyKey.objects.create(
        user=cast.users["secretary"],
        key="key-1",
        method="POST",
        path=URL,
        body_sha256=hashlib.sha256(body).hexdigest(),
        created_at=timezone.now() - timedelta(minutes=10),
    )
    response = post(cast.client("secretary"), {"text": "hello"})
    assert response.status_code == 201
    assert effects("hello") == 1
    stale_lock = stale.lock
    stale.refresh_from_db()
    assert stale.status_code == 201 and stale.lock != stale_lock


def test_keys_belong_to_one_user(cast: Cast) -> None:
    first = post(cast.client("secretary"), {"text": "hello"})
    other = post(cast.client("member"), {"text": "hello"})
    assert other.status_code == 201 and "Idempotent-Replayed" not in other
    assert other.json()["note"] != first.json()["note"]
    assert effects("hello") == 2


def test_without_a_key_every_post_runs(cast: Cast) -> None:
    client = cast.client("secretary")
    post(client, {"text": "hello"}, key=None)
    post(client, {"text": "hello"}, key=None)
    assert effects("hello") == 2
    assert not IdempotencyKey.objects.exists()


def test_bad_input_is_refused_before_anything_is_stored(cast: Cast) -> None:
    client = cast.client("secretary")
    response = post(client, {"count": "many"})
    assert response.status_code == 422 and response.json()["code"] == "invalid"
    assert not IdempotencyKey.objects.exists()
    assert post(client, {"text": "hello"}).status_code == 201  # the same key is still free


@pytest.mark.parametrize("key", ["", "k" * 256, "键"])
def test_a_malformed_key_is_bad_input(cast: Cast, key: str) -> None:
    response = post(cast.client("secretary"), {"text": "hello"}, key=key)
    assert response.status_code == 422
    (item,) = response.json()["detail"]
    assert item["field"] == "Idempotency-Key"
    assert effects() == 0


def test_a_refused_request_is_not_stored_and_may_be_retried(cast: Cast) -> None:
    client = cast.client("secretary")
    response = post(client, {"text": "forbidden"})
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert not IdempotencyKey.objects.exists()


def test_a_failure_after_the_effect_rolls_it_back_and_frees_the_key(cast: Cast) -> None:
    client = cast.client("secretary")
    client.raise_request_exception = False
    assert post(client, {"text": "boom"}).status_code == 500
    assert effects() == 0  # the effect rolled back with the failure
    assert not IdempotencyKey.objects.exists()


def test_token_callers_are_covered_too(cast: Cast) -> None:
    _token, secret = tokens.token_create(
        user=cast.users["secretary"], name="sync", scope="write", expires_days=30, by=None
    )
    client = Client()
    auth = {"Authorization": f"Bearer {secret}"}
    first = post(client, {"text": "hello"}, **auth)
    second = post(client, {"text": "hello"}, **auth)
    assert first.status_code == 201 and second.content == first.content
    assert second["Idempotent-Replayed"] == "true"
    assert effects("hello") == 1


def test_an_upload_is_fingerprinted_by_its_fields_and_file(cast: Cast) -> None:
    client = cast.client("secretary")

    def upload(content: bytes) -> Any:
        return client.post(
            "/api/test/uploads",
            {"label": "roster", "file": SimpleUploadedFile("a.csv", content)},
            headers={"Idempotency-Key": "upload-1"},
        )

    first = upload(b"1,2,3")
    again = upload(b"1,2,3")
    other = upload(b"4,5,6")
    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 422)
    assert again.content == first.content
    assert effects() == 1


def test_keys_older_than_a_day_are_pruned(cast: Cast) -> None:
    client = cast.client("secretary")
    post(client, {"text": "old"}, key="old")
    post(client, {"text": "new"}, key="new")
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))
    assert tasks.prune_idempotency_keys.call_local() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]
