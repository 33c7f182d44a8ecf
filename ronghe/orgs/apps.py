from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "ronghe.orgs"
    label = "orgs"
    verbose_name = "Organisations"
