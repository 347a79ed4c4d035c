from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """{{ dict|get_item:"key-with-dashes" }}"""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def money(amount, currency=""):
    """{{ txn.amount|money:txn.currency }}: grouped, with the currency (Indian grouping for INR)."""
    from apps.core.money import money_text

    return money_text(amount, currency)
