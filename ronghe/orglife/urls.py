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
    path("meetings/<uuid:code>/edit/", views.edit_meeting, name="edit"),
    path("meetings/<uuid:code>/cancel/", views.cancel_meeting, name="cancel"),
    path("meetings/<uuid:code>/invitees/", views.invite, name="invite"),
    path("meetings/<uuid:code>/attachments/", views.upload_attachment, name="attach"),
    path("meetings/files/<uuid:code>/", views.download_attachment, name="attachment"),
    path("meetings/files/<uuid:code>/delete/", views.delete_attachment, name="attachment_delete"),
    path("meetings/calendar-feed/", views.calendar_feed, name="feed"),
    path("calendar/<str:token>.ics", views.ics_feed, name="ics"),
    path("sign-in/<str:token>/", views.checkin, name="checkin"),
]
