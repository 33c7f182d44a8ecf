"""Meeting attachments (photos of the room, scans of the signed sheet or minutes) and each
user's private calendar feed."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from ronghe.core import audit, private_files
from ronghe.orglife.models import Attachment, CalendarFeed, Meeting
from ronghe.orglife.services import MeetingRefused


def attachment_add(*, meeting: Meeting, upload: Any, by: Any) -> Attachment:
    """Keep a photo or scan of the meeting as a private file (JPEG, PNG or PDF, within the
    size limit); anything else is refused and nothing is stored."""
    if meeting.status == Meeting.Status.CANCELLED:
        raise MeetingRefused([_("The meeting was cancelled.")])
    limit = settings.RONGHE_ATTACHMENT_MAX_BYTES
    if (upload.size or 0) > limit:
        raise MeetingRefused(
            [_("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)}]
        )
    if meeting.attachments.count() >= settings.RONGHE_ATTACHMENTS_PER_MEETING:
        raise MeetingRefused(
            [
                _("A meeting keeps at most %(n)s files.")
                % {"n": settings.RONGHE_ATTACHMENTS_PER_MEETING}
            ]
        )
    kind = private_files.photo_or_scan(upload)
    if kind is None:
        raise MeetingRefused([_("Attach a photo (JPEG, PNG) or a scan (PDF).")])
    content_type, suffix = kind
    stored, digest, size = private_files.store("attachments", upload.chunks(), suffix)
    name = (upload.name or "file").rsplit("/", 1)[-1][:200]
    try:
        with transaction.atomic():
            attachment = Attachment.objects.create(
                meeting=meeting,
                name=name,
                content_type=content_type,
                size=size,
                sha256=digest,
                stored_name=stored,
                uploaded_by=by if getattr(by, "is_authenticated", False) else None,
            )
            audit.record(
                audit.Action.CREATE,
                actor=by,
                obj=attachment,
                object_repr=f"{meeting} · {name}"[:200],
                after={"meeting": str(meeting.code), "name": name, "size": size, "sha256": digest},
            )
    except BaseException:
        private_files.delete("attachments", stored)  # no row, no file
        raise
    return attachment


@transaction.atomic
def attachment_delete(*, attachment: Attachment, by: Any) -> None:
    audit.record(
        audit.Action.DELETE,
        actor=by,
        obj=attachment,
        object_repr=f"{attachment.meeting} · {attachment.name}"[:200],
        before={"name": attachment.name, "sha256": attachment.sha256},
    )
    stored = attachment.stored_name
    attachment.delete()
    transaction.on_commit(lambda: private_files.delete("attachments", stored))


# --- the calendar feed -----------------------------------------------------------------------

FEED_PAST = timedelta(days=90)
FEED_FUTURE = timedelta(days=366)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def feed_renew(*, user: Any) -> str:
    """A new private feed key for the user (the old address stops working); returns the key,
    which is shown once and stored only as a hash."""
    key = secrets.token_urlsafe(24)
    existed = CalendarFeed.objects.filter(user=user).exists()
    CalendarFeed.objects.update_or_create(user=user, defaults={"key_hash": _hash(key)})
    audit.record(
        audit.Action.UPDATE if existed else audit.Action.CREATE,
        actor=user,
        obj=user,
        message="calendar feed renewed" if existed else "calendar feed created",
    )
    return key


@transaction.atomic
def feed_stop(*, user: Any) -> None:
    if CalendarFeed.objects.filter(user=user).delete()[0]:
        audit.record(audit.Action.DELETE, actor=user, obj=user, message="calendar feed stopped")


def feed_owner(key: str) -> Any:
    """The active user a feed key belongs to, or None."""
    feed = (
        CalendarFeed.objects.filter(key_hash=_hash(key), user__is_active=True)
        .select_related("user")
        .first()
    )
    if feed is None:
        return None
    now = timezone.now()
    if feed.last_used_at is None or now - feed.last_used_at > timedelta(hours=1):
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
    return feed.user


def feed_meetings(person_id: int) -> Iterable[Meeting]:
    now = timezone.now()
    return (
        Meeting.objects.filter(
            attendance__person_id=person_id,
            starts_at__gte=now - FEED_PAST,
            starts_at__lt=now + FEED_FUTURE,
        )
        .select_related("org")
        .order_by("starts_at")
    )


def ics(meetings: Iterable[Meeting], *, site: str) -> bytes:
    """The meetings as an iCalendar file; a cancelled one stays in it, marked CANCELLED, so
    a subscribed calendar drops it."""
    calendar = Calendar()
    calendar.add("prodid", "-//Ronghe//orglife//ZH")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("Organisational life"))
    for meeting in meetings:
        event = Event()
        event.add("uid", f"{meeting.code}@ronghe")
        event.add("dtstamp", meeting.updated_at)
        event.add("dtstart", meeting.starts_at)
        event.add("dtend", meeting.ends_at or meeting.starts_at + timedelta(hours=1))
        event.add("summary", f"{meeting.get_kind_display()}：{meeting.title}")
        if meeting.place:
            event.add("location", meeting.place)
        event.add("description", meeting.org.name)
        event.add("url", site + reverse("orglife:detail", args=[meeting.code]))
        event.add(
            "status", "CANCELLED" if meeting.status == Meeting.Status.CANCELLED else "CONFIRMED"
        )
        calendar.add_component(event)
    return calendar.to_ical()
