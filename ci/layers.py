#!/usr/bin/env python3
"""layers.py BUILD_DIR [--dot] [--root=DIR] - checks the architecture of src/.

The parts and the one direction allowed between them (docs/ARCHITECTURE.md):

    lib  <-  journal  <-  trace
                      <-  cli

lib (src/lib, include/) depends on libc only; journal on lib; trace and cli
on journal and lib; trace and cli never on each other.

A module is a .c file and the .h of the same name beside it (a header
without a .c is a module of its own). Module A depends on module B when a
file of A includes a file of B (#include "...") or when an object of A
uses a symbol that an object of B defines (nm on BUILD_DIR/src/**/*.o:
the call graph; the libc functions the tracer interposes count as libc's). The check fails when
  - a module depends on a part it may not depend on, or
  - the module graph has a cycle (a cycle inside one part too: layers
    within a part must run one way).
Prints every module's dependencies (--dot: a Graphviz graph instead) and
one line "layers: ok" or the violations. --root=DIR checks another tree
(the tests give it trees with known faults).
"""
import glob
import os
import re
import subprocess
import sys

ALLOWED = {
    "lib": set(),
    "journal": {"lib"},
    "trace": {"journal", "lib"},
    "cli": {"journal", "lib"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def part_of(path):
    if path.startswith("include/"):
        return "lib"
    return path.split("/")[1]


def module_of(path):
    """src/cli/analyze.c and src/cli/analyze.h -> src/cli/analyze."""
    if path.startswith("include/"):
        return "src/lib/" + os.path.splitext(os.path.basename(path))[0]
    return os.path.splitext(path)[0]


def resolve(src, name):
    for base in (os.path.dirname(src), "src", "include"):
        cand = os.path.normpath(os.path.join(base, name))
        if os.path.isfile(cand):
            return cand
    return None


def include_edges(files):
    edges = set()
    problems = []
    for f in files:
        with open(f, encoding="utf-8") as fh:
            text = fh.read()
        for name in INCLUDE.findall(text):
            target = resolve(f, name)
            if target is None:
                problems.append("%s: includes \"%s\", not found" % (f, name))
                continue
            if module_of(target) != module_of(f):
                edges.add((module_of(f), module_of(target), "include"))
    return edges, problems


def nm(objs, flags):
    """{object: set of symbol names} from one nm run over all objects."""
    out = subprocess.run(["nm", "-A"] + flags + objs, capture_output=True,
                         text=True, check=True).stdout
    found = {o: set() for o in objs}
    for line in out.splitlines():  # "path.o:[address] TYPE name"
        for o in objs:
            if line.startswith(o + ":") and line[len(o) + 1:].split():
                found[o].add(line.split()[-1])
                break
    return found


def interposed():
    """libc's names that the tracer defines to interpose them
    (src/trace/exports.map): a call to them is a call to libc. Its own
    exported names (shmc_*, the library's query) are not libc's."""
    if not os.path.isfile("src/trace/exports.map"):
        return set()
    with open("src/trace/exports.map", encoding="utf-8") as fh:
        text = re.sub(r"/\*.*?\*/", "", fh.read(), flags=re.S)
    body = text.split("global:")[1].split("local:")[0]
    names = {n.strip() for n in body.split(";") if n.strip()}
    return {n for n in names if not n.startswith("shmc_")}  # its own


def call_edges(build):
    owner, uses = {}, {}
    libc = interposed()
    objs = []
    for o in sorted(glob.glob(os.path.join(build, "src", "*", "*.o"))):
        if os.path.isfile(os.path.relpath(o, build)[:-2] + ".c"):
            objs.append(o)  # else left in the build dir by a removed source
    if not objs:
        sys.exit("layers.py: no objects under %s/src: build first" % build)
    defined, used = nm(objs, ["--defined-only", "-g"]), nm(objs, ["-u"])
    for o in objs:
        mod = module_of(os.path.relpath(o, build)[:-2])
        for s in defined[o] - libc:
            owner[s] = mod
        uses[mod] = uses.get(mod, set()) | used[o]
    edges = set()
    for mod, used in uses.items():
        for s in used:
            if s in owner and owner[s] != mod:
                edges.add((mod, owner[s], "call"))
    return edges


def cycles(nodes, adj):
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(adj.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        sys.exit("usage: ci/layers.py BUILD_DIR [--dot] [--root=DIR]")
    args[0] = os.path.abspath(args[0])
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    for i, a in enumerate(sys.argv):
        if a.startswith("--root="):
            root = a[len("--root="):]
    os.chdir(root)
    files = sorted(glob.glob("src/*/*.[ch]") + glob.glob("include/*.h"))
    edges, problems = include_edges(files)
    edges |= call_edges(args[0])
    nodes = {module_of(f) for f in files}
    adj = {}
    for a, b, _ in edges:
        adj.setdefault(a, set()).add(b)
    for a, b, how in sorted(edges):
        pa, pb = part_of(a), part_of(b)
        if pa != pb and pb not in ALLOWED[pa]:
            problems.append("%s -> %s (%s): %s may not depend on %s"
                            % (a, b, how, pa, pb))
    for comp in cycles(nodes, adj):
        problems.append("cycle: " + " <-> ".join(comp))
    if "--dot" in sys.argv:
        print("digraph src {")
        for a, b in sorted({(a, b) for a, b, _ in edges}):
            print('  "%s" -> "%s";' % (a[4:], b[4:]))
        print("}")
    else:
        for mod in sorted(nodes):
            deps = sorted(adj.get(mod, ()))
            print("%-24s -> %s" % (mod[4:], ", ".join(d[4:] for d in deps)
                                   or "-"))
    for p in problems:
        print("layers: " + p, file=sys.stderr)
    if problems:
        print("layers: %d violation(s)" % len(problems))
        return 1
    print("layers: ok (%d modules, %d dependencies, no cycle)"
          % (len(nodes), len({(a, b) for a, b, _ in edges})))
    return 0


if __name__ == "__main__":
    sys.exit(main())
