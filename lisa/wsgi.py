import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lisa.settings")
application = get_wsgi_application()

# A WSGI server runs no system checks: refuse to serve with a database role that could rewrite
# the audit trail (audit/checks.py).
from audit.checks import refuse_unsafe_database_role  # noqa: E402

refuse_unsafe_database_role()
