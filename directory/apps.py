from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = "Service Directory"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from directory.models import Category, Location, OpeningSession, Organisation, Service

        auditlog.register(Category, exclude_fields=["updated_at"])
        auditlog.register(Organisation, exclude_fields=["updated_at"])
        auditlog.register(
            Service,
            exclude_fields=["updated_at", "search_vector", "category_names", "last_reminded_on"],
            m2m_fields={"categories", "editors"},
        )
        auditlog.register(OpeningSession)
        auditlog.register(Location)
