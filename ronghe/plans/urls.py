from django.urls import path

from ronghe.plans import views

app_name = "plans"

urlpatterns = [
    path("plans/", views.plan_list, name="plans"),
    path("plans/new/", views.plan_new, name="plan_new"),
    path("plans/<uuid:code>/", views.plan_detail, name="plan"),
    path("plans/<uuid:code>/items/new/", views.item_new, name="item_new"),
    path("plans/<uuid:code>/submit/", views.plan_submit, name="plan_submit"),
    path("plans/<uuid:code>/approve/", views.plan_approve, name="plan_approve"),
    path("plans/<uuid:code>/return/", views.plan_return, name="plan_return"),
    path("plans/items/<uuid:code>/edit/", views.item_edit, name="item_edit"),
    path("plans/items/<uuid:code>/delete/", views.item_delete, name="item_delete"),
    path("plans/items/<uuid:code>/deploy/", views.item_deploy, name="deploy"),
    path("plans/items/<uuid:code>/cascade/", views.cascade, name="cascade"),
    path("tasks/", views.task_list, name="tasks"),
    path("tasks/new/", views.task_new, name="task_new"),
    path("tasks/board/", views.task_board, name="board"),
    path("tasks/<uuid:code>/", views.task_detail, name="task"),
    path("tasks/<uuid:code>/edit/", views.task_edit, name="task_edit"),
    path("tasks/<uuid:code>/reports/", views.report_new, name="report_new"),
    path("tasks/<uuid:code>/status/", views.task_move, name="task_move"),
    path("tasks/<uuid:code>/unlock/", views.task_unlock, name="task_unlock"),
    path("tasks/reports/<uuid:code>/amend/", views.report_amend, name="report_amend"),
    path("tasks/reports/<uuid:code>/accept/", views.report_accept, name="report_accept"),
    path("tasks/reports/<uuid:code>/return/", views.report_return, name="report_return"),
    path("tasks/files/<uuid:code>/", views.report_file, name="report_file"),
    path("duties/", views.duties, name="my_duties"),
    path("duties/<uuid:code>/", views.duties, name="duties"),
]
