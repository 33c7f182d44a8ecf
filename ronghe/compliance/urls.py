from django.urls import path

from ronghe.compliance import views

app_name = "compliance"

urlpatterns = [
    path("compliance/", views.board, name="board"),
    path("compliance/orgs/<uuid:code>/", views.org_findings, name="org"),
    path("compliance/orgs/<uuid:code>/card/", views.org_card, name="org_card"),
    path("compliance/rules/", views.rules_page, name="rules"),
    path("compliance/settings/<uuid:code>/delete/", views.delete_setting, name="setting_delete"),
]
