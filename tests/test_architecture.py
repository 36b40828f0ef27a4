"""The import contract of docs/architecture.md, checked over the source (no imports are executed):

- no cycles between the packages of ``app``;
- the case kernel (``app.cases``) imports no feature;
- nothing imports an underscore name from another package;
- nothing below the web layer imports the web layer (``app.web``, ``app.api`` and route modules);
- SpiffWorkflow only in ``app.engine``; untrusted XML parsed only in ``app.bpmn.xml``;
- the environment read only in ``app.config``;
- no module over 500 lines unless it is one coherent algorithm (listed below with the reason).
"""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"

# Packages below the kernel and the kernel itself; everything else in app/ is a feature or the web layer.
PLATFORM = {"app", "app.core", "app.extensions", "app.config", "app.engine", "app.bpmn", "app.records",
            "app.users", "app.catalogue", "app.definitions", "app.calendar", "app.scheduler"}
KERNEL = "app.cases"
WEB_PACKAGES = {"app.web", "app.api"}
ROUTE_MODULE_NAMES = ("web", "api", "routes")
LONG_MODULES = {
    # module: why it stays one piece
}
MAX_LINES = 500


def _modules():
    for path in sorted(APP.rglob("*.py")):
        parts = path.relative_to(APP.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path


def _package(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else module


def _is_route_module(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return _package(module) in WEB_PACKAGES or module == "app" or any(
        last == n or last.startswith(n + "_") for n in ROUTE_MODULE_NAMES)


def _imports(path: Path):
    """(imported module, imported names) for every ``from app…`` / ``import app…`` in the file."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []


MODULES = dict(_modules())
IMPORTS = {name: list(_imports(path)) for name, path in MODULES.items()}


def _app_targets(module: str):
    for target, names in IMPORTS[module]:
        if target == "app" or target.startswith("app."):
            # ``from app.x import y`` may import the submodule app.x.y
            yield target, names


def test_no_relative_imports():
    relative = [name for name, path in MODULES.items()
                for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                if isinstance(node, ast.ImportFrom) and node.level]
    assert not relative, f"use absolute imports (from app.… import …): {relative}"


def test_no_cycles_between_packages():
    graph = defaultdict(set)
    for module in MODULES:
        for target, names in _app_targets(module):
            targets = {target} | {f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES}
            for t in targets:
                if _package(t) != _package(module) and _package(module) != "app":
                    graph[_package(module)].add(_package(t))
    cycles = []

    def visit(node, stack, on_stack, done):
        on_stack.add(node)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt in on_stack:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in done:
                visit(nxt, stack, on_stack, done)
        stack.pop()
        on_stack.discard(node)
        done.add(node)

    done: set = set()
    for node in sorted(graph):
        if node not in done:
            visit(node, [], set(), done)
    assert not cycles, "package import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_the_kernel_imports_no_feature():
    bad = [(m, t) for m in MODULES if _package(m) == KERNEL and not _is_route_module(m)
           for t, _ in _app_targets(m) if _package(t) not in PLATFORM | {KERNEL}]
    assert not bad, f"the case kernel imports features: {bad}"


def test_no_private_names_across_packages():
    bad = []
    for module in MODULES:
        for target, names in _app_targets(module):
            if _package(target) == _package(module):
                continue
            bad += [(module, f"{target}.{n}") for n in names if n.startswith("_")]
            bad += [(module, target) for part in target.split(".") if part.startswith("_") and part != "__init__"]
    assert not bad, f"private names imported from another package: {bad}"


def test_nothing_below_the_web_layer_imports_it():
    bad = [(m, t) for m in MODULES if not _is_route_module(m)
           for t, names in _app_targets(m)
           if _package(t) in WEB_PACKAGES or _is_route_module(t) and t != "app"]
    assert not bad, f"non-web modules import the web layer: {bad}"


def test_spiffworkflow_only_in_the_engine():
    bad = [m for m in MODULES for t, _ in IMPORTS[m] if t.startswith("SpiffWorkflow") and _package(m) != "app.engine"]
    assert not bad, f"SpiffWorkflow imported outside app.engine: {bad}"


@pytest.mark.parametrize("call", ["fromstring(", "XMLParser(", "etree.parse("])
def test_untrusted_xml_is_parsed_in_one_place(call):
    bad = [m for m, path in MODULES.items() if call in path.read_text(encoding="utf-8") and m != "app.bpmn.xml"]
    assert not bad, f"{call} outside app.bpmn.xml: {bad}"


def test_the_environment_is_read_only_in_the_config():
    bad = [m for m, path in MODULES.items() if "os.environ" in path.read_text(encoding="utf-8")
           and m not in ("app.config", "app.archive.verify")]
    assert not bad, f"os.environ outside app.config: {bad}"


def test_modules_stay_small():
    long = {m: n for m, path in MODULES.items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES and m not in LONG_MODULES}
    assert not long, f"modules over {MAX_LINES} lines (split them by concern): {long}"
