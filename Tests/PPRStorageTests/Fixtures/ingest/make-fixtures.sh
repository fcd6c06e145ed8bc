#!/bin/sh
# Regenerates the small ingest fixtures (run from this folder). email-Eu-core.txt is a copy of the
# SNAP dataset (1005 vertices, 25571 edges) and is not generated.
set -eu
# tiny.txt: 7 vertices, 10 edge lines -> 9 distinct edges, 1 duplicate, 2 self-loops (3 3, 4 4),
# 1 dangling vertex (6); tabs, a CRLF line, a blank line, comments and the largest 64-bit id.
printf '# tiny graph for ingest tests\n# FromNodeId\tToNodeId\n1 2\n1\t3\n  2   3  \n3 1\r\n\n3 3\n1 2\n4 4\n18446744073709551615 1\n5 1\n# a comment in the middle\n1 6' > tiny.txt
gzip -n -9 -c tiny.txt > tiny.txt.gz
# Two gzip members, as `cat a.gz b.gz` makes: the first half of the lines, then the rest.
head -n 7 tiny.txt | gzip -n -c > tiny-concat.txt.gz
tail -n +8 tiny.txt | gzip -n -c >> tiny-concat.txt.gz
# Cut before the end marker.
size=$(wc -c < tiny.txt.gz)
head -c $((size - 12)) tiny.txt.gz > truncated.txt.gz
# Flip one byte of the CRC-32 trailer: inflates fully, then fails the integrity check.
python3 - <<'PY'
data = bytearray(open("tiny.txt.gz", "rb").read())
data[-8] ^= 0xFF
open("corrupt-crc.txt.gz", "wb").write(data)
data = bytearray(open("tiny.txt.gz", "rb").read())
data[12] ^= 0x55  # inside the deflate stream
open("corrupt-deflate.txt.gz", "wb").write(data)
PY
printf 'source,target,weight\n1,2,0.5\n1,3,1\n2,3,2\n3,1,1\n3,3,1\n1,2,7\n4,4,1\n18446744073709551615,1,1\n5,1,1\n1,6,1\n' > tiny.csv
gzip -n -c tiny.csv > tiny.csv.gz
# tiny.csv as weighted SNAP text (weights in the third column, tabs and a comment), and gzipped.
printf '# tiny weighted graph\n1 2 0.5\n1\t3\t1\n2 3 2\n3 1 1\n3 3 1\n1 2 7\n4 4 1.0\n18446744073709551615 1 1e0\n5 1 1\n1 6 1' > tiny-weighted.txt
gzip -n -c tiny-weighted.txt > tiny-weighted.txt.gz
# The graph files of tiny.txt (format version 1) and tiny.csv read with weights (version 2).
python3 make-graph-fixtures.py
printf '1,2\n2,3\n' > no-header.csv
printf 'src,dst\n1,2\n2,x\n' > bad-column.csv
printf '# nothing but comments\n\n# and blank lines\n' > comments-only.txt
