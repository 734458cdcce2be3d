"""The checks behind `python -m tutorial_lib grade`: one per exercise, on tiny fixtures.

A check calls the learner's function and returns a short note when it is right, or raises Wrong
with a hint (what was expected, what came back). Expected values are worked out by hand in the
comments, or computed here by an independent formula; nothing depends on the package's lesson
modules, so a learner's answer is compared with the idea, not with the package's copy of it.
"""

from .alignment import CHECKS as ALIGNMENT
from .common import Check, Wrong
from .finetuning import CHECKS as FINETUNING
from .prompting import CHECKS as PROMPTING
from .systems import CHECKS as SYSTEMS

CHECKS: dict[str, dict[str, Check]] = {**PROMPTING, **FINETUNING, **ALIGNMENT, **SYSTEMS}

__all__ = ["CHECKS", "Check", "Wrong"]
