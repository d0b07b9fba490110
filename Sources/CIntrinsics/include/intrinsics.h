// Processor hints Swift has no spelling for. Header-only: each function is static inline, so the
// Swift compiler inlines it into the kernels that call it (a call would cost more than the hint).
#ifndef MARSIM_INTRINSICS_H
#define MARSIM_INTRINSICS_H

/// Asks the processor to start loading the cache line holding `address` for reading, keeping it in
/// every cache level. A hint only: it never faults, even for an address outside any mapping.
///
/// The dense kernels stream weights from mapped checkpoint files, whose pages are 4 KiB; the
/// hardware prefetchers stop at page boundaries, so the kernels name the next lines themselves.
static inline void marsim_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }

#endif
