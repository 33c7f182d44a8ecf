"""Decision workflows: propose a matter, put it on a 党委会's agenda, record the committee's
prior study, record the deciding body's decision, carry it out as tasks, close it.

Every write is audited in its own transaction. A refused write raises `Refused` (the task
list's: a message, and the field it concerns) and changes nothing. The rules encoded here:

- a matter in a category that needs prior study is decided only after the committee studied it
  (and not before the day it did), unless recorded as an emergency with a reason (R6.5);
- 三重一大 are decided collectively at a meeting, never by circulating papers for signatures,
  except in an emergency (R6.6);
- the body the catalogue names decides the matter;
- an approval against the committee's "disagree" is recorded and flagged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ronghe.core import audit
from ronghe.decisions.models import Body, Decision, DecisionTask, MajorMatter, PriorStudy
from ronghe.orglife import services as orglife
from ronghe.orglife.models import Meeting, MeetingKind
from ronghe.orgs.models import PartyOrg
from ronghe.plans import services as plans
from ronghe.plans.models import Task
from ronghe.plans.services import Refused

__all__ = ["Refused"]


# --- the matter catalogue ------------------------------------------------------------------------


def catalogue_for(org: PartyOrg, on: date | None = None) -> QuerySet[MajorMatter]:
    """The entries in force for an organisation: those of the deepest organisation on its path
    that keeps a catalogue in force, else the platform's."""
    on = on or timezone.localdate()
    in_force = MajorMatter.objects.in_force(on)
    ancestors = [org.path[:end] for end in range(org.steplen, len(org.path) + 1, org.steplen)]
    owners = (
        in_force.filter(org__path__in=ancestors)
        .order_by("-org__depth")
        .values_list("org_id", flat=True)[:1]
    )
    owner = next(iter(owners), None)
    return in_force.filter(org_id=owner) if owner else in_force.filter(org__isnull=True)


# --- proposal and the committee's prior study ----------------------------------------------------


def _snapshot(decision: Decision) -> dict[str, Any]:
    return {
        "stage": decision.stage,
        "matter": str(decision.matter.code),
        "title": decision.title,
        "amount": str(decision.amount) if decision.amount is not None else None,
        "needs_prior_study": decision.needs_prior_study,
        "outcome": decision.outcome,
        "emergency": decision.emergency,
        "against_conclusion": decision.against_conclusion,
        "public": decision.public,
    }


def _record(decision: Decision, before: dict[str, Any], by: Any, message: str) -> None:
    old, new = audit.changes(before, _snapshot(decision))
    audit.record(
        audit.Action.UPDATE, actor=by, obj=decision, before=old, after=new, message=message
    )


@dataclass(frozen=True)
class Proposal:
    matter: MajorMatter
    title: str
    description: str
    amount: Decimal | None = None
    proposing_unit: Any = None


@transaction.atomic
def propose(*, org: PartyOrg, proposal: Proposal, by: Any) -> Decision:
    """Put a matter on the decision list. Whether the committee must study it first is fixed
    now, from the catalogue entry and the amount."""
    if not catalogue_for(org).filter(pk=proposal.matter.pk).exists():
        raise Refused(_("Choose a matter from this organisation's catalogue in force."), "matter")
    if proposal.matter.threshold is not None and proposal.amount is None:
        raise Refused(
            _("This matter is major from %(threshold)s yuan: give the amount.")
            % {"threshold": f"{proposal.matter.threshold:,.0f}"},
            "amount",
        )
    for name in ("title", "description"):
        if not getattr(proposal, name).strip():
            raise Refused(_("This field is required."), name)
    decision = Decision.objects.create(
        org=org,
        matter=proposal.matter,
        title=proposal.title.strip(),
        description=proposal.description.strip(),
        amount=proposal.amount,
        proposing_unit=proposal.proposing_unit,
        needs_prior_study=proposal.matter.requires_prior_study
        and proposal.matter.is_major(proposal.amount),
        proposed_by=by if getattr(by, "is_authenticated", False) else None,
    )
    audit.record(
        audit.Action.CREATE,
        actor=by,
        obj=decision,
        after={"org": str(org.code), **_snapshot(decision)},
    )
    return decision


def _require_stage(decision: Decision, *stages: str) -> None:
    if decision.stage not in stages:
        raise Refused(
            _("Not possible at this stage (%(stage)s).") % {"stage": decision.get_stage_display()}
        )


@transaction.atomic
def schedule_study(*, decision: Decision, meeting: Meeting, by: Any) -> Decision:
    """Put the matter on the agenda of a planned 党委会 of the decision's organisation."""
    _require_stage(decision, Decision.Stage.PROPOSED)
    if meeting.org_id != decision.org_id or meeting.kind != MeetingKind.COMMITTEE_SESSION:
        raise Refused(_("Choose a Party committee meeting of this organisation."), "meeting")
    if meeting.status != Meeting.Status.PLANNED:
        raise Refused(_("Choose a meeting that is still to be held."), "meeting")
    before = _snapshot(decision)
    orglife.agenda_add(
        meeting=meeting,
        topic=orglife.TopicInput(
            title=_("Prior study: %(title)s") % {"title": decision.title},
            is_business=True,
            unit=decision.proposing_unit,
            business_note="" if decision.proposing_unit else decision.matter.name,
        ),
        by=by,
    )
    decision.study_meeting = meeting
    decision.save(update_fields=["study_meeting"])
    _record(decision, before, by, f"on the agenda of {meeting.code}")
    return decision


@dataclass(frozen=True)
class StudyInput:
    conclusion: str
    changes: str = ""
    dissent: str = ""


@transaction.atomic
def record_study(*, decision: Decision, study: StudyInput, by: Any) -> PriorStudy:
    """The committee's conclusion at the meeting the matter was put before. A deferral sends
    the matter back to be put on a later agenda."""
    _require_stage(decision, Decision.Stage.PROPOSED)
    meeting = decision.study_meeting
    if meeting is None:
        raise Refused(_("Put the matter on a Party committee meeting's agenda first."))
    if meeting.status != Meeting.Status.HELD:
        raise Refused(_("Record the meeting as held first."), "meeting")
    if study.conclusion not in PriorStudy.Conclusion.values:
        raise Refused(_("Choose the committee's conclusion."), "conclusion")
    if study.conclusion == PriorStudy.Conclusion.AGREE_WITH_CHANGES and not study.changes.strip():
        raise Refused(_("Say which changes the committee asked for."), "changes")
    before = _snapshot(decision)
    recorded = PriorStudy.objects.create(
        decision=decision,
        meeting=meeting,
        conclusion=study.conclusion,
        changes=study.changes.strip(),
        dissent=study.dissent.strip(),
        recorded_by=by if getattr(by, "is_authenticated", False) else None,
    )
    if study.conclusion == PriorStudy.Conclusion.DEFER:
        decision.study_meeting = None
    else:
        decision.stage = Decision.Stage.STUDIED
    decision.save(update_fields=["stage", "study_meeting"])
    _record(decision, before, by, f"prior study: {study.conclusion}")
    return recorded


def latest_study(decision: Decision) -> PriorStudy | None:
    return decision.studies.exclude(conclusion=PriorStudy.Conclusion.DEFER).last()


# --- the decision --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionInput:
    body: str
    method: str
    outcome: str
    decided_on: date
    meeting: str = ""
    votes_for: int | None = None
    votes_against: int | None = None
    votes_abstaining: int | None = None
    note: str = ""
    emergency: bool = False
    emergency_reason: str = ""


def _check_decision(decision: Decision, data: DecisionInput, study: PriorStudy | None) -> None:
    emergency = data.emergency and bool(data.emergency_reason.strip())
    if data.emergency and not emergency:
        raise Refused(_("Record why it could not wait."), "emergency_reason")
    if decision.needs_prior_study and study is None and not emergency:
        raise Refused(
            _(
                "This matter needs the Party committee's prior study before it is decided. "
                "Only an emergency, recorded with its reason, goes without."
            )
        )
    if data.method == Decision.Method.SIGNATURES and not emergency:
        raise Refused(
            _(
                "三重一大 are decided collectively at a meeting, not by circulating papers for "
                "signatures, except in an emergency."
            ),
            "method",
        )
    if data.body != decision.matter.body:
        raise Refused(
            _("The catalogue has this matter decided by the %(body)s.")
            % {"body": Body(decision.matter.body).label},
            "body",
        )
    if data.decided_on > timezone.localdate():
        raise Refused(_("Record a decision once it is taken."), "decided_on")
    studied_on = study.meeting.held_on if study is not None else None
    if studied_on is not None and data.decided_on < studied_on:
        raise Refused(
            _("The committee studied it on %(day)s: the decision cannot come before.")
            % {"day": studied_on.isoformat()},
            "decided_on",
        )
    if data.outcome not in Decision.Outcome.values:
        raise Refused(_("Choose the outcome."), "outcome")
    votes = (data.votes_for, data.votes_against)
    if data.method == Decision.Method.MEETING_VOTE and None not in votes:
        for_, against = votes
        if data.outcome == Decision.Outcome.APPROVED and not for_ > against:  # type: ignore[operator]
            raise Refused(_("The votes do not carry an approval."), "votes_for")


@transaction.atomic
def decide(*, decision: Decision, data: DecisionInput, by: Any) -> Decision:
    """Record what the deciding body decided, and flag an approval against the committee."""
    _require_stage(decision, Decision.Stage.PROPOSED, Decision.Stage.STUDIED)
    study = latest_study(decision) if decision.stage == Decision.Stage.STUDIED else None
    _check_decision(decision, data, study)
    before = _snapshot(decision)
    decision.body = data.body
    decision.method = data.method
    decision.outcome = data.outcome
    decision.decided_on = data.decided_on
    decision.decision_meeting = data.meeting.strip()
    decision.votes_for = data.votes_for
    decision.votes_against = data.votes_against
    decision.votes_abstaining = data.votes_abstaining
    decision.decision_note = data.note.strip()
    # An emergency is recorded only where it excused something: a missing study or signatures.
    decision.emergency = data.emergency and (
        (study is None and decision.needs_prior_study) or data.method == Decision.Method.SIGNATURES
    )
    decision.emergency_reason = data.emergency_reason.strip() if decision.emergency else ""
    decision.against_conclusion = (
        data.outcome == Decision.Outcome.APPROVED
        and study is not None
        and study.conclusion == PriorStudy.Conclusion.DISAGREE
    )
    decision.decided_recorded_by = by if getattr(by, "is_authenticated", False) else None
    decision.decided_recorded_at = timezone.now()
    decision.stage = Decision.Stage.DECIDED
    decision.save()
    _record(decision, before, by, "decided")
    return decision


# --- execution and closing -----------------------------------------------------------------------


@transaction.atomic
def add_task(*, decision: Decision, values: dict[str, Any], by: Any) -> Task:
    """A task of the task list carrying an approved decision out."""
    _require_stage(decision, Decision.Stage.DECIDED, Decision.Stage.EXECUTING)
    if decision.outcome != Decision.Outcome.APPROVED:
        raise Refused(_("Only an approved decision is carried out."))
    task = plans.task_create(org=decision.org, values=values, by=by)
    DecisionTask.objects.create(decision=decision, task=task)
    if decision.stage != Decision.Stage.EXECUTING:
        before = _snapshot(decision)
        decision.stage = Decision.Stage.EXECUTING
        decision.save(update_fields=["stage"])
        _record(decision, before, by, f"task {task.code}")
    return task


@transaction.atomic
def close(*, decision: Decision, result: str, by: Any) -> Decision:
    """Close with the result: an approved decision once its tasks are finished, a rejected one
    at once."""
    rejected = decision.outcome == Decision.Outcome.REJECTED
    _require_stage(
        decision, Decision.Stage.EXECUTING, *([Decision.Stage.DECIDED] if rejected else [])
    )
    if not result.strip():
        raise Refused(_("Say what came of it."), "result")
    open_tasks = Task.objects.filter(
        pk__in=decision.task_links.values("task_id"), status__in=Task.OPEN_STATUSES
    )
    if open_tasks.exists():
        raise Refused(_("Some of its tasks are still open."))
    before = _snapshot(decision)
    decision.result = result.strip()
    decision.stage = Decision.Stage.CLOSED
    decision.closed_at = timezone.now()
    decision.closed_by = by if getattr(by, "is_authenticated", False) else None
    decision.save()
    _record(decision, before, by, "closed")
    return decision


@transaction.atomic
def publish(*, decision: Decision, public: bool, sensitive_note: str, by: Any) -> Decision:
    """Show a decided matter on the organisation's decision board (决策公开), or take it off.
    `sensitive_note` is kept from members."""
    if public and decision.stage in (Decision.Stage.PROPOSED, Decision.Stage.STUDIED):
        raise Refused(_("Only a decided matter is published."), "public")
    before = _snapshot(decision)
    decision.public = public
    decision.sensitive_note = sensitive_note.strip()
    decision.save(update_fields=["public", "sensitive_note"])
    _record(decision, before, by, "published" if public else "unpublished")
    return decision
