"""Side panels that features add to the case page and the task page (the files, the legal time limits…), so
the kernel's pages need not know the features.

A panel is a template and a function returning the variables it needs: ``(case, user)`` on the case page,
``(task, user)`` on the task page. The template also sees the page's own variables (``case``, ``task``,
``open_tasks``, ``class_labels``…); the names a panel adds must be its own (a clash is an error).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

CASE_PAGE, TASK_PAGE = "case", "task"
# The main column of those pages (the side column is for CASE_PAGE / TASK_PAGE): what must be read before
# acting, e.g. the earlier steps' opinions above the task's form.
CASE_MAIN, TASK_MAIN = "case_main", "task_main"


@dataclass(frozen=True)
class Panel:
    template: str
    context: Callable[..., dict]
    order: int  # panels show in this order, whatever order the features register them in


_PANELS: dict[str, list[Panel]] = {CASE_PAGE: [], TASK_PAGE: [], CASE_MAIN: [], TASK_MAIN: []}


def case_panel(template: str, order: int):
    """Decorate ``context(case, user) -> dict``: ``template`` shows on every case page."""
    return _register(CASE_PAGE, template, order)


def task_panel(template: str, order: int):
    """Decorate ``context(task, user) -> dict``: ``template`` shows on every task page."""
    return _register(TASK_PAGE, template, order)


def case_main_panel(template: str, order: int):
    """Like ``case_panel``, in the case page's main column (``main_panels``)."""
    return _register(CASE_MAIN, template, order)


def task_main_panel(template: str, order: int):
    """Like ``task_panel``, in the task page's main column above the form (``main_panels``)."""
    return _register(TASK_MAIN, template, order)


def _register(page: str, template: str, order: int):
    def decorator(context):
        others = [p for p in _PANELS[page] if p.template != template]
        _PANELS[page] = sorted(others + [Panel(template, context, order)], key=lambda p: p.order)
        return context
    return decorator


def panels(page: str, *args) -> dict:
    """The page's ``panels`` (templates, in order; ``main_panels`` for a main column) and every variable they
    need."""
    context: dict = {"main_panels" if page in (CASE_MAIN, TASK_MAIN) else "panels":
                     [p.template for p in _PANELS[page]]}
    for panel in _PANELS[page]:
        extra = panel.context(*args)
        if clash := context.keys() & extra.keys():
            raise RuntimeError(f"panel {panel.template} redefines {sorted(clash)}")
        context.update(extra)
    return context
