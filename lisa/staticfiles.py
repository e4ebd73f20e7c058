"""Serving the static files: WhiteNoise, listing the files once per process.

Django builds the middleware once per handler. A server makes one handler per worker, but the
test client makes one per client, and WhiteNoise lists every static file (about 3,600, most of
them fonts) each time: 0.6 s a client. The listing depends only on the settings it reads, so it
is kept per process for each set of those settings.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings as django_settings
from whitenoise.middleware import WhiteNoiseMiddleware

# Besides every WHITENOISE_* setting, the settings WhiteNoise reads when it lists the files.
_READ = ("DEBUG", "STATIC_ROOT", "STATIC_URL", "STATICFILES_DIRS", "FORCE_SCRIPT_NAME", "STORAGES")


def _settings_key(settings: Any) -> tuple[str, ...]:
    names = [*_READ, *sorted(n for n in dir(settings) if n.startswith("WHITENOISE_"))]
    return tuple(f"{name}={getattr(settings, name, None)!r}" for name in names)


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    _listed: ClassVar[dict[tuple[str, ...], dict[str, Any]]] = {}

    def __init__(self, get_response=None, settings=django_settings):
        key = _settings_key(settings)
        state = self._listed.get(key)
        if state is None:
            super().__init__(get_response, settings)
            state = {name: value for name, value in vars(self).items() if name != "get_response"}
            self._listed[key] = state
        else:
            vars(self).update(state)
            self.get_response = get_response
