"""Addresses worked out once: :func:`reverse` remembers what Django's ``reverse`` answered.

Every page links to the same places (the navigation, a child's record, a meeting) and Django
works each address out again from the URL patterns, about a tenth of a millisecond each; a list
of fifty children paid that fifty times. An address depends only on the view's name, its
arguments, the URL configuration and the script prefix the site is served under, so those are
the key. Only arguments that are whole numbers or text are remembered (an object's text could
change); anything else is worked out each time, as before.

Reading the configuration and the prefix (kept for each request and task) is itself most of
what a remembered address costs, so a page or a long list reads them once, through one
:class:`Addresses`.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf
from django.urls import reverse as django_reverse

_PLAIN = (int, str)


class _Moved(Exception):
    """The prefix or URL configuration an address was asked under is no longer the current one
    (an :class:`Addresses` kept past its request): what Django answers now is not remembered
    under the old ones, so nothing remembered is ever wrong."""


@lru_cache(maxsize=16384)
def _remembered(viewname, args, kwargs, current_app, urlconf, root, prefix) -> str:
    if prefix != get_script_prefix() or urlconf != get_urlconf():
        raise _Moved  # an exception is not remembered
    return django_reverse(
        viewname,
        urlconf=urlconf,
        args=[value for _, value in args],
        kwargs={name: value for name, (_, value) in kwargs},
        current_app=current_app,
    )


def _keyed(value):
    """A value with its type, so that ``True`` and ``1``, or text and an enumeration member
    equal to it, are remembered apart."""
    return (type(value), value)


class Addresses:
    """:func:`reverse` for writing many addresses at once (a page, a list of children): the URL
    configuration and the prefix the site is served under are read when this is made, not for
    each address (reading them is most of what a remembered address costs). Make one for each
    page or list and let it go with the request: both are set afresh for each request, and one
    kept longer answers with what it read, for addresses already remembered."""

    __slots__ = ("prefix", "urlconf")

    def __init__(self):
        self.urlconf = get_urlconf()
        self.prefix = get_script_prefix()

    def reverse(self, viewname, urlconf=None, args=None, kwargs=None, current_app=None) -> str:
        args = tuple(args or ())
        kwargs = tuple(sorted(kwargs.items())) if kwargs else ()
        if (
            urlconf is None
            and isinstance(viewname, str)
            and all(isinstance(arg, _PLAIN) for arg in args)
            and all(isinstance(value, _PLAIN) for _, value in kwargs)
            and (current_app is None or isinstance(current_app, str))
        ):
            try:
                return _remembered(
                    str(viewname),
                    tuple(_keyed(arg) for arg in args),
                    tuple((name, _keyed(value)) for name, value in kwargs),
                    current_app,
                    self.urlconf,
                    settings.ROOT_URLCONF,
                    self.prefix,
                )
            except _Moved:
                pass
        return django_reverse(
            viewname, urlconf=urlconf, args=args, kwargs=dict(kwargs), current_app=current_app
        )


def reverse(viewname, urlconf=None, args=None, kwargs=None, current_app=None) -> str:
    """Django's ``reverse``, remembered for names with whole-number and text arguments."""
    return Addresses().reverse(viewname, urlconf, args, kwargs, current_app)


@receiver(setting_changed)
def _forget(**kwargs) -> None:
    """URL settings changed (in tests): work every address out again."""
    _remembered.cache_clear()
