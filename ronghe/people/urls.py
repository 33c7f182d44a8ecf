from django.urls import path

from ronghe.people import exchange_views, views

app_name = "people"

urlpatterns = [
    path("people/", views.person_list, name="list"),
    path("people/new/", views.person_create_view, name="create"),
    path("people/import/", exchange_views.import_upload, name="import"),
    path("people/import/template.xlsx", exchange_views.import_template, name="import_template"),
    path("people/import/<uuid:code>/", exchange_views.import_batch, name="import_batch"),
    path("people/import/<uuid:code>/commit/", exchange_views.import_commit, name="import_commit"),
    path(
        "people/import/<uuid:code>/errors.xlsx", exchange_views.import_errors, name="import_errors"
    ),
    path("people/export/", exchange_views.roster_export, name="export"),
    path("people/export/request/", exchange_views.export_request, name="export_request"),
    path("people/exports/", exchange_views.export_list, name="exports"),
    path("people/exports/<uuid:code>/decide/", exchange_views.export_decide, name="export_decide"),
    path(
        "people/exports/<uuid:code>/file/", exchange_views.export_download, name="export_download"
    ),
    path("people/me/", views.my_record, name="me"),
    path("people/<uuid:code>/", views.person_detail, name="detail"),
    path("people/<uuid:code>/edit/", views.person_edit, name="edit"),
    path("people/<uuid:code>/reveal/", views.person_reveal, name="reveal"),
    path("people/<uuid:code>/login/", views.person_login_create, name="login_create"),
]
