"""``{% consent_position child %}``: the consent position at a glance, for the child's pages."""

from django import template

from consent import rules

register = template.Library()


@register.simple_tag
def consent_position(child) -> str:
    return rules.consent_position(child)
