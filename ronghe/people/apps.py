from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "ronghe.people"
    label = "people"
    verbose_name = "People"
