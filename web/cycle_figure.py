"""The cycle drawn as a figure: nine segments round a circle, coloured by status.

The geometry is worked out here and drawn by ``templates/_cycle_figure.html`` as inline
SVG (no script, no image file): an inner ring of one segment per step, clockwise from
the top, each a link to its step page, and an outer ring of one arc per phase. Status is
never shown by colour alone: a step in progress is hatched, a step done carries a tick,
every link is named ("Step 3: Needs analysis, in progress"), the key says what each look
means, and the page lists the same steps as text beside it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from assistant.steps import Cycle
from assistant.workspaces import STATUS_LABELS, Workspace

WIDTH, HEIGHT = 520, 420
CX, CY = WIDTH / 2, HEIGHT / 2
STEP_INNER, STEP_OUTER = 78, 158      # radii of the ring of steps
PHASE_INNER, PHASE_OUTER = 166, 180   # radii of the ring of phases
PHASE_LABEL = 192                     # where the phases' names sit
LABEL_RADIUS = (STEP_INNER + STEP_OUTER) / 2 - 8
TICK_RADIUS = STEP_OUTER - 18
GAP = 1.2                             # degrees left blank between segments


@dataclass(frozen=True)
class Segment:
    """One step's segment: its shape, where its number goes, and where it leads."""

    number: int
    name: str
    status: str
    status_label: str
    href: str
    path: str
    x: float          # where its number goes
    y: float
    tick_x: float     # where a step done shows its tick
    tick_y: float


@dataclass(frozen=True)
class PhaseArc:
    """One phase's arc of the outer ring, and its label outside it."""

    number: int
    name: str
    path: str
    x: float
    y: float
    anchor: str  # text-anchor of the label: it sits left, right or above the ring


@dataclass(frozen=True)
class Figure:
    """What the template draws."""

    segments: tuple[Segment, ...]
    phases: tuple[PhaseArc, ...]
    done: int
    total: int
    width: int = WIDTH
    height: int = HEIGHT
    cx: float = CX
    cy: float = CY


def _point(degrees: float, radius: float) -> tuple[float, float]:
    """A point ``radius`` from the centre, ``degrees`` clockwise from twelve o'clock."""
    angle = math.radians(degrees)
    return round(CX + radius * math.sin(angle), 2), round(CY - radius * math.cos(angle), 2)


def _sector(start: float, end: float, inner: float, outer: float) -> str:
    """The SVG path of a ring's sector from ``start`` to ``end`` degrees."""
    large = 1 if end - start > 180 else 0
    (x1, y1), (x2, y2) = _point(start, outer), _point(end, outer)
    (x3, y3), (x4, y4) = _point(end, inner), _point(start, inner)
    return (f"M {x1} {y1} A {outer} {outer} 0 {large} 1 {x2} {y2} "
            f"L {x3} {y3} A {inner} {inner} 0 {large} 0 {x4} {y4} Z")


def figure(cycle: Cycle, workspace: Workspace, href: Callable[[int], str]) -> Figure:
    """The figure of ``workspace``'s progress round ``cycle``; ``href(n)`` is step n's page."""
    sweep = 360 / len(cycle.steps)
    segments = []
    for i, step in enumerate(cycle.steps):
        status = workspace.record(step.number).status
        start, end = i * sweep + GAP / 2, (i + 1) * sweep - GAP / 2
        x, y = _point((start + end) / 2, LABEL_RADIUS)
        tick_x, tick_y = _point((start + end) / 2, TICK_RADIUS)
        segments.append(Segment(step.number, step.name, status, STATUS_LABELS[status].lower(),
                                href(step.number), _sector(start, end, STEP_INNER, STEP_OUTER),
                                x, y, tick_x, tick_y))
    phases = []
    for phase in cycle.phases:
        first, last = min(phase.steps) - 1, max(phase.steps)
        start, end = first * sweep + GAP, last * sweep - GAP
        middle = (start + end) / 2
        x, y = _point(middle, PHASE_LABEL)
        side = math.sin(math.radians(middle))
        anchor = "start" if side > 0.2 else "end" if side < -0.2 else "middle"
        phases.append(PhaseArc(phase.number, phase.name, _sector(start, end, PHASE_INNER, PHASE_OUTER),
                               x, y, anchor))
    done = sum(1 for s in segments if s.status == "done")
    return Figure(tuple(segments), tuple(phases), done, len(segments))
