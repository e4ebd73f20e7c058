"""Template tags every template has (``TEMPLATES`` ``builtins``): Django's ``{% url %}`` and
``|date``, answering the same but remembering what they worked out.

``{% url %}`` asks :class:`lisa.reversing.Addresses`, one for each page. ``|date`` remembers
the text of a date or date and time in a format, in the language in use, for the most recent
few thousand: the same dates (today, a child's date of birth, a meeting's day) are written on
page after page.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import defaultfilters, defaulttags
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape
from django.utils.translation import get_language

from lisa.reversing import Addresses

register = template.Library()


class _URLNode(defaulttags.URLNode):
    def render(self, context):
        view_name = self.view_name.resolve(context)
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {name: value.resolve(context) for name, value in self.kwargs.items()}
        request = getattr(context, "request", None)
        current_app = getattr(request, "current_app", None)
        if current_app is None:
            current_app = getattr(getattr(request, "resolver_match", None), "namespace", None)
        # One page's addresses share what they are worked out under (lisa/reversing.py).
        addresses = getattr(context, "lisa_addresses", None)
        if addresses is None:
            addresses = context.lisa_addresses = Addresses()
        try:
            address = addresses.reverse(
                view_name, args=args, kwargs=kwargs, current_app=current_app
            )
        except NoReverseMatch:
            if self.asvar is None:
                raise
            address = ""
        if self.asvar:
            context[self.asvar] = address
            return ""
        return conditional_escape(address) if context.autoescape else address


@register.tag
def url(parser, token):
    """Django's ``{% url %}`` (same syntax, same answers), remembered."""
    node = defaulttags.url(parser, token)
    return _URLNode(node.view_name, node.args, node.kwargs, node.asvar)


@lru_cache(maxsize=8192)
def _date(value, tzinfo, fold, offset, arg, language) -> str:
    return defaultfilters.date(value, arg)


@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None):
    """Django's ``|date``, remembered for dates and times written in a format given as text
    (a time with its zone, its offset and which of a repeated hour it is)."""
    if type(value) is dt.date and (arg is None or isinstance(arg, str)):
        return _date(value, None, 0, None, arg, get_language())
    if type(value) is dt.datetime and (arg is None or isinstance(arg, str)):
        return _date(value, value.tzinfo, value.fold, value.utcoffset(), arg, get_language())
    return defaultfilters.date(value, arg)


@receiver(setting_changed)
def _forget(**kwargs) -> None:
    """Date formats changed (in tests): write every date afresh."""
    _date.cache_clear()
