from django.urls import path

from ronghe.decisions import views

app_name = "decisions"

urlpatterns = [
    path("decisions/", views.decision_list, name="decisions"),
    path("decisions/new/", views.decision_new, name="decision_new"),
    path("decisions/board/", views.board, name="board"),
    path("decisions/<uuid:code>/", views.decision_detail, name="decision"),
    path("decisions/<uuid:code>/schedule/", views.schedule, name="schedule"),
    path("decisions/<uuid:code>/study/", views.study, name="study"),
    path("decisions/<uuid:code>/decide/", views.decide, name="decide"),
    path("decisions/<uuid:code>/tasks/", views.add_task, name="add_task"),
    path("decisions/<uuid:code>/close/", views.close, name="close"),
    path("decisions/<uuid:code>/publish/", views.publish, name="publish"),
]
