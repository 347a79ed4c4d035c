"""The navbar's search: one box for a case number, a transaction id, a cheque number, a customer, or an
account's last four digits. It looks in every app the person may read (so it lives above them all), and
a single hit opens at once."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import reverse

MAX_HITS = 20  # per kind


@dataclass(frozen=True)
class Hit:
    kind: str
    label: str
    detail: str
    url: str


def search(user, query: str) -> list[Hit]:
    query = query.strip()[:100]
    if not query:
        return []
    hits: list[Hit] = []
    for perm, finder in _FINDERS:
        if user.has_perm(perm):
            hits.extend(finder(user, query))
    return hits


def _cases(user, query: str) -> list[Hit]:
    from apps.fraud.cases.selectors import visible_cases

    number = query.upper().removeprefix("CASE-")
    cases = visible_cases(user)
    found = cases.filter(pk=int(number)) if number.isdigit() else cases.filter(customer_ref=query)
    return [Hit("Case", c.reference, f"{c.title} · {c.get_status_display()}", reverse("fraud:case_detail", args=[c.pk]))
            for c in found.order_by("-id")[:MAX_HITS]]  # fmt: skip


def _transactions(user, query: str) -> list[Hit]:
    from apps.core.money import money_text
    from apps.transactions.selectors import transaction_list

    found = transaction_list().filter(external_id=query).order_by("-id")[:MAX_HITS]
    return [Hit("Transaction", t.external_id, f"{money_text(t.amount, t.currency)} · {t.get_decision_display()}",
                reverse("transactions:detail", args=[t.pk])) for t in found]  # fmt: skip


def _cheques(user, query: str) -> list[Hit]:
    from apps.cheques.selectors import cheque_list

    cheques = cheque_list()
    number = query.removeprefix("#")
    found = cheques.filter(pk=int(number)) if number.isdigit() and len(number) < 10 else cheques.none()
    found = list(found) + list(cheques.filter(reference=query)[:MAX_HITS])
    return [Hit("Cheque", f"Cheque #{c.pk}", f"{c.get_status_display()}{f' · {c.reference}' if c.reference else ''}",
                reverse("cheques:detail", args=[c.pk])) for c in found[:MAX_HITS]]  # fmt: skip


def _customers(user, query: str) -> list[Hit]:
    from apps.transactions.selectors import account_list, customer_list

    customers = list(customer_list().filter(external_id=query)[:MAX_HITS])
    if len(query) >= 3 and not re.fullmatch(r"\d{4}", query):
        customers += list(customer_list().filter(full_name__icontains=query).exclude(external_id=query)[:MAX_HITS])
    if re.fullmatch(r"\d{4}", query):  # an account's last four digits: its holder
        held = account_list().filter(last4=query, customer__isnull=False).select_related("customer")[:MAX_HITS]
        customers += [a.customer for a in held]
    seen, hits = set(), []
    for c in customers:
        if c.pk not in seen:
            seen.add(c.pk)
            hits.append(
                Hit("Customer", c.full_name, c.external_id, reverse("transactions:customer_detail", args=[c.pk]))
            )
    return hits[:MAX_HITS]


_FINDERS = [
    ("fraud.view_case", _cases),
    ("transactions.view_transaction", _transactions),
    ("cheques.view_cheque", _cheques),
    ("transactions.view_customer", _customers),
]
