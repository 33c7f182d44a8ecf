from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "ronghe.decisions"
    label = "decisions"
    verbose_name = "The decision list"
