"""Compliance endpoints: the rule set with its sources, findings within the caller's reach, and
local settings of a rule for a subtree (Party-affairs staff)."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import CursorPagination, paginate

from ronghe.api.errors import validated
from ronghe.compliance import services
from ronghe.compliance.forms import RuleSettingForm
from ronghe.compliance.models import Finding, Period, Rule, RuleSetting
from ronghe.core.access import Cap, get_for_user, require_cap
from ronghe.orgs.models import PartyOrg

router = Router(tags=["compliance"])
BEHIND = (Finding.Status.DUE_SOON, Finding.Status.OVERDUE, Finding.Status.VIOLATED)


class OrgRef(Schema):
    code: UUID
    org_code: str
    name: str


class RuleOut(Schema):
    key: str
    name: str
    kind: str = Field(..., json_schema_extra={"enum": list(Rule.Kind.values)})
    meeting_kind: str
    org_kinds: list[str]
    period: str
    min_count: int
    due_soon_days: int
    grace_days: int
    params: dict[str, Any]
    effective_from: date
    effective_to: date | None
    source_document: str
    source_article: str
    confidence: str = Field(..., json_schema_extra={"enum": list(Rule.Confidence.values)})


class FindingOut(Schema):
    rule: str = Field(..., description="the rule's key")
    rule_name: str
    source: str = Field(..., description="the document and article the rule cites")
    org: OrgRef
    period_start: date
    deadline: date
    status: str = Field(..., json_schema_extra={"enum": list(Finding.Status.values)})
    required: int
    done: int
    met_on: date | None
    late: bool = Field(..., description="met after the deadline (stays recorded as late)")
    evidence: UUID | None = Field(None, description="the meeting that met it")
    days_left: int | None
    evaluated_at: datetime

    @staticmethod
    def resolve_rule(finding: Finding) -> str:
        return finding.rule.key

    @staticmethod
    def resolve_rule_name(finding: Finding) -> str:
        return finding.rule.name

    @staticmethod
    def resolve_source(finding: Finding) -> str:
        return finding.rule.source

    @staticmethod
    def resolve_evidence(finding: Finding) -> UUID | None:
        return finding.evidence.code if finding.evidence else None


class FindingFilter(Schema):
    org: UUID | None = Field(None, description="a Party organisation: its whole subtree")
    rule: str | None = Field(None, max_length=60, description="a rule's key")
    status: str | None = Field(None, json_schema_extra={"enum": list(Finding.Status.values)})
    behind: bool = Field(False, description="only due soon, overdue and missed")
    history: bool = Field(False, description="every period, not only what is owed now")


class SettingOut(Schema):
    code: UUID
    rule: str
    org: OrgRef
    period: str
    min_count: int | None
    due_soon_days: int | None
    grace_days: int | None
    disabled: bool
    reason: str
    updated_at: datetime

    @staticmethod
    def resolve_rule(setting: RuleSetting) -> str:
        return setting.rule.key


class SettingIn(Schema):
    """Adjust one rule for an organisation's subtree; a second call for the same rule and
    organisation replaces the first. Empty parameters keep the rule's own."""

    rule: str = Field(..., max_length=60)
    org: UUID
    period: str = Field("", json_schema_extra={"enum": ["", *Period.values]})
    min_count: int | None = Field(None, ge=1, le=31)
    due_soon_days: int | None = Field(None, ge=0, le=180)
    grace_days: int | None = Field(None, ge=0, le=366)
    disabled: bool = False
    reason: str = Field(..., max_length=300)


@router.get("/rules", response=list[RuleOut], summary="The rule set, with the source of each rule")
def list_rules(request: HttpRequest) -> Any:
    require_cap(request.user, Cap.READ_COMPLIANCE)
    return list(Rule.objects.all())


@router.get("/findings", response=list[FindingOut], summary="Findings in your reach")
@paginate(CursorPagination, ordering=("deadline", "id"), page_size=100, max_page_size=1000)
def list_findings(request: HttpRequest, filters: Query[FindingFilter]) -> Any:
    require_cap(request.user, Cap.READ_COMPLIANCE)
    findings = Finding.objects.visible_to(request.user).select_related("rule", "org", "evidence")
    if not filters.history:
        findings = findings.current()
    if filters.org:
        org = get_for_user(PartyOrg, request.user, filters.org)
        findings = findings.filter(org__path__startswith=org.path)
    if filters.rule:
        findings = findings.filter(rule__key=filters.rule)
    if filters.status:
        findings = findings.filter(status=filters.status)
    if filters.behind:
        findings = findings.filter(status__in=BEHIND)
    return findings


@router.get("/settings", response=list[SettingOut], summary="Local settings of rules")
def list_settings(request: HttpRequest) -> Any:
    require_cap(request.user, Cap.READ_COMPLIANCE)
    return list(
        RuleSetting.objects.visible_to(request.user)
        .select_related("rule", "org")
        .order_by("org__path", "rule__key")
    )


@router.post("/settings", response={201: SettingOut}, summary="Adjust a rule for a subtree")
def save_setting(request: HttpRequest, data: SettingIn) -> Status[RuleSetting]:
    require_cap(request.user, Cap.MANAGE_RULES)
    values = {k: ("" if v is None else str(v)) for k, v in data.dict().items()}
    values["disabled"] = "on" if data.disabled else ""
    cleaned = validated(RuleSettingForm(values, user=request.user))
    setting = services.rule_setting_save(
        rule=cleaned["rule"], org=cleaned["org"], data=cleaned, by=request.user
    )
    return Status(201, RuleSetting.objects.select_related("rule", "org").get(pk=setting.pk))


@router.delete("/settings/{uuid:code}", response={204: None}, summary="Remove a local setting")
def delete_setting(request: HttpRequest, code: UUID) -> Status[None]:
    require_cap(request.user, Cap.MANAGE_RULES)
    setting = get_for_user(RuleSetting, request.user, code, write=True)
    services.rule_setting_delete(setting=setting, by=request.user)
    return Status(204, None)
