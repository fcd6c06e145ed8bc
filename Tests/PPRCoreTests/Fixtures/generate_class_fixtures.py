#!/usr/bin/env python3
"""Writes `classes.txt`, a hand-built graph for the per-class preset tests, and `classes.json`, its exact
PPR by networkx (the reference of DESIGN §1) for one source of each kind.

Run from this folder: `python3 generate_class_fixtures.py` (deterministic: `random.Random(11)`).

The graph (150 vertices) has every feature the source classes and the semantics care about:
- a hub: vertex 1 points to 2 ... 101 (out-degree 100, plus a self-loop); vertex 2 is the second hub;
- dangling vertices: 141 ... 150 have no out-edge (a walk there restarts from p);
- self-loops: 1 1, 2 2, 3 3, 50 50 (kept at ingest);
- multi-edges: 4 5 three times, 1 2 and 60 61 twice (they collapse to one edge at ingest, as in a
  networkx DiGraph);
- a low-degree chain: 120 -> 121 -> ... -> 130 -> 1;
- the rest: vertices 3 ... 140 (outside the chain) get 1 ... 4 out-edges to targets drawn with weight
  1 / id, so low ids gather in-edges (a scale-free-like in-degree); vertex 2 gets 30 such draws and
  points to every dangling vertex.
"""
import json
import sys
import random

sys.dont_write_bytecode = True  # importing generate_fixtures leaves no __pycache__

from generate_fixtures import case, load

HEADER = """# Hand-built graph for the per-class preset tests (generate_class_fixtures.py, 150 vertices).
# Hubs 1 (out-degree 100 + self-loop) and 2; dangling 141 ... 150; self-loops 1 1, 2 2, 3 3, 50 50;
# multi-edges 4 5 (x3), 1 2 (x2), 60 61 (x2); chain 120 -> ... -> 130 -> 1.
"""


def edges():
    rng = random.Random(11)
    ids = list(range(1, 151))
    weights = [1.0 / v for v in ids]
    lines = [(1, t) for t in range(2, 102)] + [(1, 1), (1, 2)]
    lines += [(2, 2), (3, 3), (50, 50), (4, 5), (4, 5), (4, 5), (60, 61), (60, 61)]
    lines += [(v, v + 1) for v in range(120, 130)] + [(130, 1)]
    lines += [(2, t) for t in range(141, 151)]
    for v in range(2, 141):
        if 120 <= v <= 130:
            continue
        count = 30 if v == 2 else rng.randint(1, 4)
        for t in rng.choices(ids, weights=weights, k=count):
            lines.append((v, t))
    return lines


def main():
    with open("classes.txt", "w") as f:
        f.write(HEADER)
        for source, target in edges():
            f.write(f"{source} {target}\n")
    graph = load("classes.txt")
    sources = [1, 2, 4, 50, 60, 125, 145]
    cases = [case(f"source {u}", graph, {u: 1.0}) for u in sources]
    ids = sorted(graph.nodes())
    with open("classes.json", "w") as f:
        json.dump({"graph": "classes.txt", "alpha": 0.15, "ids": ids, "cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
