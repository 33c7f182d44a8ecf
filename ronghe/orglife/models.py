"""Organisational life (三会一课 and the rest): meetings, who was invited and came, agendas
with business topics, minutes, resolutions and their votes, attachments."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ronghe.core.access import Cap, reach_of
from ronghe.core.models import KeptFile, PublicModel


class MeetingKind(models.TextChoices):
    GENERAL_MEETING = "general_meeting", _("Branch general meeting")  # 支部党员大会
    COMMITTEE_MEETING = "committee_meeting", _("Branch committee meeting")  # 支部委员会
    GROUP_MEETING = "group_meeting", _("Party group meeting")  # 党小组会
    PARTY_LECTURE = "party_lecture", _("Party lecture")  # 党课
    THEME_DAY = "theme_day", _("Theme Party day")  # 主题党日
    ORG_LIFE_MEETING = "org_life_meeting", _("Organisational life meeting")  # 组织生活会
    DEMOCRATIC_LIFE_MEETING = "democratic_life_meeting", _("Democratic life meeting")  # 民主生活会
    CENTRAL_GROUP_STUDY = "central_group_study", _("Central group study")  # 中心组学习
    COMMITTEE_SESSION = "committee_session", _("Party committee session")  # 党委会
    FORUM = "forum", _("Forum")  # 座谈会


class MeetingQuerySet(models.QuerySet["Meeting"]):
    def visible_to(self, user: Any) -> MeetingQuerySet:
        """Meetings of organisations in the user's reach, and any meeting they are invited to."""
        reach = reach_of(user)
        condition = reach.q(Cap.READ_MEETINGS, party="org__")
        if reach.person_id is not None:
            condition |= Q(
                pk__in=Attendance.objects.filter(person_id=reach.person_id).values("meeting_id")
            )
        return self.filter(condition)

    def writable_by(self, user: Any) -> MeetingQuerySet:
        """Staff, secretaries and committee members of the organisation, and the meeting's own
        host and recorder (a 党小组长 or the 组织委员 keeping the record)."""
        reach = reach_of(user)
        condition = reach.q(Cap.WRITE_MEETINGS, party="org__")
        if reach.person_id is not None:
            condition |= Q(host_id=reach.person_id) | Q(recorder_id=reach.person_id)
        return self.filter(condition)

    def held(self) -> MeetingQuerySet:
        return self.filter(status=Meeting.Status.HELD)

    def not_cancelled(self) -> MeetingQuerySet:
        return self.exclude(status=Meeting.Status.CANCELLED)

    def between(self, start: Any, end: Any) -> MeetingQuerySet:
        """Meetings starting in [start, end)."""
        return self.filter(starts_at__gte=start, starts_at__lt=end)

    def for_list(self) -> MeetingQuerySet:
        return self.select_related("org", "host", "recorder")


class Meeting(PublicModel):
    """One meeting of a Party organisation: planned with an agenda, then held and recorded."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    org = models.ForeignKey(
        "orgs.PartyOrg",
        on_delete=models.PROTECT,
        related_name="meetings",
        verbose_name=_("organisation"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=MeetingKind.choices)
    title = models.CharField(_("theme"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    host = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("host"),
    )
    recorder = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorder"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    # The day it was held, set when it is recorded as held: what compliance counts.
    held_on = models.DateField(_("held on"), null=True, blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    # The kind's own record fields (orglife.kinds), validated by the kind's form.
    details = models.JSONField(default=dict, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]
        indexes = [
            models.Index(fields=["org", "starts_at"]),
            models.Index(fields=["status", "held_on", "kind"]),
            models.Index(fields=["status", "starts_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.title}"


class AgendaTopic(models.Model):
    """One item on a meeting's agenda. A business topic names the business it serves: this is
    how much business content organisational life carries is measured."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="topics")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("topic"), max_length=200)
    is_business = models.BooleanField(_("business topic"), default=False)
    unit = models.ForeignKey(
        "orgs.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("business unit"),
    )
    business_note = models.CharField(_("business goal served"), max_length=200, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    """One invited person at one meeting: whether they came, and how they signed in."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Not signed in")
        PRESENT = "present", _("Present")
        LATE = "late", _("Late")
        LEAVE = "leave", _("On leave")
        ABSENT = "absent", _("Absent")

    class Method(models.TextChoices):
        RECORDER = "recorder", _("By the recorder")
        QR = "qr", _("Scanned the code")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(pgettext_lazy("attendance", "reason"), max_length=200, blank=True)
    # Full members vote; 预备党员 attend without a vote (DOMAIN-RULES R1.10). Fixed at planning.
    voting = models.BooleanField(default=False)
    # Left out of the should-attend count with the upper organisation's consent (R1.13).
    excluded = models.BooleanField(default=False)
    signed_at = models.DateTimeField(null=True, blank=True)
    method = models.CharField(max_length=10, choices=Method.choices, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="attendance_once")
        ]
        indexes = [models.Index(fields=["person", "meeting"])]

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.person_id}:{self.status}"

    @property
    def came(self) -> bool:
        return self.status in (self.Status.PRESENT, self.Status.LATE)


class Resolution(PublicModel):
    """A decision the meeting took (决议), with its vote when it was put to one."""

    class VoteKind(models.TextChoices):
        NONE = "none", _("No vote")
        ORDINARY = "ordinary", _("Vote")
        ELECTION = "election", _("Election")

    class Outcome(models.TextChoices):
        PASSED = "passed", _("Passed")
        FAILED = "failed", _("Not passed")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="resolutions")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.TextField(_("resolution"))
    vote_kind = models.CharField(
        _("vote"), max_length=10, choices=VoteKind.choices, default=VoteKind.NONE
    )
    yes = models.PositiveIntegerField(_("in favour"), null=True, blank=True)
    no = models.PositiveIntegerField(_("against"), null=True, blank=True)
    abstain = models.PositiveIntegerField(_("abstaining"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class ResolutionTask(models.Model):
    """A task a resolution became. Tasks live in the task list (`plans`, a later capability),
    which calls `orglife.services.resolution_link_task`; the link is kept here by code."""

    resolution = models.ForeignKey(Resolution, on_delete=models.CASCADE, related_name="task_links")
    task_code = models.UUIDField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resolution", "task_code"], name="resolution_task_once")
        ]

    def __str__(self) -> str:
        return str(self.task_code)


class AttachmentQuerySet(models.QuerySet["Attachment"]):
    """An attachment is seen and changed by whoever sees and changes its meeting."""

    def visible_to(self, user: Any) -> AttachmentQuerySet:
        return self.filter(meeting__in=Meeting.objects.visible_to(user))

    def writable_by(self, user: Any) -> AttachmentQuerySet:
        return self.filter(meeting__in=Meeting.objects.writable_by(user))


class Attachment(KeptFile):
    """A photo or scan of a meeting (sign-in sheet, minutes page), kept as a private file."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attachments")

    objects = AttachmentQuerySet.as_manager()

    class Meta(KeptFile.Meta):
        pass


class CalendarFeed(models.Model):
    """A user's private iCalendar address (for a phone or desktop calendar). Only a hash of
    its key is kept; a new key replaces the old one, which then stops working."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"calendar feed of {self.user}"
