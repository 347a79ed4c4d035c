from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.db.models import Max, Min
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.transactions import selectors, services, tasks
from apps.transactions.choices import AccountStatus, AccountType, LoanStatus
from apps.transactions.models import BankAccount, Customer, DailyBalance, JournalEntry, Loan, LoanInstalment, Posting

START = date(2025, 1, 31)
FIRST_DUE = date(2025, 2, 28)


def _balance(account):
    return BankAccount.objects.get(pk=account.pk).balance


@pytest.fixture
def loan(customer, checking, supervisor):
    """12,000.00 at 12% a year over 12 months, paid into the borrower's current account."""
    return services.loan_disburse(actor=supervisor, customer=customer, principal="12000.00", annual_rate="12",
                                  term_months=12, start_on=START, branch="NYC01")  # fmt: skip


def test_the_schedule_is_equal_instalments_whose_principals_sum_to_the_principal():
    rows = services.loan_schedule(principal=Decimal("12000.00"), annual_rate=Decimal("12"), term_months=12,
                                  start_on=START)  # fmt: skip
    assert [r["principal_due"] + r["interest_due"] for r in rows[:-1]] == [Decimal("1066.19")] * 11
    assert (rows[0]["interest_due"], rows[0]["principal_due"]) == (Decimal("120.00"), Decimal("946.19"))
    assert (rows[-1]["principal_due"], rows[-1]["interest_due"]) == (Decimal("1055.58"), Decimal("10.56"))
    assert sum(r["principal_due"] for r in rows) == Decimal("12000.00")
    # Due a month apart, on the month's last day when the month is shorter.
    assert [r["due_on"] for r in rows[:3]] == [date(2025, 2, 28), date(2025, 3, 31), date(2025, 4, 30)]


def test_an_interest_free_loan_is_repaid_in_equal_parts():
    rows = services.loan_schedule(principal=Decimal("1000.00"), annual_rate=Decimal("0"), term_months=3,
                                  start_on=START)  # fmt: skip
    assert [r["principal_due"] for r in rows] == [Decimal("333.33"), Decimal("333.33"), Decimal("333.34")]
    assert {r["interest_due"] for r in rows} == {Decimal("0.00")}


def test_a_disbursement_opens_a_loan_account_and_posts_through_the_ledger(loan, checking):
    account = loan.account
    assert (account.type, account.branch, account.customer_id) == (AccountType.LOAN, "NYC01", checking.customer_id)
    assert (_balance(account), _balance(checking)) == (Decimal("-12000.00"), Decimal("12000.00"))
    assert loan.instalments.count() == 12
    assert sum(loan.instalments.values_list("principal_due", flat=True)) == Decimal("12000.00")
    assert JournalEntry.objects.get().kind == "disbursement"
    assert AuditEvent.objects.filter(action="loan.disburse", object_id=str(loan.pk)).exists()
    assert selectors.loan_list().get().account.customer == checking.customer


@pytest.mark.parametrize(
    ("change", "field"),
    [({"principal": "0"}, "principal"), ({"term_months": 0}, "term_months"), ({"annual_rate": "-1"}, "annual_rate")],
)
def test_bad_loan_terms_are_refused_and_nothing_is_opened(customer, supervisor, change, field):
    terms = {"principal": "1000", "annual_rate": "5", "term_months": 12, **change}
    with pytest.raises(ValidationError) as err:
        services.loan_disburse(actor=supervisor, customer=customer, start_on=START, **terms)
    assert field in err.value.message_dict
    assert not Loan.objects.exists() and not BankAccount.objects.filter(type="loan").exists()


def test_a_payment_goes_to_the_oldest_instalments_interest_first(loan, checking, supervisor):
    services.loan_repay(actor=supervisor, loan=loan, amount="1066.19", on=FIRST_DUE, source=checking)
    services.loan_repay(actor=supervisor, loan=loan, amount="1500.00", on=date(2025, 3, 20), source=checking)
    first, second, third, fourth = loan.instalments.order_by("number")[:4]
    assert (first.paid_amount, first.paid_on) == (Decimal("1066.19"), FIRST_DUE)
    assert (second.paid_amount, second.paid_on) == (Decimal("1066.19"), date(2025, 3, 20))
    assert (third.paid_amount, third.paid_on) == (Decimal("433.81"), None)
    assert fourth.paid_amount == 0
    # Principal repaid: the first two in full, and the third's payment less its interest (100.98).
    principal = Decimal("946.19") + Decimal("955.65") + Decimal("433.81") - Decimal("100.98")
    assert _balance(loan.account) == Decimal("-12000.00") + principal
    assert _balance(checking) == Decimal("12000.00") - Decimal("2566.19")
    income = BankAccount.objects.get(name="Interest USD")
    assert income.balance == Decimal("120.00") + Decimal("110.54") + Decimal("100.98")
    for journal in JournalEntry.objects.all():
        assert sum(p.amount for p in journal.postings.all()) == 0


def test_a_payment_over_what_is_due_is_refused_and_nothing_is_allocated(loan, checking, supervisor):
    with pytest.raises(ValidationError, match=r"0\.01 more than the 12794\.23 still due"):
        services.loan_repay(actor=supervisor, loan=loan, amount="12794.24", on=FIRST_DUE, source=checking)
    assert not LoanInstalment.objects.filter(paid_amount__gt=0).exists()
    assert _balance(loan.account) == Decimal("-12000.00")


def test_a_loan_paid_in_full_is_repaid_and_its_account_closed(customer, checking, supervisor):
    loan = services.loan_disburse(actor=supervisor, customer=customer, principal="1000", annual_rate="0",
                                  term_months=2, start_on=START)  # fmt: skip
    services.loan_repay(actor=supervisor, loan=loan, amount="1000", on=FIRST_DUE, source=checking)
    loan.refresh_from_db()
    assert (loan.status, loan.days_past_due) == (LoanStatus.REPAID, 0)
    assert (loan.account.status, loan.account.balance) == (AccountStatus.CLOSED, Decimal("0.00"))
    with pytest.raises(ValidationError, match="repaid"):
        services.loan_repay(actor=supervisor, loan=loan, amount="1", on=FIRST_DUE, source=checking)


@pytest.mark.parametrize(
    ("late", "status"),
    [
        (0, LoanStatus.CURRENT),
        (1, LoanStatus.DPD_1_29),
        (29, LoanStatus.DPD_1_29),
        (30, LoanStatus.DPD_30_59),
        (59, LoanStatus.DPD_30_59),
        (60, LoanStatus.DPD_60_89),
        (89, LoanStatus.DPD_60_89),
        (90, LoanStatus.DPD_90_PLUS),
    ],
)
def test_days_past_due_fall_in_their_buckets(loan, late, status):
    counts = services.loans_age(day=FIRST_DUE + timedelta(days=late))
    loan.refresh_from_db()
    assert (loan.days_past_due, loan.status) == (late, status)
    assert counts == {status: 1}


def test_ageing_is_idempotent_and_audits_changes_of_status(loan):
    day = FIRST_DUE + timedelta(days=31)
    services.loans_age(day=day)
    services.loans_age(day=day)
    assert list(AuditEvent.objects.filter(action="loan.age").values_list("after__status", flat=True)) == [
        LoanStatus.DPD_30_59
    ]
    assert Loan.objects.get().days_past_due == 31


def test_days_past_due_count_from_the_oldest_instalment_not_paid_in_full(loan, checking, supervisor):
    services.loan_repay(actor=supervisor, loan=loan, amount="1000.00", on=FIRST_DUE, source=checking)  # short
    services.loans_age(day=date(2025, 3, 10))
    assert Loan.objects.get().days_past_due == 10
    services.loan_repay(actor=supervisor, loan=loan, amount="66.19", on=date(2025, 3, 12), source=checking)
    assert (Loan.objects.get().days_past_due, Loan.objects.get().status) == (0, LoanStatus.CURRENT)


def test_a_charge_off_writes_off_the_principal_outstanding_and_recoveries_are_capped(loan, supervisor):
    with pytest.raises(ValidationError):
        services.loan_recover(actor=supervisor, loan=loan, amount="10", on=START)  # not charged off
    with pytest.raises(ValidationError, match="reason"):
        services.loan_charge_off(actor=supervisor, loan=loan, on=date(2025, 8, 1), reason=" ")
    services.loan_charge_off(actor=supervisor, loan=loan, on=date(2025, 8, 1), reason="Borrower unreachable.")
    loan.refresh_from_db()
    assert (loan.status, loan.charged_off_on, loan.charged_off_amount) == (
        LoanStatus.CHARGED_OFF, date(2025, 8, 1), Decimal("12000.00"),
    )  # fmt: skip
    assert (loan.account.status, loan.account.balance) == (AccountStatus.CLOSED, Decimal("0.00"))
    assert BankAccount.objects.get(name="Losses USD").balance == Decimal("-12000.00")
    services.loan_recover(actor=supervisor, loan=loan, amount="2500", on=date(2025, 9, 1))
    with pytest.raises(ValidationError, match=r"9500\.00"):
        services.loan_recover(actor=supervisor, loan=loan, amount="9500.01", on=date(2025, 9, 2))
    loan.refresh_from_db()
    assert loan.recovered_amount == Decimal("2500.00")
    assert BankAccount.objects.get(name="Recovery USD").balance == Decimal("2500.00")
    assert sum(Posting.objects.values_list("amount", flat=True)) == 0
    assert AuditEvent.objects.get(action="loan.charge_off").reason == "Borrower unreachable."
    assert services.loans_age(day=date(2025, 12, 1)) == {}  # a charged-off loan is no longer aged


@pytest.mark.parametrize(
    ("model", "change"),
    [(Loan, {"principal": Decimal("0")}), (Loan, {"term_months": 0}), (LoanInstalment, {"paid_amount": Decimal("-1")})],
)
def test_the_database_refuses_impossible_loans(loan, model, change):
    row = loan if model is Loan else loan.instalments.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=row.pk).update(**change)


def test_the_daily_task_ages_loans_and_is_scheduled(loan):
    assert tasks.age_loans(day=(FIRST_DUE + timedelta(days=60)).isoformat())["statuses"] == {LoanStatus.DPD_60_89: 1}
    assert "apps.transactions.tasks.age_loans" in {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert tasks.age_loans.soft_time_limit < tasks.age_loans.time_limit


def _history_fingerprint():
    """What a history is made of, without the database's ids."""
    person = ["external_id", "branch", "acquisition_channel", "opened_on", "kyc_completed_on", "funded_on", "closed_on"]
    balance = ["account__customer__external_id", "account__type", "account__last4", "day", "balance"]
    loan = ["account__customer__external_id", "principal", "annual_rate", "term_months", "start_on", "status",
            "days_past_due", "recovered_amount"]  # fmt: skip
    return (
        list(Customer.objects.order_by(*person).values_list(*person)),
        list(DailyBalance.objects.order_by(*balance).values_list(*balance)),
        list(Loan.objects.order_by(*loan).values_list(*loan)),
    )


def test_simulate_bank_makes_a_year_of_history_with_loans_in_every_state(db):
    end = date(2026, 6, 30)
    args = ["simulate_bank", "--customers", "30", "--days", "365", "--seed", "5", "--end", end.isoformat()]
    with transaction.atomic():  # the same seed makes the same history
        call_command(*args, stdout=StringIO())
        first = _history_fingerprint()
        transaction.set_rollback(True)
    out = StringIO()
    call_command(*args, stdout=out)
    assert _history_fingerprint() == first
    assert "30 customers" in out.getvalue()
    assert set(Loan.objects.values_list("status", flat=True)) == set(LoanStatus.values)
    assert Loan.objects.filter(status=LoanStatus.CHARGED_OFF, recovered_amount__gt=0).exists()
    assert len(set(Customer.objects.values_list("branch", flat=True))) == 4
    assert set(BankAccount.objects.values_list("type", flat=True)) == set(AccountType.values)
    span = DailyBalance.objects.aggregate(first=Min("day"), last=Max("day"))
    assert (span["first"], span["last"]) == (end - timedelta(days=364), end)
    assert Customer.objects.filter(opened_on__gt=end - timedelta(days=364)).exists()  # some joined during the year
    # The ledger holds what the history ends with: a snapshot of the last day writes the same balances.
    last_day = set(DailyBalance.objects.filter(day=end).values_list("account_id", "balance"))
    services.balances_snapshot(day=end)
    assert set(DailyBalance.objects.filter(day=end).values_list("account_id", "balance")) == last_day
    assert sum(Posting.objects.values_list("amount", flat=True)) == 0
    with pytest.raises(CommandError, match="loaded already"):
        call_command(*args, stdout=StringIO())
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    with pytest.raises(CommandError, match="today at the latest"):
        call_command("simulate_bank", "--seed", "6", "--end", tomorrow, stdout=StringIO())
