from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "ronghe.insights"
    label = "insights"
    verbose_name = "Insights"
