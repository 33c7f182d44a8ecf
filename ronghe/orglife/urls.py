from django.urls import path

from ronghe.orglife import views

app_name = "orglife"

urlpatterns = [
    path("meetings/", views.calendar_page, name="calendar"),
    path("meetings/mine/", views.my_meetings, name="mine"),
    path("meetings/new/", views.plan_meeting, name="plan"),
    path("meetings/<uuid:code>/", views.meeting_detail, name="detail"),
    path("meetings/<uuid:code>/attendance/", views.attendance_update, name="attendance"),
    path("meetings/<uuid:code>/record/", views.record_meeting, name="record"),
    path("meetings/<uuid:code>/resolutions/", views.add_resolution, name="resolution"),
    path("meetings/<uuid:code>/sign-in-code/", views.sign_in_code, name="sign_in_code"),
    path("sign-in/<str:token>/", views.checkin, name="checkin"),
]
