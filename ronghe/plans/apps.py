from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "ronghe.plans"
    label = "plans"
    verbose_name = "Plans and tasks"
