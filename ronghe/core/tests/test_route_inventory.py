"""Every route, every persona: nobody sees outside their subtree (DESIGN.md §3, SECURITY.md B).

The walker reads the URL inventory from the resolver itself, so a route added tomorrow is
walked tomorrow; a route whose parameters it cannot fill fails the suite until someone says
which kind of object it takes (ROUTE_KINDS below).

The oracle is written out by hand from the cast's drawing in `ronghe/testing.py`, not computed
with the gate under test. The rule it checks: for a persona, an object outside their reach is
indistinguishable from an object that does not exist (same status, never a 2xx, 3xx or 5xx).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from ronghe.accounts import tokens
from ronghe.accounts.models import RoleAssignment
from ronghe.testing import Cast

# --- the inventory ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # namespace:name
    template: str  # the route with its <converter:name> parts
    kwargs: dict[str, Any]  # the pattern's default kwargs (the tree views' "tree")
    params: tuple[str, ...]
    view: Any

    def url(self, code: Any = None) -> str:
        path = self.template
        for param in self.params:
            value = {"code": code, "action": "disable", "token": "not-a-token"}[param]
            for converter in ("uuid", "uuidstr", "str", ""):
                token = f"<{converter}:{param}>" if converter else f"<{param}>"
                path = path.replace(token, str(value))
        return "/" + path

    @property
    def login_exempt(self) -> bool:
        return getattr(self.view, "login_required", True) is False


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace or "") if part)
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else str(pattern.name)
            yield Route(
                name=name,
                template=prefix + str(pattern.pattern),
                kwargs=dict(pattern.default_args),
                params=tuple(pattern.pattern.converters),
                view=pattern.callback,
            )


ROUTES = list(_walk(get_resolver().url_patterns))

# Which kind of public code each route with a `code` parameter takes.
ROUTE_KINDS = {
    "people:detail": "person",
    "people:edit": "person",
    "people:reveal": "person",
    "people:login_create": "person",
    "api:get_person": "person",
    "orgs:party_detail": "party",
    "orgs:party_children": "party",
    "orgs:party_edit": "party",
    "orgs:party_move": "party",
    "orgs:party_close": "party",
    "api:get_party_org": "party",
    "orgs:unit_detail": "unit",
    "orgs:unit_children": "unit",
    "orgs:unit_edit": "unit",
    "orgs:unit_move": "unit",
    "orgs:unit_close": "unit",
    "api:get_unit": "unit",
    "accounts:role_revoke": "role",
    "accounts:user_detail": "user",
    "accounts:user_action": "user",
    "accounts:token_revoke": "token",
    "api:update_person": "person",
    "people:import_batch": "batch",
    "people:import_commit": "batch",
    "people:import_errors": "batch",
    "api:get_import": "batch",
    "api:commit_import": "batch",
    "api:import_errors": "batch",
    "people:export_decide": "export",
    "people:export_download": "export",
    "api:get_export": "export",
    "api:export_file": "export",
    "orglife:detail": "meeting",
    "orglife:attendance": "meeting",
    "orglife:record": "meeting",
    "orglife:resolution": "meeting",
    "orglife:sign_in_code": "meeting",
    "api:get_meeting": "meeting",
    "api:update_meeting": "meeting",
    "api:cancel_meeting": "meeting",
    "api:invite": "meeting",
    "api:record_attendance": "meeting",
    "api:record_meeting": "meeting",
    "api:add_resolution": "meeting",
    "api:delete_setting": "setting",
    "compliance:org": "party",
    "compliance:org_card": "party",
    "notify:read": "notification",
    "orglife:edit": "meeting",
    "orglife:cancel": "meeting",
    "orglife:invite": "meeting",
    "orglife:attach": "meeting",
    "orglife:attachment": "attachment",
    "orglife:attachment_delete": "attachment",
    "compliance:setting_delete": "setting",
    "plans:plan": "plan",
    "plans:item_new": "plan",
    "plans:plan_submit": "plan",
    "plans:plan_approve": "plan",
    "plans:plan_return": "plan",
    "plans:item_edit": "item",
    "plans:item_delete": "item",
    "plans:deploy": "item",
    "plans:cascade": "item",
    "plans:task": "task",
    "plans:task_edit": "task",
    "plans:report_new": "task",
    "plans:task_move": "task",
    "plans:task_unlock": "task",
    "plans:report_amend": "report",
    "plans:report_accept": "report",
    "plans:report_return": "report",
    "plans:report_file": "report_file",
    "plans:duties": "person",
    "plans:point": "point",
    "plans:point_edit": "point",
    "plans:category_toggle": "category",
    "plans:policy_delete": "policy",
    "plans:milestone_new": "task",
    "plans:milestone_done": "milestone",
    "plans:milestone_delete": "milestone",
    "plans:resolution_task": "resolution",
    "decisions:decision": "decision",
    "decisions:schedule": "decision",
    "decisions:study": "decision",
    "decisions:decide": "decision",
    "decisions:add_task": "decision",
    "decisions:close": "decision",
    "decisions:publish": "decision",
    "api:get_plan": "plan",
    "api:submit_plan": "plan",
    "api:approve_plan": "plan",
    "api:return_plan": "plan",
    "api:add_item": "plan",
    "api:get_item": "item",
    "api:update_item": "item",
    "api:delete_item": "item",
    "api:deploy_item": "item",
    "api:item_cascade": "item",
    "api:get_point": "point",
    "api:update_point": "point",
    "api:get_task": "task",
    "api:update_task": "task",
    "api:cancel_task": "task",
    "api:move_task": "task",
    "api:unlock_task": "task",
    "api:list_reports": "task",
    "api:submit_report": "task",
    "api:get_report": "report",
    "api:amend_report": "report",
    "api:accept_report": "report",
    "api:return_report": "report",
    "api:report_file": "report_file",
    "api:list_milestones": "task",
    "api:add_milestone": "task",
    "api:tick_milestone": "milestone",
    "api:delete_milestone": "milestone",
    "api:task_from_resolution": "resolution",
    "api:set_category_active": "category",
    # A subtree's thresholds are addressed by its organisation.
    "api:save_thresholds": "party",
    "api:delete_thresholds": "party",
}
# Pages that must open without a session (SECURITY.md A): signing in, probes, language.
LOGIN_EXEMPT = {
    "accounts:login",
    "accounts:login_otp",
    "accounts:login_enrol",
    "accounts:otp_qr",
    "core:healthz",
    "core:readyz",
    "set_language",
    # A calendar program fetches the feed without a session; the key in the URL is the
    # credential (an unknown key is a 404, tested in orglife).
    "orglife:ics",
}
# The API answers an anonymous caller 401 itself instead of redirecting to the login form;
# its schema and documentation page describe the API and hold no data.
API_PUBLIC = {"api:openapi-json", "api:openapi-view"}
DETAIL_ROUTES = {
    "people:detail",
    "orgs:party_detail",
    "orgs:unit_detail",
    "api:get_person",
    "api:get_party_org",
    "api:get_unit",
}

# --- the oracle: what each persona may see, read off the cast's drawing ----------------------

OUR_PEOPLE = {"张伟强", "李娜", "王磊", "赵敏", "刘洋", "陈静", "杨帆", "黄涛", "周杰"}
A1_PEOPLE = {"张伟强", "李娜", "王磊", "赵敏"}
G_PARTY_PEOPLE = A1_PEOPLE | {"陈静", "杨帆", "黄涛", "周杰"}
# 刘洋 is in no Party org but works in UA1, the department A1 is built on: the reach of A1's
# subtree covers the people of its mapped units (支部建在部门上).
OUR_ORGS = {"G", "A", "A1", "A1G", "A2", "B", "B1"}
OUR_UNITS = {"U", "UA1", "UA2", "UB1"}

VISIBLE: dict[str, dict[str, set[str]]] = {
    "leader": {"person": OUR_PEOPLE, "party": OUR_ORGS, "unit": OUR_UNITS},
    "party_admin": {"person": OUR_PEOPLE, "party": OUR_ORGS, "unit": {"UA1", "UA2", "UB1"}},
    "secretary": {"person": A1_PEOPLE | {"刘洋"}, "party": {"A1", "A1G"}, "unit": {"UA1"}},
    "member": {"person": {"王磊"}, "party": {"A1", "A1G"}, "unit": {"UA1"}},
    "sibling": {"person": {"陈静"}, "party": {"A2"}, "unit": {"UA2"}},
    "business_head": {"person": A1_PEOPLE | {"刘洋"}, "party": set(), "unit": {"UA1"}},
    "sysadmin": {"person": set(), "party": set(), "unit": set()},
    "secadmin": {"person": set(), "party": set(), "unit": set()},
    "auditor": {"person": set(), "party": set(), "unit": set()},
    "outsider": {"person": {"吴刚"}, "party": {"O", "O1"}, "unit": set()},
}
PERSONAS = list(VISIBLE)


@pytest.fixture(autouse=True)
def _quiet_request_log() -> Iterator[None]:
    """Hundreds of expected 404s would otherwise each print a warning."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


def objects_of(cast: Cast, kind: str) -> dict[str, Any]:
    return {"person": cast.people, "party": cast.orgs, "unit": cast.units}[kind]


def coded_routes() -> list[Route]:
    return [route for route in ROUTES if "code" in route.params]


# A well-formed body for the API writes that take one, by the URL's last segment other than the
# code: ninja checks the body before the view looks the code up, so an empty one is refused as
# such (400/422) whatever the code, and the walker would learn nothing.
API_BODIES: dict[str, dict[str, Any]] = {
    "cancel": {"reason": "冲突"},
    "invitees": {"people": [str(uuid.uuid4())]},
    "attendance": {"person": str(uuid.uuid4()), "status": "present"},
    "record": {"minutes": "纪要"},
    "resolutions": {"text": "决议"},
    "items": {"dimension": "party", "title": "目标", "deadline": "2026-12-31"},
    "deploy": {"scope": "all"},
    "return": {"reason": "补充"},
    "status": {"status": "in_progress"},
    "unlock": {"reason": "补录", "until": "2026-12-31"},
    "milestones": {"title": "节点", "due_on": "2026-12-31"},
    "done": {"done": True},
    "active": {"active": False},
    "task": {"party_category": str(uuid.UUID(int=0)), "deadline": "2026-12-31"},
    "thresholds": {"yellow_days": 1, "red_days": 0, "remind_days": 0, "grace_days": 0},
}
# The same for the API writes sent as multipart forms (a report with its files).
API_FORMS: dict[str, dict[str, Any]] = {
    "reports": {"text": "进展", "progress": "10"},
    "amend": {"text": "进展", "progress": "10"},
}


def _is_code(segment: str) -> bool:
    try:
        uuid.UUID(segment)
    except ValueError:
        return False
    return True


def api_send(client: Client, method: str, url: str, **headers: str) -> Any:
    """An API request with a well-formed body for the operation at `url`."""
    segments = url.rstrip("/").split("/")
    last = segments[-2] if _is_code(segments[-1]) else segments[-1]
    if method == "post" and last in API_FORMS:
        return client.post(url, API_FORMS[last], headers=headers)
    if method in ("post", "put", "patch"):
        body = json.dumps(API_BODIES.get(last, {}))
        return getattr(client, method)(url, body, content_type="application/json", headers=headers)
    return getattr(client, method)(url, headers=headers)


def status(client: Client, method: str, url: str) -> int:
    if url.startswith("/api/"):
        return api_send(client, method, url).status_code
    return getattr(client, method)(url).status_code


# --- the inventory itself ---------------------------------------------------------------------


def test_every_route_with_a_code_says_which_kind_of_object_it_takes() -> None:
    unknown = [route.name for route in coded_routes() if route.name not in ROUTE_KINDS]
    assert unknown == [], "add these routes to ROUTE_KINDS so the walker covers them"
    unfillable = [route.name for route in ROUTES if set(route.params) - {"code", "action", "token"}]
    assert unfillable == []


def test_the_walker_finds_the_routes_it_is_meant_to_guard() -> None:
    names = {route.name for route in ROUTES}
    assert set(ROUTE_KINDS) <= names
    assert {"people:list", "orgs:party_tree", "orgs:unit_tree", "core:audit_list"} <= names


# --- anonymous requests -----------------------------------------------------------------------


@pytest.mark.req("A-1")
def test_only_the_sign_in_pages_probes_and_language_switch_are_login_exempt() -> None:
    exempt = {route.name for route in ROUTES if route.login_exempt}
    pages = {name for name in exempt if not name.startswith("api:")}
    assert pages == LOGIN_EXEMPT


@pytest.mark.req("A-1")
@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_other_page_sends_an_anonymous_visitor_to_the_login_form(method: str) -> None:
    client = Client()
    code = uuid.uuid4()
    wrong = {}
    for route in ROUTES:
        if route.login_exempt:
            continue
        response = getattr(client, method)(route.url(code))
        location = response.get("Location", "")
        if response.status_code != 302 or not location.startswith("/accounts/login/"):
            wrong[route.name] = (response.status_code, location)
    assert wrong == {}


@pytest.mark.req("A-1")
@pytest.mark.django_db
def test_every_api_endpoint_but_its_description_answers_an_anonymous_caller_401() -> None:
    client = Client()
    code = uuid.uuid4()
    api = [route for route in ROUTES if route.name.startswith("api:")]
    answers = {}
    for route in api:
        answer = client.get(route.url(code)).status_code
        if answer == 405:  # a POST-only operation: ask it the way it serves
            answer = client.post(route.url(code)).status_code
        if answer == 405:  # a DELETE
            answer = client.delete(route.url(code)).status_code
        answers[route.name] = answer
    described = {name: answers.pop(name) for name in API_PUBLIC if name in answers}
    answers.pop("api:api-root", None)  # ninja's root: no view of its own
    assert set(answers.values()) <= {401}, answers
    assert set(described.values()) <= {200}


# --- signed-in personas -----------------------------------------------------------------------


def _unreachable_codes(cast: Cast, persona: str, kind: str) -> list[tuple[str, Any]]:
    if kind in ("person", "party", "unit"):
        seen = VISIBLE[persona][kind]
        return [(key, obj.code) for key, obj in objects_of(cast, kind).items() if key not in seen]
    if kind == "role":
        # Role assignments held on the other side of the world: ours for the outsider, the
        # outsider's for everybody else. The security administrator manages all of them.
        if persona == "secadmin":
            return []
        outsiders = RoleAssignment.objects.filter(user__username="outsider")
        rows = (
            outsiders
            if persona != "outsider"
            else RoleAssignment.objects.exclude(pk__in=outsiders.values("pk"))
        )
        return [(f"role of {row.user.username}", row.code) for row in rows]
    if kind == "user":
        # Accounts are not org-owned: only the system administrator opens them.
        return [] if persona == "sysadmin" else [("leader's account", cast.users["leader"].code)]
    if kind == "token":
        # API tokens belong to their owner alone: anyone else's must look like no token.
        owner = cast.users["member" if persona == "leader" else "leader"]
        token, _secret = tokens.token_create(
            user=owner, name="walker", scope="read", expires_days=None, by=owner
        )
        return [(f"token of {owner.username}", token.code)]
    if kind == "batch":
        # An import batch is its uploader's alone, even for their superiors.
        owner = "party_admin" if persona == "secretary" else "secretary"
        return [(f"import of {owner}", _batch_of(cast, owner).code)]
    if kind in ("meeting", "setting", "attachment", "resolution"):
        # Meetings (their attachments and resolutions, and local rule settings) of A1 (its
        # members and everyone above), of B1 (only the committee's staff and leader) and of
        # the outsider's branch.
        seen = {
            "leader": {"A1", "B1"},
            "party_admin": {"A1", "B1"},
            "secretary": {"A1"},
            "member": {"A1"},
            "outsider": {"O1"},
        }.get(persona, set())
        make = {
            "meeting": _meeting_of,
            "setting": _setting_of,
            "attachment": _attachment_of,
            "resolution": _resolution_of,
        }[kind]
        return [
            (f"{kind} of {org}", make(cast, org).code)
            for org in ("A1", "B1", "O1")
            if org not in seen
        ]
    if kind in PLAN_MAKERS:
        # Plans, tasks and the catalogues of A1, B1 and the outsider's branch (tasks without
        # leads, so only the reach of READ_PLANS opens them: members hold none; a catalogue
        # entry is also seen below its organisation, and none of these has anything below).
        seen = {
            "leader": {"A1", "B1"},
            "party_admin": {"A1", "B1"},
            "secretary": {"A1"},
            "outsider": {"O1"},
        }.get(persona, set())
        return [
            (f"{kind} of {org}", PLAN_MAKERS[kind](cast, org).code)
            for org in ("A1", "B1", "O1")
            if org not in seen
        ]
    if kind == "export":
        # An export request: its requester's, and open to those who may decide it (people
        # who manage the organisation it covers). The secretary's request about A1 is
        # therefore open to party_admin; nobody else but the secretary may tell it exists.
        if persona == "party_admin":
            return []
        owner = "party_admin" if persona == "secretary" else "secretary"
        return [(f"export of {owner}", _export_of(cast, owner).code)]
    if kind == "notification":
        # A notification is its addressee's alone, even for the addressee's superiors.
        owner = cast.users["member" if persona == "secretary" else "secretary"]
        return [(f"notification of {owner.username}", _notification_of(owner).code)]
    raise AssertionError(kind)


def _meeting_of(cast: Cast, org: str) -> Any:
    from django.utils import timezone

    from ronghe.orglife.models import Meeting

    return Meeting.objects.create(
        org=cast.orgs[org], kind="theme_day", title="主题党日", starts_at=timezone.now()
    )


def _attachment_of(cast: Cast, org: str) -> Any:
    from ronghe.orglife.models import Attachment

    return Attachment.objects.create(
        meeting=_meeting_of(cast, org),
        name="签到表.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        stored_name="missing.pdf",
    )


def _resolution_of(cast: Cast, org: str) -> Any:
    from ronghe.orglife.models import Resolution

    return Resolution.objects.create(meeting=_meeting_of(cast, org), text="决议")


def _setting_of(cast: Cast, org: str) -> Any:
    from ronghe.compliance.models import Rule, RuleSetting

    return RuleSetting.objects.create(
        rule=Rule.objects.get(key="theme-day-monthly"),
        org=cast.orgs[org],
        min_count=2,
        reason="本地规定",
    )


def _plan_of(cast: Cast, org: str) -> Any:
    from ronghe.plans.models import Plan

    plan, _ = Plan.objects.get_or_create(
        org=cast.orgs[org], year=2026, quarter=0, defaults={"title": "计划"}
    )
    return plan


def _item_of(cast: Cast, org: str) -> Any:
    from datetime import date

    from ronghe.plans.models import PlanItem

    return PlanItem.objects.create(
        plan=_plan_of(cast, org), dimension="party", title="目标", deadline=date(2026, 12, 31)
    )


def _task_of(cast: Cast, org: str) -> Any:
    from datetime import date

    from ronghe.plans.models import Category, Task

    return Task.objects.create(
        org=cast.orgs[org],
        title="任务",
        party_category=Category.objects.filter(dimension="party").first(),
        deadline=date(2026, 12, 31),
    )


def _report_of(cast: Cast, org: str) -> Any:
    from django.utils import timezone

    from ronghe.plans.models import ProgressReport

    return ProgressReport.objects.create(
        task=_task_of(cast, org), text="进展", progress=10, submitted_at=timezone.now()
    )


def _report_file_of(cast: Cast, org: str) -> Any:
    from ronghe.plans.models import ReportFile

    return ReportFile.objects.create(
        report=_report_of(cast, org),
        name="照片.jpg",
        content_type="image/jpeg",
        size=1,
        sha256="0" * 64,
        stored_name="missing.jpg",
    )


def _point_of(cast: Cast, org: str) -> Any:
    from ronghe.plans.models import IntegrationPoint

    return IntegrationPoint.objects.create(
        org=cast.orgs[org], title="融合点", party_work="党建", business_goal="业务", source="other"
    )


def _category_of(cast: Cast, org: str) -> Any:
    from ronghe.plans.models import Category

    return Category.objects.create(org=cast.orgs[org], dimension="party", name=f"{org} 的类别")


def _policy_of(cast: Cast, org: str) -> Any:
    from ronghe.plans.models import TaskPolicy

    return TaskPolicy.objects.get_or_create(org=cast.orgs[org])[0]


def _milestone_of(cast: Cast, org: str) -> Any:
    from datetime import date

    from ronghe.plans.models import Milestone

    return Milestone.objects.create(
        task=_task_of(cast, org), title="节点", due_on=date(2026, 9, 30)
    )


def _decision_of(cast: Cast, org: str) -> Any:
    from ronghe.decisions.models import Decision, MajorMatter

    return Decision.objects.create(
        org=cast.orgs[org],
        matter=MajorMatter.objects.filter(org=None).first(),
        title="重大事项",
        description="说明",
    )


PLAN_MAKERS = {
    "plan": _plan_of,
    "item": _item_of,
    "task": _task_of,
    "report": _report_of,
    "report_file": _report_file_of,
    "point": _point_of,
    "category": _category_of,
    "policy": _policy_of,
    "milestone": _milestone_of,
    "decision": _decision_of,
}


def _batch_of(cast: Cast, username: str) -> Any:
    from ronghe.people.models import ImportBatch

    org = cast.orgs["A1"] if username == "secretary" else cast.orgs["G"]
    return ImportBatch.objects.create(
        party_org=org,
        uploaded_by=cast.users[username],
        source=ImportBatch.Source.WEB,
        filename="roster.xlsx",
        sha256="0" * 64,
        size=1,
        status=ImportBatch.Status.INVALID,
    )


def _export_of(cast: Cast, username: str) -> Any:
    from ronghe.people.models import ExportRequest

    org = cast.orgs["A1"] if username == "secretary" else cast.orgs["G"]
    return ExportRequest.objects.create(
        requested_by=cast.users[username], party_org=org, row_count=99, reason="统计"
    )


def _notification_of(user: Any) -> Any:
    from ronghe.notify.models import Notification

    return Notification.objects.create(user=user, key="walker", title="通知", url="/")


def _spread(items: list[Any], routes: int, index: int) -> list[Any]:
    """A covering sample: each route gets at least two of the objects, and every object is
    tried on at least one route of its kind. A route that skips the gate fails on any object;
    an object the gate mis-scopes (a path-prefix slip, say) fails on any route. The full cross
    product would add seconds for no extra power."""
    if not items:
        return []
    per_route = max(2, -(-len(items) // routes))
    return [
        items[(index * per_route + offset) % len(items)]
        for offset in range(min(per_route, len(items)))
    ]


@pytest.mark.req("B-1")
@pytest.mark.parametrize("persona", PERSONAS)
def test_nothing_outside_a_personas_reach_can_be_told_apart_from_nothing(
    cast: Cast, persona: str
) -> None:
    client = cast.client(persona)
    missing = uuid.uuid4()
    leaks: dict[str, tuple[int, int]] = {}
    by_kind: dict[str, list[Route]] = {}
    for route in coded_routes():
        by_kind.setdefault(ROUTE_KINDS[route.name], []).append(route)
    for kind, routes in by_kind.items():
        unreachable = _unreachable_codes(cast, persona, kind)
        for index, route in enumerate(routes):
            # The outsider is tried with both methods; the others with the method the route
            # serves (a POST-only route answers any GET with 405 before it looks anything up).
            get_baseline = status(client, "get", route.url(missing))
            methods = (
                ["get", "post"]
                if persona == "outsider"
                else (["post"] if get_baseline == 405 else ["get"])
            )
            if (
                route.name.startswith("api:")
                and get_baseline == 405
                and status(client, "post", route.url(missing)) == 405
            ):
                # An API path served by neither GET nor POST (a PUT, a DELETE) is asked the
                # way it serves as well.
                methods += [
                    method
                    for method in ("put", "patch", "delete")
                    if status(client, method, route.url(missing)) != 405
                ]
            baselines = {}
            for method in methods:
                baseline = (
                    get_baseline if method == "get" else status(client, method, route.url(missing))
                )
                baselines[method] = baseline
                assert baseline in {403, 404, 405}, (route.name, method, baseline)
                # The outsider, who must get 404 everywhere, is walked over every code.
                sample = (
                    unreachable
                    if persona == "outsider"
                    else _spread(unreachable, len(routes), index)
                )
                for label, code in sample:
                    got = status(client, method, route.url(code))
                    if got != baseline:
                        leaks[f"{method.upper()} {route.name} {label}"] = (got, baseline)
            if persona == "outsider" and kind in ("person", "party", "unit"):
                # Our org-owned codes: 404 with the method the route serves; the other method
                # may only be refused as such (405), whatever the code.
                assert set(baselines.values()) <= {404, 405} and 404 in baselines.values(), (
                    route.name,
                    baselines,
                )
    assert leaks == {}


@pytest.mark.req("B-1")
@pytest.mark.parametrize(
    "persona", [p for p in PERSONAS if p not in {"sysadmin", "secadmin", "auditor"}]
)
def test_what_a_persona_may_see_opens(cast: Cast, persona: str) -> None:
    """The positive control: a walker that answered 404 to everything would pass the test above."""
    client = cast.client(persona)
    refused = {}
    for route in coded_routes():
        if route.name not in DETAIL_ROUTES:
            continue
        kind = ROUTE_KINDS[route.name]
        for key in VISIBLE[persona][kind]:
            got = status(client, "get", route.url(objects_of(cast, kind)[key].code))
            if got != 200:
                refused[f"{route.name} {key}"] = got
    assert refused == {}


@pytest.mark.req("B-1")
def test_the_outsider_cannot_create_under_our_organisations(cast: Cast) -> None:
    client = cast.client("outsider")
    for tree, parent in (("orgs", cast.orgs["A1"]), ("units", cast.units["UA1"])):
        assert client.get(f"/{tree}/new/?parent={parent.code}").status_code == 404
        response = client.post(
            f"/{tree}/new/",
            {
                "parent": parent.code,
                "name": "X",
                "org_code": "X1",
                "kind": "group" if tree == "orgs" else "team",
            },
        )
        assert response.status_code == 404


@pytest.mark.req("B-1")
def test_the_sibling_gets_404_on_every_a1_person(cast: Cast) -> None:
    client = cast.client("sibling")
    for key in A1_PEOPLE:
        code = cast.people[key].code
        assert client.get(f"/people/{code}/").status_code == 404
        assert client.get(f"/people/{code}/edit/").status_code == 404
        assert client.post(f"/people/{code}/reveal/").status_code == 404
        assert client.get(f"/api/v1/people/{code}").status_code == 404


@pytest.mark.req("B-1")
def test_the_a1_secretary_gets_404_on_b1s_people_and_organisation(cast: Cast) -> None:
    client = cast.client("secretary")
    b1, huang = cast.orgs["B1"], cast.people["黄涛"]
    for url in (
        f"/people/{huang.code}/",
        f"/people/{huang.code}/edit/",
        f"/orgs/{b1.code}/",
        f"/orgs/{b1.code}/children/",
        f"/units/{cast.units['UB1'].code}/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/people/{huang.code}/edit/", {"name": "改名"}).status_code == 404
    huang.refresh_from_db()
    assert huang.name == "黄涛"


@pytest.mark.req("B-3")
@pytest.mark.parametrize("persona", ["sysadmin", "secadmin", "auditor"])
def test_administrators_are_kept_off_the_roster(cast: Cast, persona: str) -> None:
    client = cast.client(persona)
    assert client.get("/people/").status_code == 403
    assert client.get("/people/new/").status_code == 403
    assert client.get("/api/v1/people").status_code == 403
    assert client.get("/people/me/").status_code == 404
    for person in cast.people.values():
        assert client.get(f"/people/{person.code}/").status_code == 404
