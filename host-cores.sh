#!/usr/bin/env bash
# The README's check of whether this host's two CPUs work as two cores for the engine's loops ("Through the
# front"): each of two small C loops runs alone, then two copies at once.
#   ./host-cores.sh
# gather: sums 8 Mi random reads from a 1 MiB array of doubles (as a query's step reads its terms), 200 times;
# arith: 400 M dependent 64-bit multiply-adds (no memory). On two real cores each copy of a pair takes about
# its time alone; on two hyperthreads of one core the memory-bound copies slow each other down.
set -euo pipefail
CC=${CC:-$(command -v cc || command -v clang || command -v gcc || true)}
[ -n "$CC" ] || { echo "host-cores.sh: needs a C compiler (cc, clang or gcc)" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat > "$dir/gather.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
int main(void) {
    int n = 1 << 17;
    double *x = malloc(n * sizeof *x);
    int *idx = malloc(8 * n * sizeof *idx);
    for (int i = 0; i < n; i++) x[i] = i;
    unsigned s = 1;
    for (int i = 0; i < 8 * n; i++) { s = s * 1103515245u + 12345u; idx[i] = (s >> 8) % n; }
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    double sum = 0;
    for (int r = 0; r < 200; r++) for (int i = 0; i < 8 * n; i++) sum += x[idx[i]];
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%.3f s (%g)\n", (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9, sum);
    return 0;
}
C
cat > "$dir/arith.c" <<'C'
#include <stdio.h>
#include <time.h>
int main(void) {
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    unsigned long s = 1;
    for (long i = 0; i < 400000000; i++) s = s * 6364136223846793005ul + 1442695040888963407ul;
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%.3f s (%lu)\n", (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9, s);
    return 0;
}
C
for loop in gather arith; do
    "$CC" -O2 "$dir/$loop.c" -o "$dir/$loop"
    echo "$loop alone:   $("$dir/$loop")"
    "$dir/$loop" > "$dir/a.out" & "$dir/$loop" > "$dir/b.out" & wait
    echo "$loop, 2 at once: $(cat "$dir/a.out") and $(cat "$dir/b.out")"
done
