from django.urls import path

from ronghe.insights import views

app_name = "insights"

urlpatterns = [
    path("", views.today, name="today"),
]
