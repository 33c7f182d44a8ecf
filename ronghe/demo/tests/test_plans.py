"""The demo's joint plan: a year plan of 20 targets, half deployed to every branch, tasks in
every state with their evidence, integration points from 座谈会, and the personas' pages.

One demo, built at a fixed moment late in the year, is read by every test (inside a
transaction rolled back afterwards)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Q
from django.test import Client
from django.test.utils import override_settings
from pytest_django import DjangoDbBlocker

from ronghe.accounts.models import User
from ronghe.orglife.models import MeetingKind, ResolutionTask
from ronghe.orgs.models import PartyOrg
from ronghe.plans import services
from ronghe.plans.models import IntegrationPoint, Plan, ProgressReport, Task
from ronghe.testing import sign_in

SHANGHAI = ZoneInfo("Asia/Shanghai")
MOMENT = datetime(2026, 11, 25, 9, 0, tzinfo=SHANGHAI)
TODAY = MOMENT.date()


@pytest.mark.django_db
class TestTheDemosJointPlan:
    @pytest.fixture(scope="class", autouse=True)
    def demo(
        self,
        django_db_setup: None,
        django_db_blocker: DjangoDbBlocker,
        tmp_path_factory: pytest.TempPathFactory,
    ) -> Iterator[str]:
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
                transaction.set_rollback(True)

    @pytest.fixture(autouse=True)
    def _at_the_moment(self) -> Iterator[None]:
        with time_machine.travel(MOMENT, tick=False):
            yield

    def test_the_committee_has_an_approved_year_plan_half_deployed_to_every_branch(
        self, demo: str
    ) -> None:
        assert "joint plan: 20 targets, 10 deployed to every branch" in demo
        plan = Plan.objects.get()
        assert plan.status == Plan.Status.APPROVED and plan.year == 2026
        assert plan.approved_by != plan.submitted_by
        branches = PartyOrg.objects.filter(kind=PartyOrg.Kind.BRANCH).count()
        per_item = sorted(
            plan.items.annotate(n=Count("tasks")).values_list("n", flat=True), reverse=True
        )
        assert per_item == [branches] * 10 + [1] * 10
        sides = set(plan.items.values_list("dimension", flat=True))
        assert sides == {"party", "business"}

    def test_tasks_stand_in_every_state_and_lateness_shows(self, demo: str) -> None:
        statuses = set(Task.objects.values_list("status", flat=True))
        assert statuses == set(Task.Status.values)
        assert Task.objects.filter(status=Task.Status.DONE, late_mark=True).exists()
        overdue = Task.objects.open().filter(deadline__lt=TODAY)
        assert overdue.exists() and not overdue.filter(late_mark=False).exists()
        assert not Task.objects.filter(late_mark=True, deadline__gte=TODAY).exists()
        reports = set(ProgressReport.objects.values_list("status", flat=True))
        assert reports == set(ProgressReport.Status.values)
        assert all(
            services.has_accepted_evidence(task)
            for task in Task.objects.filter(status=Task.Status.DONE)
        )
        assert not Task.objects.filter(status=Task.Status.CANCELLED, cancel_reason="").exists()

    def test_every_task_has_both_leads_and_the_personas_lead_theirs(self, demo: str) -> None:
        assert not Task.objects.filter(Q(party_lead=None) | Q(business_lead=None)).exists()
        head = User.objects.get(username="business_head")
        secretary = User.objects.get(username="secretary")
        assert Task.objects.filter(business_lead_id=head.person_id).count() >= 10
        mine = Task.objects.filter(party_lead_id=secretary.person_id)
        assert {"done", "in_progress", "not_started", "cancelled"} <= set(
            mine.values_list("status", flat=True)
        )
        assert ProgressReport.objects.filter(
            task__in=mine, status=ProgressReport.Status.RETURNED
        ).exists()

    def test_integration_points_came_from_forums(self, demo: str) -> None:
        points = IntegrationPoint.objects.all()
        assert points.count() == 4
        forums = points.filter(source=IntegrationPoint.Source.FORUM)
        assert forums.count() == 2
        assert all(p.source_meeting.kind == MeetingKind.FORUM for p in forums)
        assert all(p.source_meeting.status == "held" for p in forums)
        assert Task.objects.filter(integration_point__in=points).exists()

    def test_a_resolution_of_the_personas_branch_became_a_task(self, demo: str) -> None:
        task = Task.objects.get(resolution__isnull=False)
        assert task.org.org_code == "FD-YX"
        assert ResolutionTask.objects.filter(task_code=task.code).exists()

    def test_the_personas_pages_show_the_plan(self, demo: str) -> None:
        staff = sign_in(Client(), User.objects.get(username="party_admin"))
        item = Plan.objects.get().items.annotate(n=Count("tasks")).order_by("-n").first()
        cascade = staff.get(f"/plans/items/{item.code}/cascade/")
        assert cascade.status_code == 200
        assert cascade.content.decode().count("/tasks/") >= 25
        secretary = sign_in(Client(), User.objects.get(username="secretary"))
        for url in ("/tasks/", "/tasks/board/", "/tasks/timeline/", "/duties/", "/"):
            assert secretary.get(url).status_code == 200, url
        head = sign_in(Client(), User.objects.get(username="business_head"))
        duties = head.get("/duties/").content.decode()
        assert "客户投诉主题党日" in duties or "冬季安全隐患排查" in duties
