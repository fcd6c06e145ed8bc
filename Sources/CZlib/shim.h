#pragma once
#include <zlib.h>

// inflateInit2 is a function-like macro; Swift cannot call it.
static inline int czlib_inflate_init2(z_streamp strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}
