from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "ronghe.demo"
    label = "demo"
    verbose_name = "Demo organisation"
