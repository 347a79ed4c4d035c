from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command

from apps.transactions import files
from apps.transactions.models import Transaction
from apps.transactions.simulator import simulate


def _rows(**kw):
    params = {"customers": 300, "terminals": 600, "days": 40, "start": date(2026, 1, 1), "seed": 7, "fraud_rate": 0.02}
    return list(simulate(**{**params, **kw}))


def test_the_same_seed_gives_the_same_transactions_and_another_seed_does_not():
    assert _rows() == _rows()
    assert _rows() != _rows(seed=8)


def test_every_fraud_scenario_occurs_and_fraud_is_labelled_by_its_scenario():
    rows = _rows()
    scenarios = {r.scenario for r in rows}
    assert scenarios == {0, 1, 2, 3}
    assert all(r.is_fraud == (r.scenario > 0) for r in rows)
    assert all(r.amount > 220 for r in rows if r.scenario == 1)
    share = sum(r.is_fraud for r in rows) / len(rows)
    assert 0.005 < share < 0.06
    assert [r.timestamp for r in rows] == sorted(r.timestamp for r in rows)


@pytest.mark.parametrize("bad", [{"customers": 0}, {"days": 0}, {"fraud_rate": 0.9}])
def test_bad_arguments_are_refused(bad):
    with pytest.raises(ValueError):
        _rows(**bad)


def test_database_mode_stores_labelled_scored_transactions_with_delayed_labels(db, capsys):
    call_command("simulate_transactions", "--customers", "40", "--terminals", "60", "--days", "10", "--seed", "3",
                 "--start", "2026-02-01")  # fmt: skip
    out = capsys.readouterr().out
    stored = Transaction.objects.filter(source="simulator")
    assert f"{stored.count():,} transactions" in out
    sample = stored.first()
    assert sample.label in ("fraud", "legitimate")
    assert sample.labelled_at - sample.occurred_at == timedelta(days=7)
    assert sample.rule_set_version.startswith("rs-")
    with pytest.raises(CommandError, match="at least 1"):
        call_command("simulate_transactions", "--customers", "0", "--terminals", "1", "--days", "1")


def test_csv_mode_round_trips_through_the_card_import(db, tmp_path):
    path = tmp_path / "sim.csv"
    call_command("simulate_transactions", "--customers", "30", "--terminals", "50", "--days", "5", "--out", str(path))
    with open(path, "rb") as fh:
        from django.core.files import File

        upload = File(fh, name="sim.csv")
        upload.size = path.stat().st_size
        record = files.transaction_file_create(actor=None, upload=upload, fmt="card", label_column="tx_fraud",
                                               process_now=True)  # fmt: skip
    record = files.transaction_file_process(file_id=record.pk)
    assert record.status == "done" and record.rows_rejected == 0
    assert record.rows_stored == len(path.read_text().splitlines()) - 1
