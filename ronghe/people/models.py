"""The roster: everyone on it, Party member or not, with sensitive fields encrypted."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ronghe.core import crypto
from ronghe.core.access import Cap, reach_of
from ronghe.core.models import PublicModel


class PoliticalStatus(models.TextChoices):
    NON_MEMBER = "non_member", _("Non-member")
    APPLICANT = "applicant", _("Applicant")
    ACTIVIST = "activist", _("Activist")
    CANDIDATE = "candidate", _("Candidate for membership")
    PROBATIONARY = "probationary", _("Probationary member")
    FULL_MEMBER = "full_member", _("Full member")


PARTY_MEMBER_STATUSES = (PoliticalStatus.PROBATIONARY, PoliticalStatus.FULL_MEMBER)


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Education(models.TextChoices):
    POSTGRADUATE = "postgraduate", _("Postgraduate")
    BACHELOR = "bachelor", _("Bachelor")
    COLLEGE = "college", _("Junior college")
    VOCATIONAL = "vocational", _("Vocational school")
    HIGH_SCHOOL = "high_school", _("High school")
    JUNIOR = "junior", _("Junior high school or below")


class DatePrecision(models.TextChoices):
    """How much of a date is known: rosters often give 入党时间 as a month (`2003.07`)."""

    DAY = "day", _("Day")
    MONTH = "month", _("Month")


NAME_MATCH_ID_LIST = 1000


class PersonQuerySet(models.QuerySet["Person"]):
    def _reach_q(self, user: Any, cap: Cap) -> Q:
        return reach_of(user).q(cap, party="party_org__", unit="unit__")

    def visible_to(self, user: Any) -> PersonQuerySet:
        """People in the user's reach, plus the user's own record."""
        condition = self._reach_q(user, Cap.READ_PEOPLE)
        own = reach_of(user).person_id
        # OR the own record in only when the reach misses it: `org.path LIKE … OR person.id = …`
        # spans the join, so PostgreSQL can use no index and scans the whole roster (twice per
        # list page). The check is one primary-key look-up. See docs/PERFORMANCE.md.
        if own is not None and not self.model._base_manager.filter(condition, pk=own).exists():
            condition |= Q(pk=own)
        return self.filter(condition)

    def writable_by(self, user: Any) -> PersonQuerySet:
        return self.filter(self._reach_q(user, Cap.WRITE_PEOPLE))

    def unmaskable_by(self, user: Any) -> PersonQuerySet:
        return self.filter(self._reach_q(user, Cap.UNMASK))

    def party_members(self) -> PersonQuerySet:
        return self.filter(political_status__in=PARTY_MEMBER_STATUSES)

    def for_list(self) -> PersonQuerySet:
        return self.select_related("party_org", "unit")

    def search(self, text: str) -> PersonQuerySet:
        """Name, pinyin initials (`zwq` → 张伟强), full pinyin, or the last 4 of the ID."""
        from ronghe.people.identity import classify_search

        kind, value = classify_search(text)
        if kind == "empty":
            return self
        if kind == "id_tail":
            return self.filter(id_last4=value)
        if kind == "pinyin":
            return self.filter(
                Q(name_initials__startswith=value) | Q(name_pinyin__startswith=value)
            )
        # A name part may sit anywhere in the name (`LIKE '%…%'`): no b-tree can seek it, and
        # pg_trgm needs 3+ characters. The scan runs once, over the narrow (name, id) index,
        # and its few matches become an id list for the count and the page; a very common
        # part (one surname) stays a sub-select. See docs/PERFORMANCE.md.
        matching = self.model._base_manager.filter(name__contains=value).values_list(
            "pk", flat=True
        )
        ids = list(matching.order_by()[: NAME_MATCH_ID_LIST + 1])
        return self.filter(pk__in=ids if len(ids) <= NAME_MATCH_ID_LIST else matching)


def format_partial_date(value: date | None, precision: str) -> str:
    """`2003-07-15`, or `2003.07` when only the month is known (the importer's own format)."""
    if value is None:
        return ""
    if precision == DatePrecision.MONTH:
        return f"{value.year:04d}.{value.month:02d}"
    return value.isoformat()


class Person(PublicModel):
    """Anyone on the roster: employee and, where applicable, Party member (人员).

    The ID and phone numbers are stored encrypted; lists show the stored masks and look-ups go
    through keyed hashes (blind indexes), so the database never holds them in clear.
    """

    name = models.CharField(_("name"), max_length=50)
    name_initials = models.CharField(max_length=50, db_index=True, editable=False)
    name_pinyin = models.CharField(max_length=200, db_index=True, editable=False)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"))
    id_number_encrypted = models.TextField(editable=False)
    id_number_index = models.CharField(max_length=64, unique=True, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=18, editable=False)
    id_last4 = models.CharField(max_length=4, db_index=True, editable=False)
    phone_encrypted = models.TextField(blank=True, editable=False)
    phone_masked = models.CharField(_("mobile phone"), max_length=11, blank=True, editable=False)
    education = models.CharField(
        _("education"), max_length=20, choices=Education.choices, blank=True
    )
    unit = models.ForeignKey(
        "orgs.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
        verbose_name=_("business unit"),
    )
    post = models.CharField(_("post"), max_length=100, blank=True)
    political_status = models.CharField(
        _("political status"),
        max_length=20,
        choices=PoliticalStatus.choices,
        default=PoliticalStatus.NON_MEMBER,
        db_index=True,
    )
    party_org = models.ForeignKey(
        "orgs.PartyOrg",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
        verbose_name=_("Party organisation"),
    )
    joined_on = models.DateField(_("joined the Party on"), null=True, blank=True)
    joined_on_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY, editable=False
    )
    full_member_on = models.DateField(_("full member since"), null=True, blank=True)
    full_member_on_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["name_pinyin", "id"]
        indexes = [
            models.Index(fields=["party_org", "name_pinyin"]),
            models.Index(fields=["unit", "name_pinyin"]),
            models.Index(fields=["name", "id"]),  # name-part search: index-only scan
        ]

    def __str__(self) -> str:
        return self.name

    # The sensitive values: set through these methods only, read only through the gate.
    def set_id_number(self, normalized: str) -> None:
        self.id_number_encrypted = crypto.encrypt(normalized)
        self.id_number_index = crypto.blind_index("id_number", normalized)
        self.id_number_masked = crypto.mask_id_number(normalized)
        self.id_last4 = normalized[-4:]

    def set_phone(self, normalized: str) -> None:
        self.phone_encrypted = crypto.encrypt(normalized) if normalized else ""
        self.phone_masked = crypto.mask_phone(normalized) if normalized else ""

    def id_number(self) -> str:
        return crypto.decrypt(self.id_number_encrypted)

    def phone(self) -> str:
        return crypto.decrypt(self.phone_encrypted) if self.phone_encrypted else ""

    def joined_display(self) -> str:
        return format_partial_date(self.joined_on, self.joined_on_precision)

    def full_member_display(self) -> str:
        return format_partial_date(self.full_member_on, self.full_member_on_precision)

    def is_party_member(self) -> bool:
        return self.political_status in PARTY_MEMBER_STATUSES


class ImportBatch(PublicModel):
    """One uploaded roster file and what became of it (SECURITY.md K-1, K-2, F-2).

    The file itself waits in the private directory only between upload and commit (at most
    RONGHE_TEMP_FILE_HOURS); the batch row keeps its SHA-256, the counts and the report.
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        VALIDATING = "validating", _("Checking")
        INVALID = "invalid", _("Has errors")
        VALID = "valid", _("Ready to import")
        COMMITTING = "committing", _("Importing")
        COMMITTED = "committed", _("Imported")
        FAILED = "failed", _("Could not be read")
        EXPIRED = "expired", _("Expired")

    class Source(models.TextChoices):
        WEB = "web", _("Upload page")
        API = "api", _("API")
        CONSOLE = "console", _("Console")

    party_org = models.ForeignKey(
        "orgs.PartyOrg",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("Party organisation"),
    )
    uploaded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    filename = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField()
    update_existing = models.BooleanField(_("update existing people"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.UPLOADED
    )
    phase = models.CharField(max_length=10, blank=True)  # read / match / write, for progress
    progress = models.PositiveIntegerField(default=0)  # rows done in the current phase
    total = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    stored_name = models.CharField(max_length=80, blank=True)  # the upload, in the private dir
    error_file = models.CharField(max_length=80, blank=True)  # the annotated copy, ditto
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.filename


class ExportRequest(PublicModel):
    """A bulk export of personal data waiting for a second person's approval (SECURITY.md G-3).

    Holds the list's filters as they were when asked, so the approver sees what will leave and
    the file, made at download time, contains exactly that.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    party_org = models.ForeignKey(
        "orgs.PartyOrg", on_delete=models.PROTECT, related_name="+", verbose_name=_("scope")
    )
    query = models.CharField(max_length=500, blank=True)  # the list's filters, URL-encoded
    row_count = models.PositiveIntegerField(_("rows"))
    reason = models.CharField(_("reason"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.party_org} · {self.row_count}"
