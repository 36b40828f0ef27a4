"""Bounded engine state: the finished rounds of a loop are cut out of the task tree before it is saved.

SpiffWorkflow keeps every task it ever created: a case sent back for amendment 50 times carries 50 copies
of the loop's tasks (legal review → gateway → amendment → merge …), and every action loads and saves them
all (113 KB and 8.3 ms after 50 rounds, against 1.2 ms for a whole ordinary case). The execution records
keep the history; the engine only needs the current round.

The cut: in a straight stretch of the tree (each task with one child), a COMPLETED task whose element
occurs again further down the same stretch belongs to a finished round and is spliced out — its child
hangs on its parent. The child keeps its own data (Spiff stores each task's data as a delta from its
parent: the delta is recomputed against the new parent when saved), and "the nearest ancestor of element
X" — how gateways and joins find their split — is the same task as before, since the latest occurrence
of every element stays. Never cut: the root, a task with other than one child (splits stay, so loops
through parallel branches keep their rounds), a task that is not COMPLETED, the task a subprocess hangs
on, the workflow's last task, and any task whose id another task's internal data mentions.

The stored format does not change: a state saved before this existed loads as it is and is compacted at
its next save.
"""
from __future__ import annotations

from SpiffWorkflow.util.task import TaskState


def compact(workflow) -> int:
    """Cut the finished loop rounds out of ``workflow`` and its subprocesses; the number of tasks cut."""
    protected = set(workflow.subprocesses)
    for wf in (workflow, *workflow.subprocesses.values()):
        last = getattr(wf, "last_task", None)
        if last is not None:
            protected.add(getattr(last, "id", last))
        for task in wf.tasks.values():
            if task.internal_data:
                text = repr(task.internal_data)
                protected.update(t for t in wf.tasks if str(t) in text)
    return sum(_compact_tree(wf, protected) for wf in (workflow, *workflow.subprocesses.values()))


def _compact_tree(wf, protected: set) -> int:
    tasks = wf.tasks
    root_id = wf.task_tree.id
    order, stack = [], [root_id]  # pre-order, iteratively: a long loop is a deep chain
    while stack:
        task_id = stack.pop()
        order.append(task_id)
        stack.extend(c for c in tasks[task_id]._children if c in tasks)
    # done[t]: the elements of the COMPLETED tasks from t down its straight stretch (children first)
    done: dict = {}
    removed = 0
    for task_id in reversed(order):
        task = tasks[task_id]
        completed = task.state == TaskState.COMPLETED
        mine = frozenset((task.task_spec.name,)) if completed else frozenset()
        children = task._children
        if len(children) != 1 or children[0] not in done:
            done[task_id] = mine
            continue
        below = done[children[0]]
        if (completed and task.task_spec.name in below and task_id != root_id and task_id not in protected
                and task._parent in tasks):
            child, parent = tasks[children[0]], tasks[task._parent]
            parent._children = [child.id if c == task_id else c for c in parent._children]
            child._parent = parent.id
            del tasks[task_id]
            removed += 1
        else:
            done[task_id] = below | mine
    return removed
