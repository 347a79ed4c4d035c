"""The cheque pipeline: a list of steps with one contract (see `base`), run by `run` for a stored
cheque (`services.cheque_process`) and for files on disk (`manage.py process_cheque`) alike."""

from __future__ import annotations

import time
from collections.abc import Callable

from ..choices import ChequeStatus
from .base import Context, Stop

NOT_ROUTED = "The pipeline did not reach a decision, so a person keys the fields."


def steps():
    from .duplicates import DuplicateStep
    from .ocr import OcrStep
    from .quality import QualityStep
    from .reading import FieldsStep, MicrStep, RouteStep

    return [QualityStep(), OcrStep(), MicrStep(), FieldsStep(), DuplicateStep(), RouteStep()]


def run(
    ctx: Context, on_step: Callable[[str, str, float | None, int, dict], None] = lambda *a: None
) -> tuple[str, str]:
    """Every step in turn; `on_step(name, outcome, confidence, duration_ms, detail)` after each. A Stop
    ends the run with its route; an unexpected error is recorded and raised."""
    from ..models import ChequeStep

    for step in steps():
        started = time.perf_counter()
        outcome, confidence, detail = ChequeStep.Outcome.OK, None, {}
        try:
            if not step.can_run(ctx):
                outcome = ChequeStep.Outcome.SKIPPED
            else:
                result = step.run(ctx)
                confidence, detail = result.confidence, result.detail
        except Stop as stop:
            outcome, detail = ChequeStep.Outcome.STOP, {**stop.detail, "reason": stop.reason}
            ctx.found["route"] = (stop.route, stop.reason)
        except Exception as exc:
            elapsed = round((time.perf_counter() - started) * 1000)
            on_step(step.name, ChequeStep.Outcome.ERROR, None, elapsed, {"error": f"{type(exc).__name__}: {exc}"})
            raise
        finally:
            step.cleanup(ctx)
        on_step(step.name, outcome, confidence, round((time.perf_counter() - started) * 1000), detail)
        if outcome == ChequeStep.Outcome.STOP:
            break
    return ctx.found.get("route", (ChequeStatus.NEEDS_KEYING, NOT_ROUTED))
