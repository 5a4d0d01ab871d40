"""The service layer is a one-way stack: no import cycle, and no import hidden in a function.

Read with `ast`, not by importing, so every import counts (also one inside a function,
which Python would only run later): `from . import x`, `from .x import y`,
`from portal.services import x`, `import portal.services.x`.

LAYERS lists portal/services by layer, lowest first. A module may import modules of its
own layer or of lower ones, never of a higher one (and never in a cycle, within a layer
too); docs/architecture.md says what each one is for.

1. Foundations: rules and shapes that need no other service (errors, text and header
   cleaning, who may see a case, who manages a department, when feedback is asked, the
   API's JSON shapes, signed reply addresses, audit entries).
2. After the commit: `effects` (the one dispatcher services commit through) and the
   webhook outbox it fills.
3. Records: the timeline, the email outbox, accounts, catalogue, settings, business
   hours, the clock: each writes its own rows, and those that commit use `effects`.
4. Telling people: which change emails whom (notifications, digests, escalation), and
   the read-only reports.
5. The case: `cases` (open, reply, status) and `promises`.
6. Built on the case: handoffs, follow-ups, intake.
7. Orchestration: feedback (may reopen a case and open a follow-up), bulk changes, and
   the minute job (`minute_job.tick`: escalation, quiet-case closing, digests).

Nothing in portal/services imports a channel (portal.api, portal.customer, portal.mail,
admin, the CLI): channels call services, never the other way round.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("portal", "admin")
SERVICES = "portal.services"
# Channels and web glue sit above the services: a service importing one is a hidden cycle.
# portal.mail's format helpers (parse, quotes, files, classify, compose, authresults) read
# and write messages and call no service that could call them back: services may use them.
ABOVE_SERVICES = ("portal.api", "portal.customer", "portal.mail.inbound", "portal.mail.worker",
                  "portal.mail.commands", "portal.mail.webhook", "portal.mail.maildir",
                  "portal.live.stream", "portal.cli", "portal.scheduler", "admin")
LAYERS = (
    ("errors", "text", "headers", "passwords", "access", "attachments", "audit", "case_search",
     "similar", "serializers", "mail_addresses", "managers", "feedback_rules",
     "webhook_targets", "customer_access"),
    ("webhook_outbox", "effects"),
    ("timeline", "outbox", "accounts", "catalog", "customers", "customer_seen", "two_factor",
     "site_settings", "standards", "time_zones", "business_hours", "clock", "case_details",
     "queue", "leased_jobs", "api_tokens", "webhooks", "stuck", "problem_links",
     "help_articles", "notification_prefs", "organisations", "participants", "data_requests"),
    ("notifications", "digests", "escalation", "saved_replies", "staff", "reports",
     "feedback_reports", "data_export", "erasure", "article_stats"),
    ("cases", "promises"),
    ("handoffs", "follow_ups", "intake", "mail_posting", "customer_escalations", "problem_fanout"),
    ("feedback", "bulk", "minute_job", "triage", "problems"),
)


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported module (or package)
    line: int
    in_function: bool


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    paths = sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))
    return {module_name(p): p for p in paths}


def _package_of(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    base = package.split(".")
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _targets(node: ast.AST, package: str, known: set[str]) -> list[str]:
    """The modules an import statement loads: `from pkg import name` names a module when
    pkg.name is one, else something defined in pkg itself."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    assert isinstance(node, ast.ImportFrom)
    base = _absolute(node, package)
    names = [f"{base}.{alias.name}" for alias in node.names]
    return [name if name in known else base for name in names]


def imports_of(module: str, path: Path, known: set[str]) -> list[Import]:
    """Every import in the module, each marked if it sits inside a function body."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = _package_of(module, path)
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                found.extend(Import(module, target, child.lineno, in_function)
                             for target in _targets(child, package, known))
            inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef
                                              | ast.Lambda)
            visit(child, inner)

    visit(tree, False)
    return found


def _inside(name: str, prefix: str) -> bool:
    return not prefix or name == prefix or name.startswith(prefix + ".")


def graph(prefix: str = "") -> dict[str, set[str]]:
    """Module → the modules under `prefix` (default: all of ours) it imports, anywhere.

    A module's import of a package it sits in is left out: Flask's blueprint package (the
    package makes `bp`, then imports its view modules, which take `bp` from it) is a cycle
    by design, and a package's own `__init__` is not a layer.
    """
    modules = all_modules()
    known = set(modules)
    edges: dict[str, set[str]] = {m: set() for m in modules if _inside(m, prefix)}
    for module in edges:
        for imp in imports_of(module, modules[module], known):
            if _inside(imp.target, prefix) and not _inside(module, imp.target):
                edges[module].add(imp.target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The cycles to show: for each group of modules that import each other (a strongly
    connected component), the shortest cycle through each of its members."""
    found: list[list[str]] = []
    for group in _tangles(edges):
        seen: set[tuple[str, ...]] = set()
        for start in sorted(group):
            cycle = _shortest_cycle(start, group, edges)
            key = tuple(sorted(cycle[:-1]))
            if key not in seen:
                seen.add(key)
                found.append(cycle)
    return found


def _tangles(edges: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's strongly connected components of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = {stack.pop()}
            while node not in group:
                group.add(stack.pop())
            if len(group) > 1:
                groups.append(group)

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return groups


def _shortest_cycle(start: str, group: set[str], edges: dict[str, set[str]]) -> list[str]:
    """A shortest path from `start` back to itself inside its group (breadth first)."""
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in sorted(edges[node] & group):
                if nxt == start:
                    return paths[node] + [start]
                if nxt not in paths:
                    paths[nxt] = paths[node] + [nxt]
                    following.append(nxt)
        frontier = following
    raise AssertionError(f"{start} is in a cycle but none was found")


def _show(found: list[list[str]]) -> str:
    return "\n".join(" → ".join(c.removeprefix("portal.") for c in cycle) for cycle in found)


def test_the_services_import_each_other_one_way_only():
    found = cycles(graph(SERVICES))
    assert not found, "import cycles among portal/services:\n" + _show(found)


def test_every_service_imports_only_its_own_layer_or_lower_ones():
    layer = {f"{SERVICES}.{name}": n for n, names in enumerate(LAYERS, 1) for name in names}
    edges = graph(SERVICES)
    unplaced = sorted(set(edges) - set(layer) - {SERVICES})
    assert not unplaced, f"add these modules to a layer in LAYERS: {unplaced}"
    upward = [f"{m} (layer {layer[m]}) imports {t} (layer {layer[t]})"
              for m, targets in sorted(edges.items()) if m != SERVICES
              for t in sorted(targets) if layer[t] > layer[m]]
    assert not upward, "imports up the stack:\n" + "\n".join(upward)


def _service_imports() -> list[Import]:
    modules = all_modules()
    return [imp for m, path in modules.items() if _inside(m, SERVICES)
            for imp in imports_of(m, path, set(modules))]


def test_no_service_hides_an_import_of_the_portal_in_a_function():
    hidden = [f"{imp.source}:{imp.line} imports {imp.target}" for imp in _service_imports()
              if imp.in_function and any(_inside(imp.target, p) for p in ("portal", "admin"))]
    assert not hidden, "function-local imports in portal/services:\n" + "\n".join(hidden)


def test_no_service_imports_a_channel_or_web_package():
    upward = [f"{imp.source}:{imp.line} imports {imp.target}" for imp in _service_imports()
              if any(_inside(imp.target, above) for above in ABOVE_SERVICES)]
    assert not upward, "services importing what calls them:\n" + "\n".join(upward)


def test_portal_and_admin_have_no_import_cycle_either():
    found = cycles(graph())
    assert not found, "import cycles among portal and admin modules:\n" + _show(found)


def test_the_graph_sees_every_kind_of_import(tmp_path, monkeypatch):
    """The checks above can fail: relative, absolute and function-local imports all count."""
    package = tmp_path / "portal" / "services"
    package.mkdir(parents=True)
    (tmp_path / "portal" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from . import b\n")
    (package / "b.py").write_text("from .c import thing\n")
    (package / "c.py").write_text("def f():\n    from portal.services import a\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGES", ("portal",))
    found = cycles(graph(SERVICES))
    assert found == [["portal.services.a", "portal.services.b", "portal.services.c",
                      "portal.services.a"]]
    modules = all_modules()
    local = [i for i in imports_of("portal.services.c", modules["portal.services.c"],
                                   set(modules)) if i.in_function]
    assert [i.target for i in local] == ["portal.services.a"]
