"""The rule set ChequeCloud ships with (loaded by a data migration as version 1, active).

Reproduces the employee-expense seed behaviour: anything above 10,000 alerts; a 12,000 "gift card"
purchase at 23:30 scores 50 + 25 + 15 = 90, which is HIGH severity and blocked.
"""

DEFAULT_RULES = [
    {
        "code": "large-amount",
        "name": "Large amount",
        "explanation": "Amount above 10,000",
        "weight": 50,
        "condition": {"field": "amount", "op": "gt", "value": 10000},
    },
    {
        "code": "risky-keywords",
        "name": "Risky purchase keywords",
        "explanation": "Description mentions gift cards, gaming, crypto or a casino",
        "weight": 25,
        "condition": {"field": "description", "op": "contains_any", "value": ["gift", "gaming", "crypto", "casino"]},
    },
    {
        "code": "night-time",
        "name": "Night-time activity",
        "explanation": "Between 22:00 and 06:00",
        "weight": 15,
        "condition": {"field": "is_night", "op": "is_true"},
    },
    {
        "code": "weekend",
        "name": "Weekend activity",
        "explanation": "On a Saturday or Sunday",
        "weight": 5,
        "condition": {"field": "is_weekend", "op": "is_true"},
    },
    {
        "code": "structuring",
        "name": "Structuring below the reporting threshold",
        "explanation": "9,000-9,999.99 with other transactions the same day (just under 10,000)",
        "weight": 35,
        "condition": {
            "all": [
                {"field": "amount", "op": "between", "value": [9000, 9999.99]},
                {"field": "cust_count_1d", "op": "gte", "value": 1},
            ]
        },
    },
    {
        "code": "velocity-1h",
        "name": "Many transactions in an hour",
        "explanation": "5 or more transactions by the customer in the hour before",
        "weight": 30,
        "condition": {"field": "cust_count_1h", "op": "gte", "value": 5},
    },
    {
        "code": "amount-spike",
        "name": "Amount far above usual",
        "explanation": "At least 5 times the customer's 30-day average",
        "weight": 30,
        "condition": {
            "all": [
                {"field": "amount_to_avg_ratio", "op": "gte", "value": 5},
                {"field": "amount", "op": "gt", "value": 500},
            ]
        },
    },
    {
        "code": "new-location",
        "name": "New location",
        "explanation": "A location the customer has not used in 30 days, over 1,000",
        "weight": 15,
        "condition": {
            "all": [{"field": "is_new_location", "op": "is_true"}, {"field": "amount", "op": "gt", "value": 1000}]
        },
    },
    {
        "code": "new-payee-large",
        "name": "Large payment to a new payee",
        "explanation": "A payee not paid in 30 days, over 5,000",
        "weight": 20,
        "condition": {
            "all": [{"field": "is_new_payee", "op": "is_true"}, {"field": "amount", "op": "gt", "value": 5000}]
        },
    },
    {
        "code": "compromised-terminal",
        "name": "Terminal with confirmed fraud",
        "explanation": "At least 20% of the terminal's recent transactions were confirmed fraud",
        "weight": 40,
        "condition": {"field": "term_fraud_rate_28d", "op": "gte", "value": 0.2},
    },
]


def ensure_default_rules(Rule) -> int:
    """Create version 1 (active) of each shipped rule whose code has no version at all. Idempotent: a rule
    staff retired or replaced is left alone. Used by the data migration and after every migrate/flush."""
    from django.utils import timezone

    existing = set(Rule.objects.filter(code__in=[r["code"] for r in DEFAULT_RULES]).values_list("code", flat=True))
    now = timezone.now()
    missing = [r for r in DEFAULT_RULES if r["code"] not in existing]
    Rule.objects.bulk_create([Rule(**r, version=1, status="active", activated_at=now) for r in missing])
    return len(missing)
