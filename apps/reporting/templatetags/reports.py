from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def figure_text(figure, value):
    """A figure's comparison value, written as the figure writes its own."""
    return figure.text(value)


@register.filter
def figure_change(figure, name):
    return figure.change(name)


@register.filter
def index(items, position):
    try:
        return items[position]
    except (IndexError, TypeError):
        return ""


@register.filter
def report_cell(value):
    """Numbers grouped by thousands (amounts with their two places); text as it is."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else value
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return value
