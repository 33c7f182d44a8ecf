from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ronghe.core"
    label = "core"
    verbose_name = "Core"
