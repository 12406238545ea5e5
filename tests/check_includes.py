#!/usr/bin/env python3
"""check_includes: no include cycle among server/'s modules (TAP, make check).

A module is a .c/.h pair (conn.c and conn.h are "conn"; a header alone,
like server.h, is a module too). Module A depends on module B when any of
A's files has `#include "b.h"`. A cycle means no module in it can be
understood, tested or replaced without the others: the transport would
know every role. Each strongly connected component of the graph with more
than one module is reported with one concrete cycle through it, every
step with the file and line of its #include.

Usage: check_includes.py [DIR]   (default: $top_srcdir/server)
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def module_of(name):
    return os.path.splitext(os.path.basename(name))[0]


def graph(srcdir):
    """{module: {module it includes: (file, line)}} for the .c/.h files of srcdir."""
    files = sorted(f for f in os.listdir(srcdir) if f.endswith((".c", ".h")))
    modules = {module_of(f) for f in files}
    edges = {m: {} for m in modules}
    for f in files:
        a = module_of(f)
        with open(os.path.join(srcdir, f), errors="replace") as fh:
            for n, line in enumerate(fh, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                b = module_of(m.group(1))
                if b != a and b in modules and b not in edges[a]:
                    edges[a][b] = (f, n)
    return edges


def components(edges):
    """Strongly connected components with more than one module (Tarjan,
    iterative: no recursion limit to worry about)."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges[w]))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
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
    return out


def a_cycle(edges, comp):
    """One cycle through the component's first module (shortest, by BFS)."""
    start, inside = comp[0], set(comp)
    prev, queue = {start: None}, [start]
    for v in queue:
        for w in sorted(edges[v]):
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return list(reversed(path)) + [start]
            if w in inside and w not in prev:
                prev[w] = v
                queue.append(w)
    return [start]


def main():
    top = os.environ.get("top_srcdir", os.path.join(os.path.dirname(__file__), ".."))
    srcdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(top, "server")
    edges = graph(srcdir)
    comps = components(edges)
    print("1..1")
    if not comps:
        print("ok 1 - no include cycle among the %d modules of %s" % (len(edges), srcdir))
        return 0
    print("not ok 1 - include cycles among the modules of %s" % srcdir)
    for comp in comps:
        print("#   %d modules include one another: %s" % (len(comp), " ".join(comp)))
        cycle = a_cycle(edges, comp)
        print("#   for example:")
        for a, b in zip(cycle, cycle[1:]):
            f, n = edges[a][b]
            print("#     %s -> %s   (%s:%d)" % (a, b, f, n))
    return 1


if __name__ == "__main__":
    sys.exit(main())
