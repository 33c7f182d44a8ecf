from django.urls import path

from ronghe.notify import views

app_name = "notify"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/read/", views.notification_read_all, name="read_all"),
    path("notifications/<uuid:code>/read/", views.notification_read, name="read"),
]
