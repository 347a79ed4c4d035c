"""Model quality on simulated data with a time split: train 7 days, 7-day gap, test 7 days.

Reports average precision and ROC AUC of the model beside a logistic regression on the raw amount.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime, timedelta

from common import setup


def main() -> None:
    setup("model")
    from apps.fraud.ml.training import train
    from apps.transactions.services import simulated_store
    from apps.transactions.simulator import simulate

    customers = int(os.environ.get("BENCH_CUSTOMERS", "2000"))
    start = date(2026, 1, 1)
    t0 = time.perf_counter()
    total, frauds, _ = simulated_store(
        rows=simulate(customers=customers, terminals=customers * 2, days=35, start=start, seed=2, fraud_rate=0.008),
        label_delay=timedelta(days=7),
    )
    print(f"simulated {total:,} transactions ({frauds:,} fraud) in {time.perf_counter() - t0:.1f} s")
    day = datetime(2026, 1, 1, tzinfo=UTC)
    # Days 0-13 give the behavioural features their history; train on days 14-20, gap 21-27, test 28-34.
    t0 = time.perf_counter()
    model = train(train_start=day + timedelta(days=14), train_end=day + timedelta(days=21),
                  test_start=day + timedelta(days=28), test_end=day + timedelta(days=35), seed=0)  # fmt: skip
    m, b = model.metrics, model.metrics["baseline_amount_logreg"]
    print(f"trained in {time.perf_counter() - t0:.1f} s on {m['train']['rows']:,} rows ({m['train']['frauds']} fraud); "
          f"test {m['rows']:,} rows ({m['frauds']} fraud)")  # fmt: skip
    print(
        f"average precision: model {m['average_precision']}, amount-only logistic regression {b['average_precision']}"
    )
    print(f"ROC AUC:           model {m['roc_auc']}, amount-only logistic regression {b['roc_auc']}")
    print(f"card precision@100: model {m['card_precision_at_100']}, baseline {b['card_precision_at_100']}")
    print(f"top features: {', '.join(n for n, _ in model.importances[:5])}")


if __name__ == "__main__":
    main()
