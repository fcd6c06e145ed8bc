#!/usr/bin/env python3
"""What solving the self-loop term in the PPR-equation step would buy (README "A second host").

The service's step is M x = (1 - alpha) P^T x + (alpha sum(x) + (1 - alpha) D(x)) p (PPREquationStep).
On a vertex v with a self-loop, (P^T x)(v) includes x(v) P(v, v), so a step keeps part of v's own
Monte Carlo noise. The variant solves that term: x'(v) = (the same sum over the in-edges other than
the loop, plus the restart term) / (1 - (1 - alpha) P(v, v)). Exact PPR is a fixed point of both; the
variant does not preserve the mass, so its result is renormalised here.

For sampled hub (top 1 % by out-degree) and uniform (out-degree >= 1) sources, this script takes the
service's unstepped answer (`pwctl query --smoothing-steps 0 --top 100000 --json`, local index), applies
two steps of M (checked equal to the service's own `default` answer) and two of the variant, and
compares each with exact PPR (power iteration) on L1, precision@10 and @100, strict and tie-aware
(as `pwbench engine` defines them).

Usage, from the repository root after `swift build -c release`:
    python3 step-selfloops.py ../shared/data/soc-Slashdot0902.txt.gz [--sources 25] [--seed 11]
Needs numpy and scipy. Unweighted SNAP edge lists only.
"""
import argparse
import gzip
import json
import os
import random
import subprocess
import tempfile

import numpy as np
import scipy.sparse as sp

ALPHA = 0.15
PWCTL = os.path.join(os.path.dirname(os.path.abspath(__file__)), ".build/release/pwctl")


def read_edges(path):
    opener = gzip.open if path.endswith(".gz") else open
    sources, targets = [], []
    with opener(path, "rt") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            a, b = line.split()[:2]
            sources.append(int(a))
            targets.append(int(b))
    return np.array(sources), np.array(targets)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("edges")
    parser.add_argument("--sources", type=int, default=25, help="sources per class")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="step-selfloops-")
    graph = os.path.join(work, "graph.pwg")
    store = os.path.join(work, "store")
    subprocess.run([PWCTL, "ingest", args.edges, "--out", graph], check=True, capture_output=True)
    subprocess.run([PWCTL, "index", "--graph", graph, "--store", store], check=True, capture_output=True)

    src, dst = read_edges(args.edges)
    ids = np.unique(np.concatenate([src, dst]))
    n = len(ids)
    position = {v: i for i, v in enumerate(ids)}
    s = np.searchsorted(ids, src)
    t = np.searchsorted(ids, dst)
    degree = np.bincount(s, minlength=n).astype(float)
    loops = np.bincount(s[s == t], minlength=n).astype(float)
    loop_share = np.where(degree > 0, loops / np.maximum(degree, 1), 0.0)
    inverse = np.where(degree > 0, 1 / np.maximum(degree, 1), 0.0)
    pull = sp.csr_matrix((inverse[s], (t, s)), shape=(n, n))
    other = s != t
    pull_without_loops = sp.csr_matrix((inverse[s[other]], (t[other], s[other])), shape=(n, n))
    dangling = degree == 0
    print(f"{n} vertices, {len(s)} edges, {int((loops > 0).sum())} with a self-loop, "
          f"{int(((loops == degree) & (degree > 0)).sum())} with no other out-edge")

    def restart(x):
        return ALPHA * x.sum() + (1 - ALPHA) * x[dangling].sum()

    def step(x, p):
        return (1 - ALPHA) * (pull @ x) + restart(x) * p

    def step_solving_loops(x, p):
        return ((1 - ALPHA) * (pull_without_loops @ x) + restart(x) * p) / (1 - (1 - ALPHA) * loop_share)

    def exact(p):
        x = p.copy()
        for _ in range(300):
            y = step(x, p)
            if np.abs(y - x).sum() < 1e-13:
                break
            x = y
        return y

    def answer(vertex, unstepped):
        extra = ["--smoothing-steps", "0"] if unstepped else []
        out = subprocess.check_output(
            [PWCTL, "query", "--graph", graph, "--store", store, "--source", str(vertex), "--top", "100000",
             "--json"] + extra)
        x = np.zeros(n)
        for r in json.loads(out)["results"]:
            x[position[r["vertex"]]] = r["score"]
        return x

    def precision(x, e, k):
        order = np.arange(n)
        top = np.lexsort((order, -x))[:k]
        truth = np.lexsort((order, -e))[:k]
        strict = len(set(top) & set(truth)) / k
        kth = e[truth[-1]]
        aware = float(np.mean(e[top] >= kth - max(1e-9, 1e-4 * kth)))
        return strict, aware

    rng = random.Random(args.seed)
    hubs = list(np.argsort(-degree, kind="stable")[: max(1, n // 100)])
    uniform = [i for i in range(n) if degree[i] > 0]
    for name, pool in [("hub", hubs), ("uniform", uniform)]:
        rows = {"service (2 steps of M)": [], "numpy, 2 steps of M": [], "2 steps solving self-loops": []}
        for v in rng.sample(pool, min(args.sources, len(pool))):
            p = np.zeros(n)
            p[v] = 1
            e = exact(p)
            x0 = answer(int(ids[v]), unstepped=True)
            solved = step_solving_loops(step_solving_loops(x0, p), p)
            candidates = {
                "service (2 steps of M)": answer(int(ids[v]), unstepped=False),
                "numpy, 2 steps of M": step(step(x0, p), p),
                "2 steps solving self-loops": solved / solved.sum(),
            }
            for label, x in candidates.items():
                rows[label].append((np.abs(x - e).sum(),) + precision(x, e, 10) + precision(x, e, 100))
        for label, values in rows.items():
            m = np.array(values).mean(axis=0)
            print(f"{name:8} {label:28} L1 {m[0]:.4f}  P@10 {m[1]:.4f} (tie-aware {m[2]:.4f})  "
                  f"P@100 {m[3]:.4f} (tie-aware {m[4]:.4f})")


if __name__ == "__main__":
    main()
