"""Stages (`{duration, target}` steps), read the same way for the `stages` option and for the
ramping executors' scenarios, and validated with k6's messages (validateStages)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from loadpy.base.durations import format_duration, parse_duration
from loadpy.base.go_values import fold_keys
from loadpy.base.schema import Invalid, kind_of
from loadpy.errors import did_you_mean

STAGE_FIELDS = ("duration", "target")


@dataclass(frozen=True, slots=True)
class Stage:
    duration: float | None  # seconds; None = missing (validation error)
    target: int | None

    @property
    def seconds(self) -> float:
        return self.duration or 0.0

    @property
    def value(self) -> int:
        return self.target or 0


def parse_stages(value: object, read_target: Callable[[object], int], *, keep_incomplete: bool) -> list[Stage]:
    """The stages written in `value`; Invalid at the stage and field that is wrong.

    `read_target` reads a target as its field does (the `stages` option takes "10" as k6's
    null.Int does, a scenario's stages as Go's int64). A stage without a duration is dropped
    for the option (as k6 does) and kept for a scenario, where validation reports it.
    """
    if not isinstance(value, list):
        raise Invalid((), f"expected a list of {{duration, target}} stages, got {kind_of(value)}")
    stages = []
    for index, written in enumerate(value):
        if not isinstance(written, dict):
            raise Invalid((index,), f"a stage must be a mapping with duration and target, got {kind_of(written)}")
        stage, _ = fold_keys(written, STAGE_FIELDS)
        for key in stage:
            if key not in STAGE_FIELDS:
                raise Invalid(
                    (index, str(key)), f'json: unknown field "{key}"', hint=did_you_mean(str(key), STAGE_FIELDS)
                )
        if stage.get("duration") is None and not keep_incomplete:
            continue
        duration = _field(stage, "duration", parse_duration, index)
        target = _field(stage, "target", read_target, index)
        stages.append(Stage(duration, target))
    return stages


def _field(stage: dict[Any, Any], name: str, read: Callable[[object], Any], index: int) -> Any:
    if stage.get(name) is None:
        return None
    try:
        return read(stage[name])
    except Invalid as exc:
        raise exc.under(index, name) from None


def validate_stages(stages: list[Stage]) -> list[str]:
    """k6 validateStages."""
    if not stages:
        return ["at least one stage has to be specified"]
    errors = []
    for num, stage in enumerate(stages, start=1):
        if stage.duration is None:
            errors.append(f"stage {num} doesn't have a duration")
        if stage.target is None:
            errors.append(f"stage {num} doesn't have a target")
        elif stage.target < 0:
            errors.append(f"the target for stage {num} can't be negative")
    return errors


def stages_to_list(stages: list[Stage]) -> list[dict[str, Any]]:
    return [{"duration": format_duration(s.seconds), "target": s.value} for s in stages]
