"""A mail backend for tests that run LISA in other processes: each message sent is added as one
line ("label<TAB>recipient<TAB>subject") to the file named by LISA_TEST_MAIL_LOG."""

import fcntl
import os

from django.core.mail.backends.base import BaseEmailBackend


class Backend(BaseEmailBackend):
    def send_messages(self, email_messages):
        label = os.environ.get("LISA_TEST_PROCESS_LABEL", "")
        lines = "".join(
            f"{label}\t{recipient}\t{message.subject}\n"
            for message in email_messages
            for recipient in message.recipients()
        )
        with open(os.environ["LISA_TEST_MAIL_LOG"], "a", encoding="utf-8") as log:
            fcntl.flock(log, fcntl.LOCK_EX)
            log.write(lines)
        return len(email_messages)
