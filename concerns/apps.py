from django.apps import AppConfig


class ConcernsConfig(AppConfig):
    name = "concerns"
    verbose_name = "Concerns and chronology"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from concerns.models import Category, Concern, ConcernChange

        auditlog.register(Concern, exclude_fields=["updated_at"], m2m_fields={"categories"})
        auditlog.register(ConcernChange)
        auditlog.register(Category)
