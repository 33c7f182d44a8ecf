"""Compliance rules as data, and the findings they produce per organisation and period."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ronghe.core.access import Cap, reach_of
from ronghe.core.models import PublicModel


class Period(models.TextChoices):
    MONTH = "month", _("Monthly")
    QUARTER = "quarter", _("Quarterly")
    HALF_YEAR = "half_year", _("Half-yearly")
    YEAR = "year", _("Yearly")


class Rule(PublicModel):
    """One published requirement (e.g. 支委会 at least once a month), with the organisations it
    applies to, the dates it is in force and the document and article it comes from."""

    class Kind(models.TextChoices):
        MEETING_FREQUENCY = "meeting_frequency", _("Meeting frequency")
        TERM_EXPIRY = "term_expiry", _("Term expiry")

    class Confidence(models.TextChoices):
        VERIFIED = "V", _("Verified in the regulation text")
        SECONDARY = "S", _("Common practice (secondary source)")
        UNVERIFIED = "U", _("Unverified")

    key = models.SlugField(max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    meeting_kind = models.CharField(_("meeting kind"), max_length=30, blank=True)
    org_kinds = models.JSONField(_("applies to"), default=list)
    period = models.CharField(_("period"), max_length=20, choices=Period.choices, blank=True)
    min_count = models.PositiveSmallIntegerField(_("at least"), default=1)
    due_soon_days = models.PositiveSmallIntegerField(_("warn days before the deadline"), default=7)
    # After the deadline: overdue for this many days (a meeting then is "met late"), then
    # violated.
    grace_days = models.PositiveSmallIntegerField(_("days a late meeting still counts"), default=30)
    # Kind-specific: {"detail": "member_review"} (the meeting's record must say so),
    # {"min_full_members": 7} (only organisations that large), {"warn_months": [6, 3]}.
    params = models.JSONField(default=dict, blank=True)
    effective_from = models.DateField(_("in force from"))
    effective_to = models.DateField(_("in force until"), null=True, blank=True)
    source_document = models.CharField(_("source document"), max_length=200)
    source_article = models.CharField(_("article"), max_length=100, blank=True)
    confidence = models.CharField(max_length=1, choices=Confidence.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name

    @property
    def source(self) -> str:
        return f"{self.source_document} {self.source_article}".strip()


class RuleSettingQuerySet(models.QuerySet["RuleSetting"]):
    def visible_to(self, user: Any) -> RuleSettingQuerySet:
        return self.filter(reach_of(user).q(Cap.READ_COMPLIANCE, party="org__"))

    def writable_by(self, user: Any) -> RuleSettingQuerySet:
        return self.filter(reach_of(user).q(Cap.MANAGE_RULES, party="org__"))


class RuleSetting(PublicModel):
    """A local adjustment of one rule for an organisation's subtree (a stricter or looser
    local rule, or the rule switched off there). The deepest setting above an organisation
    wins."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="settings")
    org = models.ForeignKey("orgs.PartyOrg", on_delete=models.CASCADE, related_name="+")
    period = models.CharField(_("period"), max_length=20, choices=Period.choices, blank=True)
    min_count = models.PositiveSmallIntegerField(_("at least"), null=True, blank=True)
    due_soon_days = models.PositiveSmallIntegerField(
        _("warn days before the deadline"), null=True, blank=True
    )
    grace_days = models.PositiveSmallIntegerField(
        _("days a late meeting still counts"), null=True, blank=True
    )
    disabled = models.BooleanField(_("not applied here"), default=False)
    reason = models.CharField(_("reason and local rule"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = RuleSettingQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "org"], name="rule_setting_once")]


class FindingQuerySet(models.QuerySet["Finding"]):
    def visible_to(self, user: Any) -> FindingQuerySet:
        return self.filter(reach_of(user).q(Cap.READ_COMPLIANCE, party="org__"))

    def current(self) -> FindingQuerySet:
        """What is owed now: each (rule, organisation) pair's latest period, and earlier
        periods still overdue."""
        return self.filter(Q(is_latest=True) | Q(status=Finding.Status.OVERDUE))


class Finding(models.Model):
    """What one rule says about one organisation for one period: met (maybe late), still
    open, due soon, overdue, or violated — with the deadline and the meeting that met it."""

    class Status(models.TextChoices):
        OK = "ok", _("Met")
        OPEN = "open", _("Open")
        DUE_SOON = "due_soon", _("Due soon")
        OVERDUE = "overdue", _("Overdue")
        VIOLATED = "violated", _("Missed")

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="findings")
    org = models.ForeignKey("orgs.PartyOrg", on_delete=models.CASCADE, related_name="findings")
    period_start = models.DateField()
    deadline = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices)
    required = models.PositiveSmallIntegerField(default=1)
    done = models.PositiveSmallIntegerField(default=0)
    met_on = models.DateField(null=True, blank=True)
    late = models.BooleanField(default=False)
    evidence = models.ForeignKey(
        "orglife.Meeting", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_latest = models.BooleanField(default=False)
    evaluated_at = models.DateTimeField()

    objects = FindingQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "org", "period_start"], name="finding_per_period"
            )
        ]
        indexes = [
            models.Index(fields=["org", "is_latest"]),
            models.Index(fields=["status", "deadline"]),
        ]

    def __str__(self) -> str:
        return f"{self.rule} · {self.org} · {self.period_start}"

    @property
    def days_left(self) -> int | None:
        if self.status == self.Status.OK:
            return None
        return (self.deadline - timezone.localdate()).days
