"""Only views and exception views know HTTP: a piece's domain modules raise its own errors."""
import ast
import pathlib

import pytest

import svc

HTTP_AWARE = {"__init__.py", "views.py", "problems.py", "openapi.py"}
DOMAIN_MODULES = [
    path
    for piece in ("dns", "fetch")
    for path in sorted((pathlib.Path(svc.__file__).parent / piece).glob("*.py"))
    if path.name not in HTTP_AWARE
]


@pytest.mark.parametrize("path", DOMAIN_MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_domain_module_does_not_build_problems(path):
    tree = ast.parse(path.read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not imported & {"svc.web.problems", "svc.web.errors"}
