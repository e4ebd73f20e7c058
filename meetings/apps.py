from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "Family Support Meetings"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from meetings import chronology  # noqa: F401  (registers the chronology source)
        from meetings.models import Invitee, Meeting, PlanAction, SupportPlan

        auditlog.register(Meeting, exclude_fields=["updated_at"], m2m_fields={"children"})
        auditlog.register(Invitee)
        auditlog.register(SupportPlan, exclude_fields=["updated_at"])
        auditlog.register(PlanAction, exclude_fields=["updated_at"])
