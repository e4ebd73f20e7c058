from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = "Consent to share"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from consent.models import Agreement, SharingDecision

        auditlog.register(Agreement, exclude_fields=["updated_at"])
        auditlog.register(SharingDecision, exclude_fields=["updated_at"])
