from django.apps import AppConfig


class LisaConfig(AppConfig):
    name = "lisa"
    verbose_name = "LISA"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from lisa import second_factor  # noqa: F401  (connects its sign-in receiver)
        from lisa.models import Agency, User

        auditlog.register(Agency)
        auditlog.register(User, exclude_fields=["password", "last_login", "updated_at"])
