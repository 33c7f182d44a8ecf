"""The notifications page: a person's own messages, newest first; opening one marks it read
and goes where it points."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ronghe.core.access import get_for_user
from ronghe.notify import services
from ronghe.notify.models import Notification

PAGE_SIZE = 30


@never_cache
def notification_list(request: HttpRequest) -> HttpResponse:
    """The unread count for "mark all as read" is the header bell's: no query of its own."""
    notifications = Notification.objects.visible_to(request.user)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notify/list.html", {"page": page})


@require_POST
def notification_read(request: HttpRequest, code: Any) -> HttpResponse:
    notification = get_for_user(Notification, request.user, code)  # another's: 404
    services.mark_read(notification=notification, by=request.user)
    return redirect(_destination(notification.url))


@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    services.mark_all_read(user=request.user, by=request.user)
    return redirect("notify:list")


def _destination(url: str) -> str:
    """Where a notification points, if that is a path of this site; else back to the list.
    Senders store `reverse()` paths, so anything else is a bug, not a place to send anyone."""
    if url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return url
    return reverse("notify:list")
