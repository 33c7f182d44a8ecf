"""A tiny test-only API next to the real one, for what no real endpoint shows on its own.

`POST /api/test/notes` writes one audit row per note (the "business effect", easy to count)
and answers with a fresh UUID, so a replayed answer is told apart from a second run. A note
whose text is "boom" fails after its effect; "forbidden" is refused before it.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import path
from ninja import File, Form, NinjaAPI, Router, Schema, Status
from ninja.files import UploadedFile

from ronghe.api.idempotency import idempotent
from ronghe.api.root import AUTH, add_error_handlers, urls
from ronghe.core import audit
from ronghe.urls import urlpatterns as site_patterns

NOTE = "test.note"

router = Router()


class NoteIn(Schema):
    text: str
    count: int = 1


class NoteOut(Schema):
    note: uuid.UUID
    text: str


def _write(request: HttpRequest, text: str) -> dict[str, Any]:
    audit.record(audit.Action.CREATE, actor=request.user, object_type=NOTE, object_id=text)
    if text == "boom":
        raise RuntimeError("failed after writing")
    return {"note": uuid.uuid4(), "text": text}


@router.post("/notes", response={201: NoteOut})
@idempotent
def create_note(request: HttpRequest, data: NoteIn) -> Any:
    if data.text == "forbidden":
        raise PermissionDenied
    return Status(201, _write(request, data.text))


@router.post("/uploads", response={201: NoteOut})
@idempotent
def upload_note(request: HttpRequest, file: File[UploadedFile], label: Form[str]) -> Any:
    return Status(201, _write(request, f"{label}:{file.read().decode()}"))


test_api = NinjaAPI(
    auth=AUTH, urls_namespace="api_test", docs_url=None, openapi_url=None, version="test"
)
add_error_handlers(test_api)
test_api.add_router("/", router)

urlpatterns = [*site_patterns, path("api/test/", urls(test_api))]
