from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "ronghe.api"
    label = "api"
    verbose_name = "API"
