from celery import shared_task


@shared_task(name="apps.reporting.tasks.follow_rollups", acks_late=True, time_limit=900, soft_time_limit=840)
def follow_rollups() -> dict:
    """Thin: recompute the rollups of the days that new transactions and alerts fall on (every minute)."""
    from .rollups import rollups_follow

    return rollups_follow()


@shared_task(name="apps.reporting.tasks.sweep_rollups", acks_late=True, time_limit=3600, soft_time_limit=3300)
def sweep_rollups() -> dict:
    """Thin: recompute the last ROLLUP_SWEEP_DAYS days whole (nightly): corrections made in place."""
    from .rollups import rollups_sweep

    return rollups_sweep()
