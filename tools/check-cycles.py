#!/usr/bin/env python3
"""Fails when the modules of a crate depend on each other in a circle, or when a web feature names another feature.

A module depends on another when its code names a path into it: `crate::db::notices::…`, `super::access::…`,
`use super::{pages, error}`, a child named bare in its parent (`access::allow`)… (comments, strings and
`#[cfg(test)] mod tests` are left out). Every such reference counts, parent and children included, except declaring: a `mod` line, a `pub use` of one's
own child, and anything in the crate root (it declares the modules and is the crate's public face). Each crate is checked on its own.

    python3 tools/check-cycles.py            # the main crate, the planner, the document engine, the fixtures
    python3 tools/check-cycles.py planner    # one crate, by folder
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The web layer's shared modules: every feature may use them, they use no feature. Any other child of `web` is a
# feature, which names shared modules and its own children only, never another feature (only `web/mod.rs`,
# which chains them, knows them all).
WEB_SHARED = {
    "access", "body", "cache", "client", "error", "form", "html", "json", "list_query", "query", "reply", "routes", "server",
    "state", "svg", "templates", "wording",
}

CRATES = {".": "src", "planner": "planner/src", "document": "document/src", "fixtures": "fixtures-gen/src"}


def module_of(src: Path, file: Path) -> tuple:
    parts = list(file.relative_to(src).with_suffix("").parts)
    if parts[-1] in ("lib", "main", "mod"):
        parts.pop()
    return tuple(parts)


def strip(code: str) -> str:
    """The code without comments, string and char literals, and without its test module."""
    cut = re.search(r"#\[cfg\(test\)\]\s*mod\s+\w+\s*\{", code)
    if cut:
        code = code[: cut.start()]
    out, i, n = [], 0, len(code)
    while i < n:
        c = code[i]
        if code.startswith("//", i):
            j = code.find("\n", i)
            i = n if j < 0 else j
        elif code.startswith("/*", i):
            j = code.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif re.match(r'r#*"', code[i : i + 8]) and (i == 0 or not (code[i - 1].isalnum() or code[i - 1] == "_")):
            hashes = re.match(r"r(#*)\"", code[i:]).group(1)
            j = code.find('"' + hashes, i + 2 + len(hashes))
            i = n if j < 0 else j + 1 + len(hashes)
            out.append('""')
        elif c == '"':
            j = i + 1
            while j < n and code[j] != '"':
                j += 2 if code[j] == "\\" else 1
            i = j + 1
            out.append('""')
        elif c == "'" and re.match(r"'(\\.|[^\\'])'|'\\u\{[0-9a-fA-F]+\}'", code[i:]):
            i += len(re.match(r"'(\\.|[^\\'])'|'\\u\{[0-9a-fA-F]+\}'", code[i:]).group(0))
        else:
            out.append(c)
            i += 1
    return "".join(out)


def expand_use(tree: str) -> list:
    """`a::{b, c::{d, e}}` → [`a::b`, `a::c::d`, `a::c::e`] (as text, spaces removed)."""
    tree = re.sub(r"\s+", "", re.sub(r"\s+as\s+\w+", "", tree))
    depth, start = 0, None
    for k, ch in enumerate(tree):
        if ch == "{":
            if depth == 0:
                start = k
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                prefix, inner, rest = tree[:start], tree[start + 1 : k], tree[k + 1 :]
                items, d, last = [], 0, 0
                for m, ch2 in enumerate(inner):
                    if ch2 == "{":
                        d += 1
                    elif ch2 == "}":
                        d -= 1
                    elif ch2 == "," and d == 0:
                        items.append(inner[last:m])
                        last = m + 1
                items.append(inner[last:])
                return [p for item in items if item for p in expand_use(prefix + item + rest)]
    return [tree]


PATH = re.compile(r"\b(?:crate|super|self)(?:::(?:super|[A-Za-z_][A-Za-z0-9_]*))+")


def references(code: str) -> list:
    """(line, path, re-exported?) for every path into this crate the code names."""
    found = []
    for m in re.finditer(r"(\bpub(?:\([\w:]+\))?\s+)?\buse\s+([^;]+);", code):
        for p in expand_use(m.group(2)):
            found.append((code.count("\n", 0, m.start()) + 1, p, m.group(1) is not None))
    without_uses = re.sub(r"\buse\s+[^;]+;", lambda m: "\n" * m.group(0).count("\n"), code)
    for m in PATH.finditer(without_uses):
        found.append((without_uses.count("\n", 0, m.start()) + 1, m.group(0), False))
    return found


def resolve(current: tuple, path: str, modules: set):
    parts = path.split("::")
    if parts[0] == "crate":
        base, rest = (), parts[1:]
    elif parts[0] in ("super", "self"):
        base = list(current)
        k = 0
        while k < len(parts) and parts[k] in ("super", "self"):
            if parts[k] == "super":
                base.pop()
            k += 1
        base, rest = tuple(base), parts[k:]
    else:
        return None
    target = base
    for part in rest:
        if target + (part,) in modules:
            target = target + (part,)
        else:
            break
    return target


def check(crate: str, src: Path) -> list:
    files = {module_of(src, f): f for f in sorted(src.rglob("*.rs")) if f.name != "main.rs" or not (src / "lib.rs").exists()}
    modules = set(files)
    edges = {}
    for module, file in files.items():
        if module == ():
            # The crate root declares the modules and is the crate's public face: it may name them all.
            continue
        code = strip(file.read_text(encoding="utf-8"))
        # A child module named bare (`access::allow` in the parent that declares `mod access`).
        children = [m[-1] for m in modules if len(m) == len(module) + 1 and m[: len(module)] == module]
        found = references(code)
        without_uses = re.sub(r"\buse\s+[^;]+;", lambda m: "\n" * m.group(0).count("\n"), code)
        found += [
            (without_uses.count("\n", 0, m.start()) + 1, "self::" + m.group(1), False)
            for child in children
            for m in re.finditer(r"(?<![:\w])(" + child + r")::", without_uses)
        ]
        for m in re.finditer(r"(\bpub(?:\([\w:]+\))?\s+)?\buse\s+([^;]+);", code):
            for p in expand_use(m.group(2)):
                if p.split("::")[0] in children:
                    found.append((code.count("\n", 0, m.start()) + 1, "self::" + p, m.group(1) is not None))
        for line, path, reexport in found:
            target = resolve(module, path, modules)
            if target is None or target == module:
                continue
            if reexport and target[: len(module)] == module:
                continue  # Re-exporting a child is part of declaring it.
            edges.setdefault(module, {}).setdefault(target, (file.relative_to(ROOT), line))
    # Tarjan's strongly connected components.
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on.discard(w)
                scc.append(w)
                if w == v:
                    break
            if len(scc) > 1:
                sccs.append(scc)

    sys.setrecursionlimit(10_000)
    for v in sorted(modules):
        if v not in index:
            visit(v)
    name = lambda m: "::".join(("crate",) + m)
    problems = []
    if crate == ".":
        for a, targets in sorted(edges.items()):
            for b, (file, line) in sorted(targets.items()):
                if len(a) < 2 or len(b) < 2 or a[0] != "web" or b[0] != "web" or a[1] == b[1]:
                    continue
                if b[1] not in WEB_SHARED:
                    who = "a shared web module" if a[1] in WEB_SHARED else "a web feature"
                    problems.append(f"{crate}: {who} names another feature: {name(a)} -> {name(b)}  ({file}:{line})")
    for scc in sccs:
        members = set(scc)
        lines = [f"{crate}: modules in a circle: {', '.join(sorted(name(m) for m in scc))}"]
        for a in sorted(members):
            for b, (file, line) in sorted(edges.get(a, {}).items()):
                if b in members:
                    lines.append(f"    {name(a)} -> {name(b)}  ({file}:{line})")
        problems.append("\n".join(lines))
    return problems


def main():
    wanted = sys.argv[1:] or [c for c in CRATES if (ROOT / CRATES[c]).exists()]
    problems = []
    for crate in wanted:
        problems += check(crate, ROOT / CRATES[crate])
    for p in problems:
        print(p)
    if problems:
        sys.exit(1)
    print(f"no module cycles in {', '.join(wanted)}; no web feature names another")


if __name__ == "__main__":
    main()
