from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Secure messaging"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from messaging.models import Message, Participant, Thread

        auditlog.register(Thread, exclude_fields=["last_message_at"])
        # Reading a thread moves last_read_at: that is not a change worth a history entry.
        auditlog.register(Participant, exclude_fields=["last_read_at"])
        auditlog.register(Message)
