from django.apps import AppConfig


class ChildrenConfig(AppConfig):
    name = "children"
    verbose_name = "Children and families"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from children.models import BreakGlass, Child, Family, Involvement, ParentalResponsibility

        auditlog.register(Child, exclude_fields=["search_keys", "postcode_district", "updated_at"])
        auditlog.register(ParentalResponsibility, exclude_fields=["updated_at"])
        auditlog.register(Involvement, exclude_fields=["updated_at"])
        auditlog.register(Family)
        auditlog.register(BreakGlass)
