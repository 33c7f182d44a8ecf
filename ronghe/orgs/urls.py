from django.urls import path

from ronghe.orgs import views

app_name = "orgs"


def _tree_urls(prefix: str, tree: str) -> list:
    kw = {"tree": tree}
    return [
        path(f"{prefix}/", views.tree_page, kw, name=f"{tree}_tree"),
        path(f"{prefix}/new/", views.node_create_view, kw, name=f"{tree}_create"),
        path(f"{prefix}/export/", views.tree_export, kw, name=f"{tree}_export"),
        path(f"{prefix}/<uuid:code>/", views.node_detail, kw, name=f"{tree}_detail"),
        path(f"{prefix}/<uuid:code>/children/", views.node_children, kw, name=f"{tree}_children"),
        path(f"{prefix}/<uuid:code>/edit/", views.node_edit, kw, name=f"{tree}_edit"),
        path(f"{prefix}/<uuid:code>/move/", views.node_move_view, kw, name=f"{tree}_move"),
        path(f"{prefix}/<uuid:code>/close/", views.node_close_view, kw, name=f"{tree}_close"),
    ]


urlpatterns = _tree_urls("orgs", "party") + _tree_urls("units", "unit")
