"""Imports flow one way: entry points (newswire_cli) -> tools (newswire_tools) -> services -> kernel (newswire).

Every import statement counts, those inside functions too (the CLI imports a service only when
that service is asked for, and that is still a dependency).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("newswire", "services", "newswire_cli", "newswire_tools")


def part_of(module: str) -> str | None:
    """The architectural part a module belongs to: kernel, services.<name>, tools, entry, or None (third party)."""
    top, _, rest = module.partition(".")
    if top == "newswire":
        return "kernel"
    if top == "services":
        name = rest.partition(".")[0]
        return f"services.{name}" if name else "services"
    if top == "newswire_tools":
        return "tools"
    if top == "newswire_cli":
        return "entry"
    return None


def may_import(importer: str, imported: str) -> bool:
    if imported in (importer, "kernel"):
        return True
    if importer == "tools":
        return imported.startswith("services.")
    # The entry points may import anything; a service imports the kernel and itself, never another
    # service; the kernel imports nothing of ours but itself.
    return importer == "entry"


def imports_of(path: Path, module: str) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_bytes(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append((node.lineno, target))
    return found


def violations(root: Path) -> list[str]:
    bad = []
    for top in PACKAGES:
        for path in sorted((root / top).rglob("*.py")):
            relative = path.relative_to(root).with_suffix("")
            module = ".".join(relative.parts[:-1] if relative.name == "__init__" else relative.parts)
            importer = part_of(module)
            assert importer is not None
            for line, target in imports_of(path, module):
                imported = part_of(target)
                if imported is not None and not may_import(importer, imported):
                    bad.append(f"{path.relative_to(root)}:{line}: {importer} imports {target} ({imported})")
    return bad


def test_the_project_imports_only_downwards() -> None:
    assert violations(ROOT) == []


def test_the_kernel_is_the_shared_package_every_service_uses() -> None:
    # The check above is only worth something if it sees the real imports.
    seen = {
        part_of(target)
        for path in (ROOT / "services").rglob("*.py")
        for _, target in imports_of(path, ".".join(path.relative_to(ROOT).with_suffix("").parts))
    }
    assert {"kernel", "services.ingest", "services.store", "services.enrich"} <= seen


def _tree(root: Path, files: dict[str, str]) -> Path:
    for top in PACKAGES:
        (root / top).mkdir(parents=True, exist_ok=True)
        (root / top / "__init__.py").write_text("")
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_a_service_importing_another_service_is_caught(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "services/store/__init__.py": "",
            "services/enrich/__init__.py": "",
            "services/enrich/x.py": "def f():\n    from services.store import parser\n",
        },
    )
    assert violations(root) == ["services/enrich/x.py:2: services.enrich imports services.store (services.store)"]


def test_the_kernel_importing_a_service_or_an_entry_point_is_caught(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {"newswire/a.py": "import services.store.parser\nfrom newswire_cli import main\nfrom . import b\n"},
    )
    assert violations(root) == [
        "newswire/a.py:1: kernel imports services.store.parser (services.store)",
        "newswire/a.py:2: kernel imports newswire_cli (entry)",
    ]


def test_tools_importing_the_entry_points_is_caught(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"newswire_tools/bench.py": "from newswire_cli.embedded import EmbeddedRedis\n"})
    assert violations(root) == ["newswire_tools/bench.py:1: tools imports newswire_cli.embedded (entry)"]
