"""The layers hold: web is the top layer, views build no queries and decide no "may I", production
code imports no demo, permissions are typed constants, and display labels have one home.

Every module of the package is parsed with `ast` (nothing is imported), so a rule is checked on
code that no test happens to run. Each rule is a function from a parsed module to its violations;
`test_each_rule_catches_a_violating_snippet` feeds each one a small module that breaks it, so a
rule that stopped seeing anything fails too.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pytest

PACKAGE = Path(str(resources.files("csirtnet")))

# The one home of the labels of stored codes and their translations (docs/development.md).
LABELS_HOME = "csirtnet.vocabulary.labels"

# Tables that translate pydantic's error kinds into form messages: words for validation errors,
# not the labels of stored codes. The one form path (csirtnet.web.forms) holds them all.
MESSAGE_TABLES = {
    ("csirtnet.web.forms", "_PYDANTIC_MESSAGES"),
    ("csirtnet.web.forms", "_PATTERN_MESSAGES"),
}

# Who may load the demo: the demo modules themselves and the root CLI (`csirtnet demo`,
# `csirtnet serve --demo`).
DEMO_LOADERS = {"csirtnet.cli"}

# The only names a view takes from SQLAlchemy: the session's type, to pass the session on.
VIEW_SQLALCHEMY_NAMES = {"Session"}

# Pagers take a query: a view asks a domain read function for a page instead.
PAGERS = {"paginate", "paginate_keyset"}

# Functions that take a permission: it must be an authz.Permission member, never a string.
PERMISSION_TAKERS = {"can", "require"}


@dataclass(frozen=True)
class Module:
    name: str  # csirtnet.web.views.home
    tree: ast.Module

    @property
    def is_web(self) -> bool:
        return self.name == "csirtnet.web" or self.name.startswith("csirtnet.web.")

    @property
    def is_view(self) -> bool:
        return self.name.startswith("csirtnet.web.views.")

    @property
    def is_demo(self) -> bool:
        # A domain's demo module, or a module of its demo package (exercise/demo/technical.py …).
        return self.name == "csirtnet.demo" or self.name.endswith(".demo") or ".demo." in self.name


def parse(name: str, source: str) -> Module:
    return Module(name, ast.parse(source))


def package_modules() -> list[Module]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(relative.parts)
        if parts[-1] == "__init__":
            parts.pop()
        if "migrations" in parts:
            continue  # Alembic's scripts are data, run by the migration runner
        out.append(parse(".".join(parts), path.read_text(encoding="utf-8")))
    return out


def _imported(module: Module) -> Iterator[tuple[int, str]]:
    """Every module path a module imports, by statement or by name in a string (import_module,
    resources.files, a Jinja PackageLoader)."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            if node.level:  # relative: resolve against the package
                parts = module.name.split(".")[: -node.level]
                base = ".".join([*parts, node.module])
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and re.fullmatch(r"csirtnet(\.\w+)+", node.value)
        ):
            yield node.lineno, node.value


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


# -- the rules -------------------------------------------------------------------------------


def web_imports(module: Module) -> list[str]:
    """Nothing below the web layer imports it: only csirtnet.web.* and csirtnet.app may."""
    if module.is_web or module.name == "csirtnet.app":
        return []
    return [
        f"{module.name}:{line} imports {name} (web is the top layer)"
        for line, name in _imported(module)
        if _within(name, "csirtnet.web")
    ]


def _session_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    names = {"session"}
    for arg in [*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs]:
        if arg.annotation is not None and "Session" in ast.unparse(arg.annotation):
            names.add(arg.arg)
    return names


def view_queries(module: Module) -> list[str]:
    """Views call domain read and service functions: they take nothing from SQLAlchemy but the
    Session type, page no query themselves, and do nothing with a session but pass it on."""
    if not module.is_view:
        return []
    out = []
    for node in ast.walk(module.tree):
        if isinstance(node, ast.ImportFrom) and node.module and _within(node.module, "sqlalchemy"):
            taken = {a.name for a in node.names} - VIEW_SQLALCHEMY_NAMES
            if taken:
                out.append(f"{module.name}:{node.lineno} takes {sorted(taken)} from {node.module}")
        elif isinstance(node, ast.ImportFrom) and node.module == "csirtnet.kit.pagination":
            pagers = {a.name for a in node.names} & PAGERS
            if pagers:
                out.append(f"{module.name}:{node.lineno} pages a query itself with {sorted(pagers)}")
        elif isinstance(node, ast.Import) and any(_within(a.name, "sqlalchemy") for a in node.names):
            out.append(f"{module.name}:{node.lineno} imports sqlalchemy")
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names = _session_names(node)
            for inner in ast.walk(node):
                if isinstance(inner, ast.Attribute) and isinstance(inner.value, ast.Name) and inner.value.id in names:
                    out.append(f"{module.name}:{inner.lineno} calls {inner.value.id}.{inner.attr} in a view")
    return out


def demo_imports(module: Module) -> list[str]:
    """Demo data is loaded by csirtnet.demo from its DEMO_MODULES; production code imports none."""
    if module.is_demo or module.name in DEMO_LOADERS:
        return []
    return [
        f"{module.name}:{line} imports the demo module {name}"
        for line, name in _imported(module)
        if name == "csirtnet.demo" or name.startswith("csirtnet.demo.") or re.search(r"\.demo(\.|$)", name)
    ]


def string_permissions(module: Module) -> list[str]:
    """A permission is an authz.Permission member: `require(who, Permission.X)`, never a string."""
    out = []
    for node in ast.walk(module.tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name not in PERMISSION_TAKERS:
            continue
        for arg in [*node.args[1:], *(k.value for k in node.keywords if k.arg == "permission")]:
            if isinstance(arg, ast.Constant | ast.JoinedStr) and not (
                isinstance(arg, ast.Constant) and not isinstance(arg.value, str)
            ):
                out.append(f"{module.name}:{node.lineno} passes the permission {ast.unparse(arg)} as a string")
    return out


def _is_msgid(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "N_"


def label_dicts(module: Module) -> list[str]:
    """Names of stored codes (a dict of N_() msgids) live in the one home, nowhere else."""
    if module.name == LABELS_HOME:
        return []
    out = []
    for node in ast.walk(module.tree):
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign):
            targets, value = [node.target], node.value
        elif isinstance(node, ast.Dict):
            value = node  # a label table built inline (in a call or a return)
        if not isinstance(value, ast.Dict) or len(value.values) < 2:
            continue
        if not all(_is_msgid(v) for v in value.values):
            continue
        named = {ast.unparse(t) for t in targets}
        if any((module.name, n) in MESSAGE_TABLES for n in named):
            continue
        if not targets and _assigned_elsewhere(module, value):
            continue
        where = ", ".join(sorted(named)) or "a dict"
        out.append(f"{module.name}:{value.lineno} {where} maps codes to msgids outside {LABELS_HOME}")
    return out


def _assigned_elsewhere(module: Module, value: ast.Dict) -> bool:
    """A dict already reported (or allowed) through the assignment it is the value of."""
    return any(isinstance(node, ast.Assign | ast.AnnAssign) and node.value is value for node in ast.walk(module.tree))


def access_decided_outside_authz(module: Module) -> list[str]:
    """'May I' is answered in csirtnet.authz, where a reviewer reads every rule: views and services
    ask it by name, they do not read a subject's roles or reach (`has_role`, `sees_everything`)."""
    if _within(module.name, "csirtnet.authz"):
        return []
    return [
        f"{module.name}:{node.lineno} reads {node.attr} (ask csirtnet.authz instead)"
        for node in ast.walk(module.tree)
        if isinstance(node, ast.Attribute) and node.attr in ("sees_everything", "has_role", "is_platform_admin")
    ]


RULES: list[Callable[[Module], list[str]]] = [
    web_imports,
    view_queries,
    demo_imports,
    string_permissions,
    label_dicts,
    access_decided_outside_authz,
]


# -- the tests -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def modules() -> list[Module]:
    found = package_modules()
    names = {m.name for m in found}
    assert {"csirtnet.app", "csirtnet.web.views.home", "csirtnet.incident.triage"} <= names
    return found


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_the_package_keeps_the_rule(rule: Callable[[Module], list[str]], modules: list[Module]) -> None:
    broken = [v for m in modules for v in rule(m)]
    assert not broken, f"{rule.__doc__}\n" + "\n".join(broken)


VIOLATIONS: list[tuple[Callable[[Module], list[str]], str, str]] = [
    (web_imports, "csirtnet.incident.public", "from csirtnet.web.render import render\n"),
    (web_imports, "csirtnet.cluster.labels", "from csirtnet.web import i18n\n"),
    (web_imports, "csirtnet.notification.render", 'PackageLoader("csirtnet.web", "templates/email")\n'),
    (view_queries, "csirtnet.web.views.members", "from sqlalchemy import select\n"),
    (view_queries, "csirtnet.web.views.admin", "from csirtnet.kit.pagination import paginate_keyset\n"),
    (view_queries, "csirtnet.web.views.home", "def page(session):\n    return session.scalar(q)\n"),
    (
        view_queries,
        "csirtnet.web.views.clusters",
        "def page(db: DbSession):\n    with db.begin_nested():\n        pass\n",
    ),
    (demo_imports, "csirtnet.incident.endpoints", "import csirtnet.incident.demo\n"),
    (demo_imports, "csirtnet.cluster.cli", "from csirtnet.cluster import demo\n"),
    (demo_imports, "csirtnet.ops.endpoints", "from csirtnet.demo import load_demo\n"),
    (string_permissions, "csirtnet.incident.service", 'require(who, "incidents:read")\n'),
    (string_permissions, "csirtnet.web.views.admin", 'authz.can(who, "users:write")\n'),
    (label_dicts, "csirtnet.web.views.incidents.common", 'PHASES = {"triage": N_("Triage"), "closed": N_("x")}\n'),
    (label_dicts, "csirtnet.cluster.plan", 'def f():\n    return {"a": N_("A"), "b": N_("B")}\n'),
    (access_decided_outside_authz, "csirtnet.web.views.clusters", "may = who.sees_everything\n"),
    (access_decided_outside_authz, "csirtnet.web.views.admin", "may = who.has_role(Role.ORG_ADMIN)\n"),
    (access_decided_outside_authz, "csirtnet.cluster.event.service", "if who.is_platform_admin:\n    pass\n"),
]


@pytest.mark.parametrize(("rule", "name", "source"), VIOLATIONS, ids=lambda v: getattr(v, "__name__", None))
def test_each_rule_catches_a_violating_snippet(rule: Callable[[Module], list[str]], name: str, source: str) -> None:
    assert rule(parse(name, source)), f"{rule.__name__} let this through in {name}:\n{source}"


def test_every_rule_has_a_violating_snippet() -> None:
    assert {r.__name__ for r in RULES} == {v[0].__name__ for v in VIOLATIONS}


@pytest.mark.parametrize(
    ("rule", "name", "source"),
    [
        (web_imports, "csirtnet.app", "from csirtnet.web.render import render\n"),
        (view_queries, "csirtnet.web.views.home", "def page(session: Session):\n    return reads.home(session)\n"),
        (demo_imports, "csirtnet.cli", "from csirtnet.demo import load_demo\n"),
        (demo_imports, "csirtnet.mobilisation.demo", "import csirtnet.incident.demo\n"),
        (string_permissions, "csirtnet.web.views.admin", "can(who, Permission.USERS_WRITE)\n"),
        (label_dicts, LABELS_HOME, 'PHASES = {"triage": N_("Triage"), "closed": N_("Closed")}\n'),
        (label_dicts, "csirtnet.web.forms", '_PYDANTIC_MESSAGES = {"missing": N_("x"), "enum": N_("y")}\n'),
        (access_decided_outside_authz, "csirtnet.authz.cluster", "may = who.sees_everything\n"),
    ],
)
def test_what_the_rules_allow(rule: Callable[[Module], list[str]], name: str, source: str) -> None:
    assert rule(parse(name, source)) == []


# -- templates -------------------------------------------------------------------------------

TEMPLATES = PACKAGE / "web" / "templates"
_TEMPLATE_ACCESS = re.compile(r"\b(sees_everything|has_role|is_platform_admin)\b|\bin\s+who\.roles\b")


def templates_decide_access(name: str, text: str) -> list[str]:
    """A template shows what the view (or render's `access`) says the subject may see; it does not
    read the subject's roles or reach itself."""
    return [
        f"{name}:{text.count(chr(10), 0, match.start()) + 1} reads {match.group(0)!r} (ask csirtnet.authz instead)"
        for match in _TEMPLATE_ACCESS.finditer(text)
    ]


def test_templates_ask_authz_what_a_page_shows() -> None:
    found = sorted(TEMPLATES.rglob("*.html"))
    assert len(found) > 50
    broken = [v for path in found for v in templates_decide_access(str(path.relative_to(TEMPLATES)), path.read_text())]
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize(
    "snippet",
    [
        "{% if who.sees_everything %}x{% endif %}",
        "{% if 'org_admin' in who.roles %}x{% endif %}",
        "{% if who and who.is_platform_admin %}x{% endif %}",
    ],
)
def test_the_template_rule_catches_a_violating_snippet(snippet: str) -> None:
    assert templates_decide_access("x.html", snippet)
    assert templates_decide_access("x.html", "{% if access.network_wide %}x{% endif %}") == []
