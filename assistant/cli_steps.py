"""`assistant steps`: the nine-step commissioning cycle, from corpus/steps.yaml."""

from __future__ import annotations

import json

from assistant.cli_common import fail as _fail
from assistant.settings import Settings


def register(sub) -> None:
    """Add the ``steps`` subcommand to the CLI's subparsers."""
    p = sub.add_parser("steps", help="the nine-step commissioning cycle, step by step, with citations",
                       description="The nine-step joint planning and commissioning cycle (Every Child "
                       "Matters, 2006) as the documents describe it (corpus/steps.yaml). Without an "
                       "action: the steps in order, with activity and phase. `show N`: step N whole.")
    p.add_argument("--json", action="store_true", help="print JSON: [{number, name, activity, phase, "
                   "summary, citations: [{doc_id, section, quote}]}]")
    p.set_defaults(handler=cmd_steps, action=None)
    steps_sub = p.add_subparsers(dest="action", metavar="ACTION")
    st = steps_sub.add_parser("show", help="one step: wording, what each framework says, questions, "
                             "evidence, outputs and competencies, each with its citations")
    st.add_argument("number", type=int, metavar="N", help="the step's number, 1 to 9")
    st.add_argument("--json", action="store_true", help="print JSON")


def cmd_steps(args, settings: Settings) -> int:
    """List the steps, or show one (``steps show N``)."""
    from assistant import steps

    try:
        cycle = steps.load(settings)
        if args.action == "show":
            step = cycle.step(args.number)
    except steps.StepModelError as err:
        return _fail(str(err))
    except KeyError as err:
        return _fail(err.args[0], 1)
    if args.action != "show":
        if args.json:
            print(json.dumps([steps.summary_json(s) for s in cycle.steps], ensure_ascii=False, indent=2))
            return 0
        for phase in cycle.phases:
            print(f"Phase {phase.number}: {phase.name}")
            for s in (cycle.step(n) for n in phase.steps):
                print(f"  {s.number}. {s.name} ({s.activity})")
        print("\n`assistant steps show N` gives a step's guidance with its citations.")
        return 0
    if args.json:
        print(json.dumps(steps.step_json(cycle, step), ensure_ascii=False, indent=2))
        return 0
    _print_step(cycle, step)
    return 0


def _print_step(cycle, step) -> None:
    phase = cycle.phase_of(step)
    print(f"Step {step.number} of {len(cycle.steps)}: {step.name}")
    print(f"{step.activity} · phase {phase.number}, {phase.name.lower()}\n")
    print(f"{step.wording}\n\n{step.summary}")
    sections = [("What each framework says", [(f"{v.doc_id}: {v.says}", [v.citation]) for v in step.frameworks]),
                ("Questions to ask", [(i.text, i.citations) for i in step.questions]),
                ("Evidence to gather", [(i.text, i.citations) for i in step.evidence]),
                ("What the step leaves behind", [(i.text, i.citations) for i in step.outputs]),
                ("Local guidance", [(i.text, i.citations) for i in step.local]),
                ("Competencies that apply in this phase",
                 [(f"{c.number}. {c.name}", c.citations[:1]) for c in cycle.competencies_for(step)])]
    for heading, items in sections:
        if not items:
            continue
        print(f"\n{heading}:")
        for text, citations in items:
            print(f"  - {text}")
            for c in citations:
                print(f"      [{c.doc_id}, {c.section}] \"{c.quote}\"")
    print(f"\nPrevious: step {cycle.previous(step.number).number} · "
          f"next: step {cycle.next(step.number).number}")
