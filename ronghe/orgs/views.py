"""Browsing and editing the two trees. One set of views serves both: the URL says which tree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ronghe.core import audit
from ronghe.core.access import Cap, get_for_user, reach_of, require_cap
from ronghe.core.downloads import xlsx_download
from ronghe.orgs import services
from ronghe.orgs.forms import MoveForm, PartyOrgForm, UnitForm
from ronghe.orgs.models import PartyOrg, PathNames, Unit
from ronghe.orgs.rules import org_health


@dataclass(frozen=True)
class Tree:
    key: str
    model: type[PartyOrg] | type[Unit]
    form: type[PartyOrgForm] | type[UnitForm]
    title: Any


TREES = {
    "party": Tree("party", PartyOrg, PartyOrgForm, gettext_lazy("Party organisations")),
    "unit": Tree("unit", Unit, UnitForm, gettext_lazy("Business units")),
}


def _node(tree: Tree, user: Any, code: Any, *, write: bool = False) -> Any:
    return get_for_user(tree.model, user, code, write=write)


def _health_by_pk(tree: Tree, nodes: list[Any]) -> dict[int, Any]:
    if tree.model is not PartyOrg:
        return {}
    return {health.org.pk: health for health in org_health(nodes)}


def _rows(tree: Tree, nodes: list[Any], user: Any) -> list[dict[str, Any]]:
    health = _health_by_pk(tree, nodes)
    return [{"node": node, "health": health.get(node.pk)} for node in nodes]


def tree_page(request: HttpRequest, tree: str) -> HttpResponse:
    spec = TREES[tree]
    require_cap(request.user, Cap.READ_ORGS)
    visible = spec.model.objects.visible_to(request.user)
    query = request.GET.get("q", "").strip()
    if query:
        nodes = list(visible.filter(Q(name__contains=query) | Q(org_code__icontains=query))[:100])
        tops: list[Any] = []
    else:
        # The tops of the user's reach, each with its children already open.
        reach = reach_of(request.user)
        paths = (reach.party_paths if tree == "party" else reach.unit_paths).get(Cap.READ_ORGS, ())
        tops = list(visible.filter(path__in=paths))
        nodes = []
    children = list(visible.filter(Q(pk__in=[]) | _children_q(tops))) if tops else []
    all_rows = _rows(spec, tops + children + nodes, request.user)
    by_pk = {row["node"].pk: row for row in all_rows}
    groups = [
        {
            "top": by_pk[top.pk],
            "children": [
                by_pk[c.pk]
                for c in children
                if c.path.startswith(top.path) and c.depth == top.depth + 1
            ],
        }
        for top in tops
    ]
    return render(
        request,
        "orgs/tree.html",
        {
            "tree": spec,
            "groups": groups,
            "matches": [by_pk[n.pk] for n in nodes],
            "q": query,
        },
    )


def tree_export(request: HttpRequest, tree: str) -> HttpResponseBase:
    """The tree as a list: every node the user can see (or the search's matches), with its
    full path, so the file says what the page can show."""
    spec = TREES[tree]
    require_cap(request.user, Cap.READ_ORGS)
    nodes = spec.model.objects.visible_to(request.user)
    query = request.GET.get("q", "").strip()
    if query:
        nodes = nodes.filter(Q(name__contains=query) | Q(org_code__icontains=query))
    names = PathNames(spec.model)
    related = "units" if spec.model is PartyOrg else "party_orgs"
    rows = (_export_row(node, names, related) for node in nodes.prefetch_related(related))
    header = [
        "组织代码",
        "名称",
        "类型",
        "完整路径",
        "对应组织",
        "成立日期",
        "任期开始",
        "任期（年）",
        "撤销日期",
    ]
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response, count = xlsx_download(
        f"{spec.title}-{stamp}.xlsx", header, rows, title=str(spec.title)
    )
    audit.record(
        audit.Action.EXPORT,
        actor=request.user,
        object_type=spec.model._meta.label_lower,
        object_repr=str(spec.title),
        after={"rows": count, "q": query},
    )
    return response


def _export_row(node: Any, names: PathNames, related: str) -> list[Any]:
    mapped = "、".join(other.org_code for other in getattr(node, related).all())
    return [
        node.org_code,
        node.name,
        node.get_kind_display(),
        names.full(node.path),
        mapped,
        getattr(node, "established_on", None),
        getattr(node, "term_started_on", None),
        getattr(node, "term_years", None),
        node.closed_on,
    ]


def _children_q(parents: list[Any]) -> Q:
    condition = Q(pk__in=[])
    for parent in parents:
        condition |= Q(path__startswith=parent.path, depth=parent.depth + 1)
    return condition


def node_children(request: HttpRequest, tree: str, code: Any) -> HttpResponse:
    spec = TREES[tree]
    parent = _node(spec, request.user, code)
    children = list(spec.model.objects.visible_to(request.user).filter(_children_q([parent])))
    return render(
        request,
        "orgs/tree.html#children",
        {"tree": spec, "rows": _rows(spec, children, request.user)},
    )


def node_detail(request: HttpRequest, tree: str, code: Any) -> HttpResponse:
    spec = TREES[tree]
    node = _node(spec, request.user, code)
    visible = spec.model.objects.visible_to(request.user)
    children = list(visible.filter(_children_q([node])))
    rows = _rows(spec, [node, *children], request.user)
    ancestors = list(
        visible.filter(
            path__in=[node.path[:end] for end in range(node.steplen, len(node.path), node.steplen)]
        )
    )
    context = {
        "tree": spec,
        "node": node,
        "own": rows[0],
        "children": rows[1:],
        "ancestors": ancestors,
        "can_manage": spec.model.objects.writable_by(request.user).filter(pk=node.pk).exists(),
    }
    if isinstance(node, PartyOrg):
        context["units"] = node.units.all()
        context["secretary"] = node.secretary
        reach = reach_of(request.user)
        context["sees_compliance"] = reach.reaches(Cap.READ_COMPLIANCE, party_path=node.path)
        context["plans_meetings"] = reach.reaches(Cap.WRITE_MEETINGS, party_path=node.path)
    else:
        context["party_orgs"] = node.party_orgs.visible_to(request.user)
    return render(request, "orgs/detail.html", context)


def node_create_view(request: HttpRequest, tree: str) -> HttpResponse:
    spec = TREES[tree]
    parent_code = request.GET.get("parent") or request.POST.get("parent")
    if not parent_code:
        raise PermissionDenied  # top-level organisations come from the command line
    parent = _node(spec, request.user, parent_code, write=True)
    form = spec.form(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            node = services.node_create(
                model=spec.model, parent=parent, data=form.cleaned_data, by=request.user
            )
        except services.TreeRuleError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, _("The organisation was created."))
            return redirect(f"orgs:{tree}_detail", code=node.code)
    return render(
        request, "orgs/form.html", {"tree": spec, "form": form, "parent": parent, "node": None}
    )


def node_edit(request: HttpRequest, tree: str, code: Any) -> HttpResponse:
    spec = TREES[tree]
    node = _node(spec, request.user, code, write=True)
    form = spec.form(request.POST or None, instance=node, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.node_update(
                node=type(node).objects.get(pk=node.pk), data=form.cleaned_data, by=request.user
            )
        except services.TreeRuleError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, _("The changes were saved."))
            return redirect(f"orgs:{tree}_detail", code=node.code)
    return render(
        request, "orgs/form.html", {"tree": spec, "form": form, "node": node, "parent": None}
    )


def node_move_view(request: HttpRequest, tree: str, code: Any) -> HttpResponse:
    spec = TREES[tree]
    node = _node(spec, request.user, code, write=True)
    targets = (
        spec.model.objects.writable_by(request.user).open().exclude(path__startswith=node.path)
    )
    form = MoveForm(request.POST or None, queryset=targets)
    if request.method == "POST" and form.is_valid():
        try:
            services.node_move(
                node=node, new_parent=form.cleaned_data["new_parent"], by=request.user
            )
        except services.TreeRuleError as exc:
            form.add_error("new_parent", str(exc))
        else:
            messages.success(request, _("The organisation and its sub-organisations were moved."))
            return redirect(f"orgs:{tree}_detail", code=node.code)
    return render(request, "orgs/move.html", {"tree": spec, "form": form, "node": node})


@require_POST
def node_close_view(request: HttpRequest, tree: str, code: Any) -> HttpResponse:
    spec = TREES[tree]
    node = _node(spec, request.user, code, write=True)
    try:
        services.node_close(node=node, by=request.user)
    except services.TreeRuleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The organisation was closed."))
    return redirect(f"orgs:{tree}_detail", code=node.code)
