"""Joint work plans and the task list (同部署 · 同落实 · 一岗双责).

A `Plan` belongs to a Party organisation and a period and holds Party-building and business
targets side by side (`PlanItem`). An item is carried out as `Task`s: by the plan's own
organisation, or deployed in one step to sub-organisations (each gets its own task pointing
back at the item, which is how the committee sees every branch's progress on it). A task has a
Party lead and a business lead, reports progress with evidence that a checker accepts or
returns, and keeps a permanent late mark once its deadline passes unfinished.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ronghe.core.access import Cap, reach_of
from ronghe.core.models import KeptFile, PublicModel
from ronghe.orgs.models import PartyOrg


class Dimension(models.TextChoices):
    PARTY = "party", _("Party building")
    BUSINESS = "business", _("Business")


def _shared_down(user: Any) -> Q:
    """Rows of an organisation in the user's plan reach or above it: a committee's catalogue
    entries serve its whole subtree, so a branch sees its committee's (but not a sibling's)."""
    reach = reach_of(user)
    step = PartyOrg.steplen
    above = {
        path[:end]
        for path in reach.party_paths.get(Cap.READ_PLANS, ())
        for end in range(step, len(path), step)
    }
    return reach.q(Cap.READ_PLANS, party="org__") | Q(org__path__in=sorted(above))


class CategoryQuerySet(models.QuerySet["Category"]):
    def visible_to(self, user: Any) -> CategoryQuerySet:
        """The platform's lists and those of organisations in the reader's reach or above."""
        return self.filter(Q(org__isnull=True) | _shared_down(user))

    def writable_by(self, user: Any) -> CategoryQuerySet:
        """An organisation's own additions, kept by those who set rules for its subtree."""
        return self.filter(org__isnull=False).filter(
            reach_of(user).q(Cap.MANAGE_RULES, party="org__")
        )

    def usable_for(self, org: Any) -> CategoryQuerySet:
        """The platform's categories and those an organisation on `org`'s path added."""
        ancestors = [org.path[:end] for end in range(org.steplen, len(org.path) + 1, org.steplen)]
        return self.filter(Q(org__isnull=True) | Q(org__path__in=ancestors), active=True)


class Category(PublicModel):
    """One entry of a configurable list of Party or business categories (e.g. 组织建设,
    安全生产). The platform's defaults have no organisation; a committee adds its own for its
    subtree."""

    dimension = models.CharField(_("dimension"), max_length=10, choices=Dimension.choices)
    name = models.CharField(_("name"), max_length=60)
    org = models.ForeignKey(
        "orgs.PartyOrg", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    objects = CategoryQuerySet.as_manager()

    class Meta:
        ordering = ["dimension", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dimension", "name", "org"], name="category_name_once")
        ]

    def __str__(self) -> str:
        return self.name


class IntegrationPointQuerySet(models.QuerySet["IntegrationPoint"]):
    def visible_to(self, user: Any) -> IntegrationPointQuerySet:
        return self.filter(_shared_down(user))

    def writable_by(self, user: Any) -> IntegrationPointQuerySet:
        return self.filter(reach_of(user).q(Cap.WRITE_PLANS, party="org__"))

    def usable_for(self, org: Any) -> IntegrationPointQuerySet:
        """Points a task of `org` may serve: its own and its ancestors' catalogues."""
        ancestors = [org.path[:end] for end in range(org.steplen, len(org.path) + 1, org.steplen)]
        return self.filter(org__path__in=ancestors, active=True)


class IntegrationPoint(PublicModel):
    """融合点: a catalogued place where Party work serves a business goal, with where the idea
    came from."""

    class Source(models.TextChoices):
        FORUM = "forum", _("Forum")  # 座谈会
        SURVEY = "survey", _("Survey")  # 调研
        DECISION = "decision", _("Decision")  # 决策
        EXCHANGE = "exchange", _("Exchange visit")  # 交流互访
        OTHER = "other", _("Other")

    org = models.ForeignKey(
        "orgs.PartyOrg",
        on_delete=models.PROTECT,
        related_name="integration_points",
        verbose_name=_("organisation"),
    )
    title = models.CharField(_("integration point"), max_length=200)
    party_work = models.CharField(_("Party work"), max_length=300)
    business_goal = models.CharField(_("business goal served"), max_length=300)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    source_meeting = models.ForeignKey(
        "orglife.Meeting",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("meeting it came from"),
    )
    source_note = models.CharField(_("where it came from"), max_length=300, blank=True)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = IntegrationPointQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class PlanQuerySet(models.QuerySet["Plan"]):
    def visible_to(self, user: Any) -> PlanQuerySet:
        return self.filter(reach_of(user).q(Cap.READ_PLANS, party="org__"))

    def writable_by(self, user: Any) -> PlanQuerySet:
        return self.filter(reach_of(user).q(Cap.WRITE_PLANS, party="org__"))


class Plan(PublicModel):
    """An organisation's work plan for a year or one quarter of it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")

    org = models.ForeignKey(
        "orgs.PartyOrg",
        on_delete=models.PROTECT,
        related_name="plans",
        verbose_name=_("organisation"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    # 0: the whole year; 1–4: that quarter.
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), default=0, validators=[MaxValueValidator(4)]
    )
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # How many revisions the approved plan has had (PlanRevision rows).
    revision = models.PositiveIntegerField(default=0)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # Why an approver sent the plan back to draft (shown until it is submitted again).
    returned_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "quarter", "org__path"]
        constraints = [
            models.UniqueConstraint(fields=["org", "year", "quarter"], name="plan_per_period")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def period_label(self) -> str:
        if self.quarter:
            return _("%(year)s Q%(quarter)s") % {"year": self.year, "quarter": self.quarter}
        return _("%(year)s") % {"year": self.year}

    @property
    def frozen(self) -> bool:
        """An approved plan changes only through a revision with a reason."""
        return self.status == self.Status.APPROVED


class PlanItemQuerySet(models.QuerySet["PlanItem"]):
    """An item is seen and changed by whoever sees and changes its plan."""

    def visible_to(self, user: Any) -> PlanItemQuerySet:
        return self.filter(plan__in=Plan.objects.visible_to(user))

    def writable_by(self, user: Any) -> PlanItemQuerySet:
        return self.filter(plan__in=Plan.objects.writable_by(user))


class PlanItem(PublicModel):
    """One target of a plan: a Party-building or a business target, with what it serves."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="items")
    dimension = models.CharField(_("side"), max_length=10, choices=Dimension.choices)
    title = models.CharField(_("target"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    party_category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"dimension": Dimension.PARTY},
        verbose_name=_("Party category"),
    )
    business_category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"dimension": Dimension.BUSINESS},
        verbose_name=_("business category"),
    )
    integration_point = models.ForeignKey(
        IntegrationPoint,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plan_items",
        verbose_name=_("integration point"),
    )
    deadline = models.DateField(_("deadline"))
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    position = models.PositiveSmallIntegerField(default=0)

    objects = PlanItemQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class PlanRevision(models.Model):
    """A change to an approved plan: what changed, why, and who changed it."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    reason = models.CharField(_("reason for the change"), max_length=300)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_revision_number_once")
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.number}"


class TaskQuerySet(models.QuerySet["Task"]):
    def visible_to(self, user: Any) -> TaskQuerySet:
        """Tasks of organisations in the user's reach, and any task they lead."""
        reach = reach_of(user)
        condition = reach.q(Cap.READ_PLANS, party="org__")
        if reach.person_id is not None:
            condition |= Q(party_lead_id=reach.person_id) | Q(business_lead_id=reach.person_id)
        return self.filter(condition)

    def writable_by(self, user: Any) -> TaskQuerySet:
        """Who may report progress and change a task: the organisation's Party-affairs staff,
        secretary and committee, and the task's two leads."""
        reach = reach_of(user)
        condition = reach.q(Cap.WRITE_PLANS, party="org__")
        if reach.person_id is not None:
            condition |= Q(party_lead_id=reach.person_id) | Q(business_lead_id=reach.person_id)
        return self.filter(condition)

    def checkable_by(self, user: Any) -> TaskQuerySet:
        """Who may accept or return progress reports and unlock late entry."""
        return self.filter(reach_of(user).q(Cap.CHECK_TASKS, party="org__"))

    def open(self) -> TaskQuerySet:
        return self.filter(status__in=Task.OPEN_STATUSES)

    def for_list(self) -> TaskQuerySet:
        return self.select_related(
            "org", "party_lead", "business_lead", "party_category", "business_category"
        )


class Task(PublicModel):
    """One entry of the task list (任务清单)."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS)

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    org = models.ForeignKey(
        "orgs.PartyOrg",
        on_delete=models.PROTECT,
        related_name="tasks",
        verbose_name=_("organisation"),
    )
    # The plan item it carries out (the organisation's own, or one deployed from above).
    item = models.ForeignKey(
        PlanItem, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    # The meeting resolution it came from (orglife.services.resolution_link_task keeps the link).
    resolution = models.ForeignKey(
        "orglife.Resolution", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    party_category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("Party dimension"),
    )
    business_category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("business dimension"),
    )
    integration_point = models.ForeignKey(
        IntegrationPoint,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
        verbose_name=_("integration point"),
    )
    party_lead = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="party_led_tasks",
        verbose_name=_("Party lead"),
    )
    business_lead = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="business_led_tasks",
        verbose_name=_("business lead"),
    )
    deadline = models.DateField(_("deadline"))
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NOT_STARTED
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    progress = models.PositiveSmallIntegerField(
        _("progress %"), default=0, validators=[MaxValueValidator(100)]
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    # Set the day the deadline passes unfinished, and never cleared (it feeds assessment).
    late_mark = models.BooleanField(_("late mark"), default=False)
    late_marked_on = models.DateField(null=True, blank=True)
    # Entry reopened past the lock by a recorded decision (TaskUnlock), up to this day.
    unlocked_until = models.DateField(null=True, blank=True)
    # The deadline the leads were last reminded of: a moved deadline is reminded again.
    reminded_for = models.DateField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["deadline", "id"]
        indexes = [
            models.Index(fields=["org", "status", "deadline"]),
            models.Index(fields=["item", "org"]),
            models.Index(fields=["status", "deadline"]),
        ]
        constraints = [
            # A deployed item reaches each organisation once.
            models.UniqueConstraint(
                fields=["item", "org"], condition=Q(item__isnull=False), name="task_item_org_once"
            ),
            models.CheckConstraint(
                condition=Q(party_category__isnull=False) | Q(business_category__isnull=False),
                name="task_has_a_dimension",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def both_dimensions(self) -> bool:
        return self.party_category_id is not None and self.business_category_id is not None

    def days_left(self, today: date) -> int:
        return (self.deadline - today).days


class MilestoneQuerySet(models.QuerySet["Milestone"]):
    """A milestone is seen and changed by whoever sees and changes its task."""

    def visible_to(self, user: Any) -> MilestoneQuerySet:
        return self.filter(task__in=Task.objects.visible_to(user))

    def writable_by(self, user: Any) -> MilestoneQuerySet:
        return self.filter(task__in=Task.objects.writable_by(user))


class Milestone(PublicModel):
    """A dated checkpoint on the way to a task's deadline."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "position", "id"]

    def __str__(self) -> str:
        return self.title


class ProgressReportQuerySet(models.QuerySet["ProgressReport"]):
    """A report is seen by whoever sees its task; checked by whoever checks it."""

    def visible_to(self, user: Any) -> ProgressReportQuerySet:
        return self.filter(task__in=Task.objects.visible_to(user))

    def writable_by(self, user: Any) -> ProgressReportQuerySet:
        return self.filter(task__in=Task.objects.writable_by(user))

    def checkable_by(self, user: Any) -> ProgressReportQuerySet:
        return self.filter(task__in=Task.objects.checkable_by(user))


class ProgressReport(PublicModel):
    """What was done on a task, with its evidence; a checker accepts it or returns it for
    more evidence, and the reporter amends and resubmits it."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for a check")
        RETURNED = "returned", _("Returned for more evidence")
        ACCEPTED = "accepted", _("Accepted")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="reports")
    text = models.TextField(_("what was done"))
    progress = models.PositiveSmallIntegerField(
        _("progress %"), validators=[MaxValueValidator(100)]
    )
    # The reporter says the task is finished: accepting the report closes the task.
    claims_done = models.BooleanField(_("the task is finished"), default=False)
    link = models.URLField(_("link"), blank=True)
    meetings = models.ManyToManyField(
        "orglife.Meeting", blank=True, related_name="+", verbose_name=_("meetings")
    )
    resolutions = models.ManyToManyField(
        "orglife.Resolution", blank=True, related_name="+", verbose_name=_("resolutions")
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    times_returned = models.PositiveSmallIntegerField(default=0)
    return_reason = models.CharField(_("what is missing"), max_length=300, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField()
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)

    objects = ProgressReportQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["task", "status"])]

    def __str__(self) -> str:
        return self.text[:60]


class ReportFileQuerySet(models.QuerySet["ReportFile"]):
    def visible_to(self, user: Any) -> ReportFileQuerySet:
        return self.filter(report__task__in=Task.objects.visible_to(user))

    def writable_by(self, user: Any) -> ReportFileQuerySet:
        return self.filter(report__task__in=Task.objects.writable_by(user))


class ReportFile(KeptFile):
    """A photo or scan attached to a progress report, kept as a private file."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="files")

    objects = ReportFileQuerySet.as_manager()

    class Meta(KeptFile.Meta):
        pass


class TaskUnlock(models.Model):
    """The recorded decision to reopen entry on a task locked past its grace period."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="unlocks")
    reason = models.CharField(_("reason"), max_length=300)
    until = models.DateField(_("open until"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.task} → {self.until}"


class TaskPolicyQuerySet(models.QuerySet["TaskPolicy"]):
    def visible_to(self, user: Any) -> TaskPolicyQuerySet:
        return self.filter(Q(org__isnull=True) | _shared_down(user))

    def writable_by(self, user: Any) -> TaskPolicyQuerySet:
        return self.filter(org__isnull=False).filter(
            reach_of(user).q(Cap.MANAGE_RULES, party="org__")
        )


class TaskPolicy(PublicModel):
    """Countdown colours, reminders and the entry lock for a subtree (the deepest wins; the
    row without an organisation is the platform default)."""

    org = models.OneToOneField(
        "orgs.PartyOrg", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    yellow_days = models.PositiveSmallIntegerField(
        _("yellow from (days left)"), default=7, validators=[MaxValueValidator(365)]
    )
    red_days = models.PositiveSmallIntegerField(
        _("red from (days left)"), default=2, validators=[MaxValueValidator(365)]
    )
    remind_days = models.PositiveSmallIntegerField(
        _("remind the leads (days before)"), default=3, validators=[MaxValueValidator(365)]
    )
    grace_days = models.PositiveSmallIntegerField(
        _("entry locks (days after the deadline)"), default=15, validators=[MaxValueValidator(365)]
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = TaskPolicyQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(red_days__lte=models.F("yellow_days")), name="red_before_yellow"
            ),
            models.UniqueConstraint(
                fields=["org"], condition=Q(org__isnull=True), name="one_default_task_policy"
            ),
        ]

    def __str__(self) -> str:
        return str(self.org) if self.org_id else "default"
