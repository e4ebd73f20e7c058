"""``{% consent_position child %}``: the consent position at a glance, for the full record;
``{% consent_recorded child %}``: only whether anything is recorded, for the index card."""

from django import template

from consent import rules

register = template.Library()


@register.simple_tag
def consent_position(child) -> str:
    return rules.consent_position(child)


@register.simple_tag
def consent_recorded(child) -> str:
    return rules.consent_recorded(child)
