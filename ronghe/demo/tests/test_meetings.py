"""The demo's year of organisational life: meetings as the services would have recorded them,
and a compliance board in three colours.

Most tests read one demo, built by `ronghe demo --no-serve` at a fixed moment (the last week
of March, when behind branches are both overdue for February and due soon for March) once for
the class, inside a transaction rolled back after it: a build takes seconds, the reads
milliseconds. The last tests build the history again on awkward days.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from io import StringIO
from statistics import median
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from ronghe.accounts.models import RoleAssignment, User
from ronghe.compliance.evaluator import WINDOW_MONTHS, add_months
from ronghe.compliance.models import Finding
from ronghe.core.access import Role
from ronghe.demo.builder import DEMO_COMPANIES, DEMO_GROUP, DEMO_HQ, OrganisationBuilder
from ronghe.demo.meetings import Profile, build_meeting_history
from ronghe.demo.personas import create_personas
from ronghe.orglife import services
from ronghe.orglife.kinds import Invite, spec_of
from ronghe.orglife.models import AgendaTopic, Attendance, Meeting, MeetingKind, Resolution
from ronghe.orglife.quorum import Ballot, ballot_breaches
from ronghe.orgs.models import PartyOrg
from ronghe.people.models import Person, PoliticalStatus
from ronghe.testing import sign_in

SHANGHAI = ZoneInfo("Asia/Shanghai")
MOMENT = datetime(2026, 3, 25, 8, 30, tzinfo=SHANGHAI)
TODAY = MOMENT.date()
S = Finding.Status
BEHIND = (S.DUE_SOON, S.OVERDUE, S.VIOLATED)


def branches() -> list[PartyOrg]:
    return list(PartyOrg.objects.filter(kind=PartyOrg.Kind.BRANCH).order_by("path"))


def attendance_rates() -> dict[str, float]:
    """Came (present or late) over invited, at held meetings, per branch with its groups;
    branches of fewer than ten members are left out (two people make a noisy rate)."""
    came: dict[str, int] = defaultdict(int)
    invited: dict[str, int] = defaultdict(int)
    rows = Attendance.objects.filter(meeting__status=Meeting.Status.HELD).values_list(
        "meeting__org__path", "status"
    )
    paths = {
        branch.path: branch.org_code
        for branch in branches()
        if Person.objects.party_members().filter(party_org__path__startswith=branch.path).count()
        >= 10
    }
    for path, status in rows:
        code = next((c for p, c in paths.items() if path.startswith(p)), None)
        if code is None:
            continue
        invited[code] += 1
        came[code] += status in (Attendance.Status.PRESENT, Attendance.Status.LATE)
    return {code: came[code] / invited[code] for code in invited}


@pytest.mark.django_db
class TestTheDemosYearOfMeetings:
    @pytest.fixture(scope="class", autouse=True)
    def demo(
        self,
        django_db_setup: None,
        django_db_blocker: DjangoDbBlocker,
        tmp_path_factory: pytest.TempPathFactory,
    ) -> Iterator[str]:
        """The demo at MOMENT; returns what the command printed."""
        var = tmp_path_factory.mktemp("var")
        with (
            time_machine.travel(MOMENT, tick=False),
            django_db_blocker.unblock(),
            override_settings(
                VAR_DIR=var, PASSWORD_HASHERS=["ronghe.testing.FastArgon2PasswordHasher"]
            ),
            transaction.atomic(),
        ):
            try:
                out = StringIO()
                call_command("demo", no_serve=True, stdout=out)
                yield out.getvalue()
            finally:
                transaction.set_rollback(True)  # the next tests start from an empty database

    def test_the_command_builds_a_year_of_meetings_up_to_today(self, demo: str) -> None:
        assert "meetings held over the last year" in demo
        held = Meeting.objects.held()
        window_start = add_months(date(TODAY.year, TODAY.month, 1), -(WINDOW_MONTHS - 1))
        months = {(d.year, d.month) for d in held.values_list("held_on", flat=True)}
        assert len(months) == WINDOW_MONTHS
        assert min(held.values_list("held_on", flat=True)) < window_start + timedelta(days=14)
        assert max(held.values_list("held_on", flat=True)) <= TODAY
        assert not held.filter(starts_at__gt=timezone.now()).exists()
        assert not Meeting.objects.filter(
            status=Meeting.Status.PLANNED, ends_at__lt=timezone.now()
        ).exists()
        for branch in branches():
            kinds = set(held.filter(org=branch).values_list("kind", flat=True))
            assert {MeetingKind.GENERAL_MEETING, MeetingKind.THEME_DAY} <= kinds, branch.org_code

    def test_held_meetings_carry_minutes_and_their_kinds_record(self) -> None:
        for meeting in Meeting.objects.held().only("kind", "minutes", "details"):
            assert "主持" in meeting.minutes and "应到" in meeting.minutes
            assert set(meeting.details) <= {field.key for field in spec_of(meeting.kind).fields}
        org_life = Meeting.objects.held().filter(kind=MeetingKind.ORG_LIFE_MEETING)
        assert org_life.exists()
        assert all(m.details["member_review"] for m in org_life)

    def test_attendance_rows_are_exactly_the_invitees_the_services_would_choose(self) -> None:
        seats: dict[int, dict[int, bool]] = defaultdict(dict)
        for meeting_id, person_id, voting in Attendance.objects.values_list(
            "meeting_id", "person_id", "voting"
        ):
            seats[meeting_id][person_id] = voting
        full = set(
            Person.objects.filter(political_status=PoliticalStatus.FULL_MEMBER).values_list(
                "id", flat=True
            )
        )
        expected: dict[tuple[int, str], set[int]] = {}
        orgs = PartyOrg.objects.in_bulk()
        for meeting in Meeting.objects.only("id", "org_id", "kind"):
            org = orgs[meeting.org_id]
            key = (org.pk, meeting.kind)
            if key not in expected:
                expected[key] = set(
                    services.default_invitees(org, meeting.kind).values_list("id", flat=True)
                )
            invited = set(seats[meeting.pk])
            if spec_of(meeting.kind).invite == Invite.MEMBERS:
                assert invited == expected[key], (org.org_code, meeting.kind)
            else:  # the leadership, and the committee members added to it
                members = set(
                    Person.objects.party_members()
                    .filter(party_org__path__startswith=org.path)
                    .values_list("id", flat=True)
                )
                assert expected[key] <= invited <= members, (org.org_code, meeting.kind)
            assert all(voting == (person in full) for person, voting in seats[meeting.pk].items())

    def test_statuses_are_those_a_recorder_could_enter(self) -> None:
        held = Attendance.objects.filter(meeting__status=Meeting.Status.HELD)
        assert set(held.values_list("status", flat=True)) == {
            Attendance.Status.PRESENT,
            Attendance.Status.LATE,
            Attendance.Status.LEAVE,
            Attendance.Status.ABSENT,
        }
        assert not held.filter(status=Attendance.Status.LEAVE, reason="").exists()
        planned = Attendance.objects.filter(meeting__status=Meeting.Status.PLANNED)
        assert set(planned.values_list("status", flat=True)) == {Attendance.Status.PENDING}

    def test_the_board_shows_green_yellow_and_red(self) -> None:
        current = Finding.objects.current()
        meetings_only = set(
            current.exclude(rule__key="term-renewal").values_list("status", flat=True)
        )
        assert {S.OK, S.DUE_SOON, S.OVERDUE} <= meetings_only
        assert Finding.objects.filter(status=S.VIOLATED).exists()  # an old lapse
        assert Finding.objects.filter(status=S.OK, late=True).exists()  # a make-up meeting
        leader = User.objects.get(username="leader")
        html = sign_in(Client(), leader).get("/compliance/").content.decode()
        # A cell's badge carries its deadline as a title; the column headers' do not.
        for colour in ("bg-green-lt", "bg-yellow-lt", "bg-red-lt"):
            assert f'{colour}" title=' in html, colour

    def test_some_branches_are_fully_compliant_and_some_behind(self) -> None:
        compliant, behind = [], []
        for branch in branches():
            subtree = Finding.objects.filter(org__path__startswith=branch.path)
            if (
                not subtree.filter(status__in=BEHIND).exists()
                and not subtree.filter(late=True).exists()
            ):
                compliant.append(branch.org_code)
            if (
                subtree.current()
                .filter(status=S.OVERDUE)
                .exclude(rule__key="term-renewal")
                .exists()
            ):
                behind.append(branch.org_code)
        assert len(compliant) >= 3, compliant
        assert len(behind) >= 3, behind

    def test_one_branch_has_noticeably_lower_attendance(self) -> None:
        rates = attendance_rates()
        lowest, *others = sorted(rates, key=rates.__getitem__)
        assert rates[lowest] < 0.7
        assert median(rates[code] for code in others) > 0.85
        assert all(rates[code] > rates[lowest] + 0.1 for code in others)

    def test_business_topics_name_their_unit_or_goal(self) -> None:
        business = AgendaTopic.objects.filter(is_business=True)
        assert business.exclude(unit=None).exists()
        assert not business.filter(unit=None, business_note="").exists()
        assert not AgendaTopic.objects.filter(is_business=False).exclude(unit=None).exists()
        branch_meetings = Meeting.objects.held().filter(org__kind=PartyOrg.Kind.BRANCH)
        with_business = branch_meetings.filter(topics__is_business=True).distinct().count()
        assert 0.1 < with_business / branch_meetings.count() < 0.6
        sessions = Meeting.objects.held().filter(kind=MeetingKind.COMMITTEE_SESSION)
        assert sessions.exists()
        assert not sessions.exclude(topics__is_business=True).exists()  # 前置研究

    def test_every_recorded_vote_meets_the_quorum_rules(self) -> None:
        votes = Resolution.objects.filter(vote_kind=Resolution.VoteKind.ORDINARY)
        assert votes.filter(outcome=Resolution.Outcome.PASSED).exists()
        for resolution in votes.select_related("meeting"):
            meeting = resolution.meeting
            heads = services.headcount(meeting, voting_only=True)
            ballot = Ballot(resolution.yes or 0, resolution.no or 0, resolution.abstain or 0)
            assert not ballot_breaches(
                meeting.kind, resolution.vote_kind, heads, ballot, resolution.outcome
            ), resolution.text

    def test_the_member_has_a_meeting_today_or_tomorrow_and_sees_it(self) -> None:
        member = RoleAssignment.objects.get(role=Role.MEMBER, user__username="member").user
        soon = Attendance.objects.filter(
            person=member.person,
            meeting__status=Meeting.Status.PLANNED,
            meeting__starts_at__lt=timezone.now() + timedelta(days=2),
        ).select_related("meeting")
        assert soon.exists()
        page = sign_in(Client(), member).get("/meetings/mine/").content.decode()
        assert soon[0].meeting.title in page


@pytest.mark.parametrize(
    "moment",
    [datetime(2027, 1, 1, 8, 0, tzinfo=SHANGHAI), datetime(2028, 2, 29, 21, 30, tzinfo=SHANGHAI)],
    ids=["new-year-morning", "leap-day-evening"],
)
def test_the_history_holds_together_on_awkward_days(db: None, moment: datetime) -> None:
    with time_machine.travel(moment, tick=False):
        built = OrganisationBuilder(seed=7).build(DEMO_GROUP, DEMO_HQ, DEMO_COMPANIES)
        create_personas(built)
        history = build_meeting_history(built)
        today = timezone.localdate()
        assert history.held > 1000 and history.planned > 0
        assert not Meeting.objects.held().filter(held_on__gt=today).exists()
        for code, profile in history.profiles.items():
            if profile == Profile.MODEL:
                branch = PartyOrg.objects.get(org_code=code)
                behind = Finding.objects.filter(
                    org__path__startswith=branch.path, status__in=BEHIND
                )
                assert not behind.exists(), code
        branch = RoleAssignment.objects.get(role=Role.MEMBER).party_org
        first = Meeting.objects.filter(org=branch, status=Meeting.Status.PLANNED).earliest(
            "starts_at"
        )
        assert timezone.localdate(first.starts_at) - today <= timedelta(days=1)
