from django.apps import AppConfig


class SubjectAccessConfig(AppConfig):
    name = "subject_access"
    verbose_name = "Subject access requests"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from subject_access.models import SubjectAccessRequest, WithheldItem

        # The released document is kept as released; the field history records the rest.
        auditlog.register(SubjectAccessRequest, exclude_fields=["updated_at", "content"])
        auditlog.register(WithheldItem)
