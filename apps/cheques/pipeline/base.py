"""One contract for every step, in the manner of paperless-ngx's consumer plugins: `can_run` says
whether the step applies, `run` does the work and returns its result (or raises `Stop` with a route
and a reason), `cleanup` always runs afterwards."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PIL import Image


class Stop(Exception):
    """A step decided where the cheque goes now (e.g. rescan), and why; later steps do not run."""

    def __init__(self, route: str, reason: str, detail: dict | None = None):
        super().__init__(reason)
        self.route, self.reason, self.detail = route, reason, detail or {}


@dataclass
class StepResult:
    confidence: float | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Context:
    """What the steps share: the images (decoded once) and what earlier steps found."""

    front: Image.Image
    back: Image.Image | None = None
    found: dict[str, Any] = field(default_factory=dict)


class Step:
    name = "step"

    def can_run(self, ctx: Context) -> bool:
        return True

    def run(self, ctx: Context) -> StepResult:
        raise NotImplementedError

    def cleanup(self, ctx: Context) -> None:
        return None
