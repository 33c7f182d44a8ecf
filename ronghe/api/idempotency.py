"""`Idempotency-Key` for API writes (SECURITY.md J-3, after Stripe and the IETF draft).

A client that did not hear the answer to a POST retries it with the same key and gets the
first answer again, marked `Idempotent-Replayed: true`, instead of a second effect. Put the
decorator directly under the router decorator of a POST operation:

    @router.post("", response={201: PersonOut})
    @idempotent
    def create_person(request, data: PersonIn) -> Status: ...

How it behaves, per (user, key):
- no header → the request just runs;
- first use → the key is claimed (committed at once, so a parallel duplicate sees it), the
  view runs in a transaction, and its answer is saved in that same transaction: the effect
  and the saved answer commit together or not at all;
- same key, same method, path and body, answered → the saved answer, byte for byte;
- same key, another request → 422 `idempotency_mismatch`, nothing runs;
- same key while the first request is still running → 409 `idempotency_conflict`;
- the view raises (not found, forbidden, a domain error) → nothing is saved, the key is let
  go, and the client may retry. Bad input never reaches the view: ninja refuses it first.

An unfinished key older than IN_FLIGHT_TIMEOUT belongs to a request that died; a retry takes it
over. Taking over changes the key's `lock`, so the old request, were it still alive, could not
save its answer and would roll its effect back. Keys are kept 24 hours (`core.tasks`).
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from django.utils import timezone
from ninja.decorators import decorate_view
from ninja.errors import ValidationError
from ninja.signature.utils import get_typed_signature

from ronghe.core.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_MAX_LENGTH = 255
PATH_MAX_LENGTH = 300
IN_FLIGHT_TIMEOUT = timedelta(minutes=5)
_OPERATION = "_ronghe_operation"


class IdempotencyConflict(Exception):
    """The first request with this key is still running: 409, try again shortly."""


class IdempotencyMismatch(Exception):
    """The key was first sent with another method, path or body: 422, nothing runs."""


@dataclass(frozen=True)
class Fingerprint:
    """What makes a retry "the same request": method, path and the SHA-256 of the body."""

    method: str
    path: str
    body_sha256: str

    @classmethod
    def of(cls, request: HttpRequest) -> Fingerprint:
        return cls(
            method=request.method or "",
            path=request.path[:PATH_MAX_LENGTH],
            body_sha256=_body_digest(request),
        )

    def matches(self, row: IdempotencyKey) -> bool:
        return (row.method, row.path, row.body_sha256) == (
            self.method,
            self.path,
            self.body_sha256,
        )


def _body_digest(request: HttpRequest) -> str:
    """SHA-256 of the raw body; for a multipart upload, whose raw body Django has already
    streamed away, of its fields and of each file's name and content instead."""
    try:
        return hashlib.sha256(request.body).hexdigest()
    except RawPostDataException:
        fields = [[name, request.POST.getlist(name)] for name in sorted(request.POST)]
        files = [
            [name, upload.name, _file_digest(upload)]
            for name in sorted(request.FILES)
            for upload in request.FILES.getlist(name)
        ]
        canonical = json.dumps([fields, files], ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


def _file_digest(upload: Any) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)  # the view reads it next
    return digest.hexdigest()


def _key_of(request: HttpRequest) -> str | None:
    """The header's key, or None without one; a malformed key is bad input (422)."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    key = raw.strip()
    if key and len(key) <= KEY_MAX_LENGTH and key.isascii() and key.isprintable():
        return key
    too_long = len(key) > KEY_MAX_LENGTH
    raise ValidationError(
        [
            {
                "type": "string_too_long" if too_long else "value_error",
                "loc": ("header", HEADER),
                "msg": f"1 to {KEY_MAX_LENGTH} printable ASCII characters",
                "ctx": {"max_length": KEY_MAX_LENGTH},
            }
        ]
    )


def _claim(request: HttpRequest, key: str, fingerprint: Fingerprint) -> IdempotencyKey:
    """The key's row: a fresh claim (`status_code` None, ours to run) or a finished answer.

    Raises IdempotencyMismatch or IdempotencyConflict. The insert commits on its own (outside
    any request transaction), so a duplicate arriving meanwhile finds it in flight."""
    user: Any = request.user  # authenticated: the API's auth ran before the view
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(user=user, key=key, **asdict(fingerprint))
        except IntegrityError:
            pass
        row = IdempotencyKey.objects.filter(user=user, key=key).first()
        if row is None:
            continue  # the first request failed and let its key go
        if not fingerprint.matches(row):
            raise IdempotencyMismatch
        if row.status_code is not None:
            return row
        if row.created_at > timezone.now() - IN_FLIGHT_TIMEOUT:
            raise IdempotencyConflict
        lock = uuid.uuid4()
        if _unfinished(row).update(lock=lock, created_at=timezone.now()):
            row.lock = lock
            return row
    raise IdempotencyConflict


def _unfinished(claim: IdempotencyKey) -> Any:
    """The claimed row, as long as it is still ours and unanswered."""
    return IdempotencyKey.objects.filter(pk=claim.pk, lock=claim.lock, status_code__isnull=True)


def _save(claim: IdempotencyKey, response: HttpResponse) -> None:
    if response.streaming:
        raise TypeError("an idempotent operation must answer JSON, not a stream")
    saved = _unfinished(claim).update(
        status_code=response.status_code, response_body=response.content.decode()
    )
    if not saved:  # taken over as stale: our effect must not commit a second time
        raise IdempotencyConflict


def _replay(row: IdempotencyKey, operation: Any) -> HttpResponse:
    response = HttpResponse(
        row.response_body, status=row.status_code, content_type=operation.api.get_content_type()
    )
    response[REPLAYED_HEADER] = "true"
    return response


def _remember_operation(run: Callable[..., Any]) -> Callable[..., Any]:
    """Wraps ninja's `Operation.run` so the view below can turn its result into the JSON
    answer (with the operation's response schema) while its transaction is still open."""
    operation = getattr(inspect.unwrap(run), "__self__", None)

    @functools.wraps(run)
    def run_with_operation(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        setattr(request, _OPERATION, operation)
        return run(request, *args, **kwargs)

    return run_with_operation


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    """Make a ninja POST operation honour `Idempotency-Key` (see the module docstring)."""

    @functools.wraps(view)
    def run_once(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        key = _key_of(request)
        if key is None:
            return view(request, *args, **kwargs)
        operation = getattr(request, _OPERATION, None)
        if operation is None:
            raise RuntimeError("put @idempotent directly under the router decorator")
        claim = _claim(request, key, Fingerprint.of(request))
        if claim.status_code is not None:
            return _replay(claim, operation)
        try:
            with transaction.atomic():
                result = view(request, *args, **kwargs)
                # Ninja's own result → JSON step, run here so the answer is saved before the
                # transaction commits.
                response = operation._result_to_response(
                    request, result, operation.api.create_temporal_response(request)
                )
                _save(claim, response)
        except BaseException:
            _unfinished(claim).delete()
            raise
        return response

    # Ninja reads a view's annotations in the module of the function it is given; resolved
    # here in the view's own module, a view written with `from __future__ import annotations`
    # keeps its parameter types instead of names this module does not know.
    run_once.__signature__ = get_typed_signature(view)  # type: ignore[attr-defined]
    return decorate_view(_remember_operation)(run_once)
