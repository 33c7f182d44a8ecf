"""The two trees: Party organisations and business units, and the mapping between them."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from ronghe.core.access import Cap, reach_of
from ronghe.core.models import PublicModel

# How long before a term ends the platform starts warning (换届 preparation takes months).
TERM_WARNING_DAYS = 90


class TreeQuerySet(MP_NodeQuerySet):
    """Gate and vocabulary shared by both trees: a node is visible inside a reached subtree."""

    tree_field = "party"  # which side of `Reach` this tree uses: "party" or "unit"

    def _reach_q(self, user: Any, cap: Cap) -> models.Q:
        return reach_of(user).q(cap, **{self.tree_field: ""})

    def visible_to(self, user: Any) -> TreeQuerySet:
        return self.filter(self._reach_q(user, Cap.READ_ORGS))

    def writable_by(self, user: Any) -> TreeQuerySet:
        return self.filter(self._reach_q(user, Cap.MANAGE_ORGS))

    def staffable_by(self, user: Any) -> TreeQuerySet:
        """Nodes the user may file people under (WRITE_PEOPLE): a branch secretary manages
        the members of the branch without being allowed to reshape the tree itself."""
        return self.filter(self._reach_q(user, Cap.WRITE_PEOPLE))

    def open(self) -> TreeQuerySet:
        return self.filter(closed_on__isnull=True)

    def subtree_of(self, node: MP_Node) -> TreeQuerySet:
        return self.filter(path__startswith=node.path)


class PartyOrgQuerySet(TreeQuerySet):
    tree_field = "party"


class UnitQuerySet(TreeQuerySet):
    tree_field = "unit"


class _TreeManager(MP_NodeManager):
    """treebeard's manager, but building our QuerySet class (so `visible_to` etc. chain)."""

    def get_queryset(self) -> TreeQuerySet:
        return self._queryset_class(self.model, using=self._db).order_by("path")  # type: ignore[attr-defined]


PartyOrgManager = _TreeManager.from_queryset(PartyOrgQuerySet)
UnitManager = _TreeManager.from_queryset(UnitQuerySet)


class Unit(PublicModel, MP_Node):
    """A node of the business tree: company, department or team (业务单位 / 部门 / 班组)."""

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        DEPARTMENT = "department", _("Department")
        TEAM = "team", _("Team")

    # Which kinds may sit directly under which (None = a root).
    ALLOWED_PARENTS: dict[str, set[str | None]] = {
        Kind.COMPANY: {None, Kind.COMPANY},
        Kind.DEPARTMENT: {Kind.COMPANY, Kind.DEPARTMENT},
        Kind.TEAM: {Kind.DEPARTMENT, Kind.TEAM},
    }

    name = models.CharField(_("name"), max_length=100)
    org_code = models.CharField(_("organisation code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    objects = UnitManager()  # type: ignore[django-manager-missing]  # treebeard is untyped

    def __str__(self) -> str:
        return self.name


class PartyOrg(PublicModel, MP_Node):
    """A node of the Party tree: 基层党委, 党总支, 党支部 or 党小组."""

    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("Party committee")
        GENERAL_BRANCH = "general_branch", _("General branch")
        BRANCH = "branch", _("Branch")
        GROUP = "group", _("Party group")

    ALLOWED_PARENTS: dict[str, set[str | None]] = {
        Kind.COMMITTEE: {None, Kind.COMMITTEE},
        Kind.GENERAL_BRANCH: {Kind.COMMITTEE},
        Kind.BRANCH: {Kind.COMMITTEE, Kind.GENERAL_BRANCH},
        Kind.GROUP: {Kind.BRANCH},
    }
    # DOMAIN-RULES R5.7: 党委 5 years; 总支 and 支部 3 years; a 党小组 has no elected term.
    DEFAULT_TERM_YEARS: dict[str, int | None] = {
        Kind.COMMITTEE: 5,
        Kind.GENERAL_BRANCH: 3,
        Kind.BRANCH: 3,
        Kind.GROUP: None,
    }

    class TermStatus(models.TextChoices):
        NONE = "none", _("No term")
        CURRENT = "current", _("In term")
        DUE_SOON = "due_soon", _("Term ends soon")
        EXPIRED = "expired", _("Term expired")

    name = models.CharField(_("name"), max_length=100)
    org_code = models.CharField(_("organisation code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    established_on = models.DateField(_("established on"), null=True, blank=True)
    term_started_on = models.DateField(_("term started on"), null=True, blank=True)
    term_years = models.PositiveSmallIntegerField(_("term length (years)"), null=True, blank=True)
    secretary = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("secretary"),
    )
    units = models.ManyToManyField(
        Unit, blank=True, related_name="party_orgs", verbose_name=_("business units")
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    objects = PartyOrgManager()  # type: ignore[django-manager-missing]  # treebeard is untyped

    def __str__(self) -> str:
        return self.name

    @property
    def term_ends_on(self) -> date | None:
        if not self.term_started_on or not self.term_years:
            return None
        start = self.term_started_on
        try:
            return start.replace(year=start.year + self.term_years)
        except ValueError:  # a term started on 29 February
            return start.replace(year=start.year + self.term_years, day=28)

    def term_status(self, today: date | None = None) -> str:
        ends = self.term_ends_on
        if ends is None:
            return self.TermStatus.NONE
        today = today or timezone.localdate()
        if ends < today:
            return self.TermStatus.EXPIRED
        if (ends - today).days <= TERM_WARNING_DAYS:
            return self.TermStatus.DUE_SOON
        return self.TermStatus.CURRENT


class PathNames:
    """Names along the tree paths of one tree, loaded in one query: how spreadsheets name a
    node (`集团党委/甲公司党委/甲一支部`), for the export's cells and the import's look-up."""

    def __init__(self, model: type[PartyOrg] | type[Unit]) -> None:
        self.names: dict[str, str] = dict(model.objects.values_list("path", "name"))
        self.step = model.steplen

    def parts(self, path: str) -> list[str]:
        return [
            self.names.get(path[:end], "") for end in range(self.step, len(path) + 1, self.step)
        ]

    def full(self, path: str | None) -> str:
        return "/".join(self.parts(path)) if path else ""
