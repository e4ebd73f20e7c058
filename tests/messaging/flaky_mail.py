"""A mail backend whose server fails once, then works (its mail lands in mail.outbox)."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend

failures_left = {"count": 0}


class Backend(EmailBackend):
    def send_messages(self, email_messages):
        if failures_left["count"] > 0:
            failures_left["count"] -= 1
            raise smtplib.SMTPServerDisconnected("the mail server went away")
        return super().send_messages(email_messages)
