from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "ronghe.compliance"
    label = "compliance"
    verbose_name = "Compliance"
