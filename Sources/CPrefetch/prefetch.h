#pragma once
// A cache prefetch hint for Swift loops whose next reads are known early (Swift has no prefetch intrinsic).
static inline void pw_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }
