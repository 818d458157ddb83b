"""Lists the cases of integration test modules for CTest, one `module|unittest-id` line each.

Each case becomes its own CTest test, so `ctest -j` runs the minutes-long cases side by side
instead of one after another inside a module. A class with a `setUpClass` (an expensive
fixture shared by its cases, such as a built package) stays one test. Read statically with
`ast`: nothing is imported, so listing never starts a server or needs a build.

Usage: list_cases.py MODULE.py...
"""
import ast
import os
import sys


def test_classes(tree):
    """Yields (class name, [test method names], shares_a_fixture) for each class with cases."""
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}

    def own(node, prefix):
        return [item.name for item in node.body
                if isinstance(item, ast.FunctionDef) and item.name.startswith(prefix)]

    def lineage(node):
        """The class and its ancestors defined in the same module, nearest first."""
        seen = [node]
        for base in node.bases:
            if isinstance(base, ast.Name) and base.id in classes:
                seen += [c for c in lineage(classes[base.id]) if c not in seen]
        return seen

    for name, node in classes.items():
        methods = []
        for cls in lineage(node):
            methods += [m for m in own(cls, "test") if m not in methods]
        if methods:
            shared = any(own(cls, "setUpClass") for cls in lineage(node))
            yield name, methods, shared


def main(paths):
    for path in paths:
        module = os.path.splitext(os.path.basename(path))[0]
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), path)
        for name, methods, shared in test_classes(tree):
            ids = [name] if shared else [f"{name}.{m}" for m in methods]
            for case in ids:
                print(f"{module}|{case}")


if __name__ == "__main__":
    main(sys.argv[1:])
