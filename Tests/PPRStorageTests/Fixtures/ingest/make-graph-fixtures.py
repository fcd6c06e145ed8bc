#!/usr/bin/env python3
"""Writes tiny.pwg and tiny-weighted.pwg, the graph files of tiny.txt and tiny.csv (run from this folder).

An implementation of the graph file layout (Sources/PPRCore/Graph/GraphFileFormat.swift) and of XXH64
independent of the Swift code, so the tests can check that an unweighted graph is still written byte for
byte as format version 1 (existing files and their checksums stay valid) and that a weighted graph's file
(format version 2) holds the summed weights. Prints each file's checksum as the tests quote it.
"""
import struct

MASK = (1 << 64) - 1
P1, P2, P3, P4, P5 = (0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                      0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5)


def rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & MASK


def xxh64_round(acc, lane):
    return (rotl((acc + lane * P2) & MASK, 31) * P1) & MASK


def xxh64(data):
    """XXH64 with seed 0 (reference algorithm by Yann Collet)."""
    n, i = len(data), 0
    word = lambda at: int.from_bytes(data[at:at + 8], "little")
    if n >= 32:
        v = [(P1 + P2) & MASK, P2, 0, (-P1) & MASK]
        while i + 32 <= n:
            v = [xxh64_round(v[k], word(i + 8 * k)) for k in range(4)]
            i += 32
        h = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) & MASK
        for lane in v:
            h = ((h ^ xxh64_round(0, lane)) * P1 + P4) & MASK
    else:
        h = P5
    h = (h + n) & MASK
    while i + 8 <= n:
        h = (rotl(h ^ xxh64_round(0, word(i)), 27) * P1 + P4) & MASK
        i += 8
    if i + 4 <= n:
        h = (rotl(h ^ (int.from_bytes(data[i:i + 4], "little") * P1 & MASK), 23) * P2 + P3) & MASK
        i += 4
    while i < n:
        h = (rotl(h ^ (data[i] * P5 & MASK), 11) * P1) & MASK
        i += 1
    h ^= h >> 33
    h = (h * P2) & MASK
    h ^= h >> 29
    h = (h * P3) & MASK
    return h ^ (h >> 32)


assert xxh64(b"abc") == 0x44BC2CF5AD770999
assert xxh64(b"The quick brown fox jumps over the lazy dog") == 0x0B242D361FDA71BC


def graph_file(edges):
    """edges: {(src, dst): weight or None}. Returns (file bytes, checksum)."""
    ids = sorted({v for edge in edges for v in edge})
    index = {v: i for i, v in enumerate(ids)}
    ordered = sorted(edges, key=lambda e: (index[e[0]], index[e[1]]))
    weighted = any(w is not None for w in edges.values())
    offsets = [0] * (len(ids) + 1)
    for s, _ in ordered:
        offsets[index[s] + 1] += 1
    for v in range(len(ids)):
        offsets[v + 1] += offsets[v]
    payload = b"".join(struct.pack("<Q", o) for o in offsets)
    payload += b"".join(struct.pack("<I", index[d]) for _, d in ordered)
    if len(ordered) % 2:
        payload += b"\0" * 4
    payload += b"".join(struct.pack("<Q", v) for v in ids)
    if weighted:
        payload += b"".join(struct.pack("<d", edges[e]) for e in ordered)
    checksum = xxh64(payload)
    header = b"PWGRAPH\0" + struct.pack("<IIQQQ", 2 if weighted else 1, 0, len(ids), len(ordered), checksum)
    return header + b"\0" * (64 - len(header)) + payload, checksum


def snap_edges(path):
    edges = {}
    for line in open(path, encoding="utf-8"):
        fields = line.split()
        if fields and not fields[0].startswith("#"):
            edges[(int(fields[0]), int(fields[1]))] = None
    return edges


def csv_weighted_edges(path):
    """Duplicate edges sum their weights, as GraphBuilder merges them."""
    edges = {}
    for line in list(open(path, encoding="utf-8"))[1:]:
        s, d, w = line.strip().split(",")
        edges[(int(s), int(d))] = edges.get((int(s), int(d)), 0.0) + float(w)
    return edges


for name, edges in [("tiny.pwg", snap_edges("tiny.txt")), ("tiny-weighted.pwg", csv_weighted_edges("tiny.csv"))]:
    data, checksum = graph_file(edges)
    open(name, "wb").write(data)
    print(f"{name}: {len(data)} bytes, checksum 0x{checksum:016x}")
# The bundled graph's checksum (the file itself is not committed; the tests compare the checksum).
data, checksum = graph_file(snap_edges("email-Eu-core.txt"))
print(f"email-Eu-core graph file: {len(data)} bytes, checksum 0x{checksum:016x}")
