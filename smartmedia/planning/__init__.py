"""The copy planner: which source goes to which target, on which drive, in which order.

:func:`plan_copies` is a pure function from a :class:`Selection`, a :class:`CopyPolicy`,
a catalog (read only) and an :class:`Inventory` to a :class:`CopyPlan` — tasks with
predicted times, every medium it could not place with the reason, the makespan and its
lower bound. :func:`replan` plans what is left of a plan. See ``docs/planning.md``.
"""

from smartmedia.planning._plan import CopyPlan, CopyTask, PlanSummary, Reason, TargetPiece, Unplaced
from smartmedia.planning._planner import plan_copies, replan
from smartmedia.planning._request import AfterCopy, CopyPolicy, Inventory, Profiles, Selection

__all__ = [
    "AfterCopy",
    "CopyPlan",
    "CopyPolicy",
    "CopyTask",
    "Inventory",
    "PlanSummary",
    "Profiles",
    "Reason",
    "Selection",
    "TargetPiece",
    "Unplaced",
    "plan_copies",
    "replan",
]
