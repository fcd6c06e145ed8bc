#!/usr/bin/env python3
"""Regenerates the exact-PPR fixtures of PPRCoreTests with networkx (the reference of DESIGN §1).

Run from this folder: `python3 generate_fixtures.py`. Writes `tiny.json` and `email-Eu-core.json`.

Semantics: a walk stops with probability alpha at each step (networkx's `alpha` is the continuation
probability, 1 - alpha) and restarts from p at a dangling vertex, hence `dangling=p` (networkx's
default too, passed explicitly). Duplicate edges collapse in a DiGraph; self-loops are kept.
`tol` is tighter than the 1e-12 that would do for L1 < 1e-8, because networkx stops when the L1
change of one iteration is below N * tol, and the error then is still about change * (1-alpha)/alpha.
For the tiny graph the file also holds `pt_u` (dangling walks dropped, not restarted; DESIGN §1),
solved directly as alpha * (I - (1-alpha) P^T)^-1 e_u, an oracle independent of any iteration.
"""
import json
import random

import networkx as nx
import numpy as np

ALPHA = 0.15
TOL = 1e-15


def load(path):
    graph = nx.DiGraph()
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            source, target = line.split()[:2]
            graph.add_edge(int(source), int(target))
    return graph


def exact_ppr(graph, personalization):
    scores = nx.pagerank(graph, alpha=1 - ALPHA, personalization=personalization,
                         dangling=personalization, tol=TOL, max_iter=100000)
    return [scores[v] for v in sorted(graph.nodes())]


def truncated_ppr(graph, ids, u):
    index = {v: i for i, v in enumerate(ids)}
    n = len(ids)
    transition = np.zeros((n, n))
    for v in ids:
        out = list(graph.successors(v))
        for w in out:
            transition[index[v], index[w]] = 1.0 / len(out)
    start = np.zeros(n)
    start[index[u]] = 1.0
    return list(ALPHA * np.linalg.solve(np.eye(n) - (1 - ALPHA) * transition.T, start))


def case(name, graph, personalization):
    return {"name": name, "personalization": [[v, w] for v, w in personalization.items()],
            "scores": exact_ppr(graph, personalization)}


def write(path, graph_file, graph, cases, extra=None):
    ids = sorted(graph.nodes())
    document = {"graph": graph_file, "alpha": ALPHA, "ids": ids, "cases": cases}
    document.update(extra or {})
    with open(path, "w") as f:
        json.dump(document, f, indent=1)
        f.write("\n")


def main():
    tiny = load("tiny.txt")
    ids = sorted(tiny.nodes())
    cases = [case(f"source {u}", tiny, {u: 1.0}) for u in ids]
    cases.append(case("weighted 1,7,1000", tiny, {1: 2.0, 7: 1.0, 1000: 1.0}))
    truncated = [{"source": u, "pt": truncated_ppr(tiny, ids, u)} for u in ids]
    write("tiny.json", "tiny.txt", tiny, cases, {"truncated": truncated})

    email = load("email-Eu-core.txt")
    rng = random.Random(7)
    sources = rng.sample(sorted(email.nodes()), 5)
    cases = [case(f"source {u}", email, {u: 1.0}) for u in sources]
    weighted = {sources[0]: 0.5, sources[1]: 0.3, 160: 0.2}
    cases.append(case("weighted", email, weighted))
    write("email-Eu-core.json", "email-Eu-core.txt", email, cases)


if __name__ == "__main__":
    main()
