from django import template
from django.utils.html import format_html

from ..cases.selectors import sla_state

register = template.Library()

_SLA = {
    "breached": ("cc-bad", "SLA breached"),
    "due_soon": ("cc-warn", "Due soon"),
    "ok": ("cc-ok", "On time"),
}
_PRIORITY = {"critical": "cc-bad", "high": "cc-warn", "medium": "cc-role", "low": "bg-secondary"}


@register.simple_tag
def sla_badge(case):
    """The SLA clock of an open case; nothing for a closed one (its status badge already says Closed)."""
    state = sla_state(case)
    if state not in _SLA:
        return ""
    css, label = _SLA[state]
    return format_html('<span class="badge {}" data-sla="{}">{}</span>', css, state, label)


@register.simple_tag
def priority_badge(case):
    return format_html('<span class="badge {}">{}</span>', _PRIORITY[case.priority], case.get_priority_display())
