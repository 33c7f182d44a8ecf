from django.urls import path

from ronghe.people import views

app_name = "people"

urlpatterns = [
    path("people/", views.person_list, name="list"),
    path("people/new/", views.person_create_view, name="create"),
    path("people/me/", views.my_record, name="me"),
    path("people/<uuid:code>/", views.person_detail, name="detail"),
    path("people/<uuid:code>/edit/", views.person_edit, name="edit"),
    path("people/<uuid:code>/reveal/", views.person_reveal, name="reveal"),
    path("people/<uuid:code>/login/", views.person_login_create, name="login_create"),
]
