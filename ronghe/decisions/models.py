"""The decision list (决策清单): 三重一大 matters and the Party committee's prior study.

A `MajorMatter` is one entry of an organisation's matter catalogue (事项清单): a category of
三重一大, whether it needs the Party committee's prior study (前置研究), the amount from which
a fund operation or project counts as major, which body decides it and the rule's source.
Entries are versioned by their dates in force, like compliance rules; the catalogue of the
deepest organisation above a decision's that has one applies, else the platform's.

A `Decision` goes proposed → studied (the committee's conclusion at a 党委会) → decided (by the
deciding body) → executing (tasks of the task list carry it out) → closed with a result. Each
step records who and when. A matter that needs prior study is decided without it only as a
recorded emergency; a decision against the committee's conclusion is flagged.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ronghe.core.access import Cap, reach_of
from ronghe.core.models import PublicModel


class MatterCategory(models.TextChoices):
    """三重一大 (中办发〔2010〕17号; DOMAIN-RULES R6.6)."""

    DECISION = "decision", _("Major decision")  # 重大决策
    APPOINTMENT = "appointment", _("Key appointment")  # 重要人事任免
    PROJECT = "project", _("Major project")  # 重大项目安排
    FUNDS = "funds", _("Large fund operation")  # 大额度资金运作


class Body(models.TextChoices):
    """Who decides a matter."""

    PARTY_COMMITTEE = "party_committee", _("Party committee meeting")  # 党委会
    BOARD = "board", _("Board of directors")  # 董事会
    MANAGEMENT = "management", _("Management meeting")  # 经理层 (总经理办公会)
    WORKERS_CONGRESS = "workers_congress", _("Workers' congress")  # 职工代表大会


class MajorMatterQuerySet(models.QuerySet["MajorMatter"]):
    def visible_to(self, user: Any) -> MajorMatterQuerySet:
        """The platform's entries and those of organisations in reach (read or write)."""
        reach = reach_of(user)
        return self.filter(
            Q(org__isnull=True)
            | reach.q(Cap.READ_DECISIONS, party="org__")
            | reach.q(Cap.MANAGE_RULES, party="org__")
        )

    def writable_by(self, user: Any) -> MajorMatterQuerySet:
        return self.filter(org__isnull=False).filter(
            reach_of(user).q(Cap.MANAGE_RULES, party="org__")
        )

    def in_force(self, on: date) -> MajorMatterQuerySet:
        return self.filter(effective_from__lte=on).filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=on)
        )


class MajorMatter(PublicModel):
    """One entry of a matter catalogue (事项清单), in force between two dates."""

    org = models.ForeignKey(
        "orgs.PartyOrg",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="major_matters",
        verbose_name=_("organisation"),
    )
    category = models.CharField(_("category"), max_length=12, choices=MatterCategory.choices)
    name = models.CharField(_("matter"), max_length=120)
    requires_prior_study = models.BooleanField(_("needs the Party committee's prior study"))
    # From this amount (yuan) a fund operation or project is major; empty: any amount.
    threshold = models.DecimalField(
        _("major from (yuan)"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    body = models.CharField(_("deciding body"), max_length=20, choices=Body.choices)
    # Execution must have begun (a task created) this many days after the decision.
    execution_days = models.PositiveSmallIntegerField(
        _("execution starts within (days)"), default=30
    )
    source = models.CharField(_("source"), max_length=300)
    effective_from = models.DateField(_("in force from"))
    effective_to = models.DateField(_("in force until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MajorMatterQuerySet.as_manager()

    class Meta:
        ordering = ["category", "name", "-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
                name="matter_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def is_major(self, amount: Decimal | None) -> bool:
        """Whether a proposal of this amount is a major matter under this entry."""
        if self.threshold is None:
            return True
        return amount is not None and amount >= self.threshold


class DecisionQuerySet(models.QuerySet["Decision"]):
    def visible_to(self, user: Any) -> DecisionQuerySet:
        return self.filter(reach_of(user).q(Cap.READ_DECISIONS, party="org__"))

    def writable_by(self, user: Any) -> DecisionQuerySet:
        return self.filter(reach_of(user).q(Cap.WRITE_DECISIONS, party="org__"))

    def on_board_for(self, user: Any, party_path: str | None) -> DecisionQuerySet:
        """决策公开: the published decisions of the member's own organisation and those above
        it, and the published ones in the user's decision reach."""
        from ronghe.orgs.models import PartyOrg

        step = PartyOrg.steplen
        above = (
            [party_path[:end] for end in range(step, len(party_path) + 1, step)]
            if party_path
            else []
        )
        return self.filter(public=True).filter(
            Q(org__path__in=above) | reach_of(user).q(Cap.READ_DECISIONS, party="org__")
        )


class Decision(PublicModel):
    """One matter on the decision list, from proposal to its result."""

    class Stage(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        STUDIED = "studied", _("Studied by the Party committee")
        DECIDED = "decided", _("Decided")
        EXECUTING = "executing", _("Being carried out")
        CLOSED = "closed", _("Closed")

    class Outcome(models.TextChoices):
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    class Method(models.TextChoices):
        MEETING_VOTE = "meeting_vote", _("Vote at a meeting")
        # 会签: allowed for 三重一大 only in an emergency (R6.6)
        SIGNATURES = "signatures", _("Circulated for signatures")

    org = models.ForeignKey(
        "orgs.PartyOrg",
        on_delete=models.PROTECT,
        related_name="decisions",
        verbose_name=_("organisation"),
    )
    matter = models.ForeignKey(
        MajorMatter, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("matter")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    amount = models.DecimalField(
        _("amount (yuan)"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    proposing_unit = models.ForeignKey(
        "orgs.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("proposing department"),
    )
    stage = models.CharField(
        _("stage"), max_length=10, choices=Stage.choices, default=Stage.PROPOSED
    )
    # Fixed at proposal from the matter and the amount: whether the committee must study it.
    needs_prior_study = models.BooleanField(default=True)
    # The 党委会 whose agenda holds the matter (set by the agenda builder, kept once studied).
    study_meeting = models.ForeignKey(
        "orglife.Meeting",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("Party committee meeting"),
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)

    # The decision by the deciding body.
    body = models.CharField(_("deciding body"), max_length=20, choices=Body.choices, blank=True)
    method = models.CharField(
        _("how it was decided"), max_length=12, choices=Method.choices, blank=True
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision_meeting = models.CharField(_("meeting"), max_length=200, blank=True)
    votes_for = models.PositiveSmallIntegerField(_("in favour"), null=True, blank=True)
    votes_against = models.PositiveSmallIntegerField(_("against"), null=True, blank=True)
    votes_abstaining = models.PositiveSmallIntegerField(_("abstaining"), null=True, blank=True)
    decision_note = models.TextField(_("what was decided"), blank=True)
    decided_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_recorded_at = models.DateTimeField(null=True, blank=True)

    # Decided without the prior study it needed: only as a recorded emergency.
    emergency = models.BooleanField(_("emergency"), default=False)
    emergency_reason = models.CharField(_("reason for the emergency"), max_length=300, blank=True)
    # Approved although the committee disagreed or asked to defer.
    against_conclusion = models.BooleanField(default=False)

    # 决策公开: shown on the organisation's decision board, the sensitive part to staff only.
    public = models.BooleanField(_("published to members"), default=False)
    sensitive_note = models.TextField(_("not shown to members"), blank=True)

    result = models.TextField(_("result"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = DecisionQuerySet.as_manager()

    class Meta:
        ordering = ["-proposed_at", "-id"]
        indexes = [models.Index(fields=["org", "stage"])]

    def __str__(self) -> str:
        return self.title


class PriorStudy(models.Model):
    """The Party committee's study of a matter before the deciding body takes it (前置研究)."""

    class Conclusion(models.TextChoices):
        AGREE = "agree", _("Agree")
        AGREE_WITH_CHANGES = "agree_with_changes", _("Agree with changes")
        DISAGREE = "disagree", _("Disagree")
        DEFER = "defer", _("Defer")

    # A deferred study leaves the matter to be put on a later agenda: the latest study counts.
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="studies")
    meeting = models.ForeignKey(
        "orglife.Meeting", on_delete=models.PROTECT, related_name="+", verbose_name=_("meeting")
    )
    conclusion = models.CharField(_("conclusion"), max_length=20, choices=Conclusion.choices)
    changes = models.TextField(_("changes asked for"), blank=True)
    dissent = models.TextField(_("dissenting opinions"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.decision} → {self.conclusion}"


class DecisionTask(models.Model):
    """A task of the task list carrying a decision out."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="task_links")
    task = models.OneToOneField("plans.Task", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.decision_id} → {self.task_id}"
