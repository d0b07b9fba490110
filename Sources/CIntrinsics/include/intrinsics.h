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

/// Eight floats (Swift imports the type as SIMD8<Float>).
typedef float marsim_float8 __attribute__((ext_vector_type(8)));

/// Eight bf16 values at `address` (any alignment) widened to fp32: each is the high half of its
/// float. Written in C so that it is always inlined as one zero-extending load and one shift: the
/// same code in Swift goes through a generic SIMD conversion that the optimiser sometimes leaves as
/// a call (it did after an unrelated change elsewhere in the module, and bf16 decode lost 40%).
static inline marsim_float8 marsim_bf16x8(const void *address) {
    typedef unsigned short ushort8 __attribute__((ext_vector_type(8)));
    typedef unsigned int uint8 __attribute__((ext_vector_type(8)));
    ushort8 halves;
    __builtin_memcpy(&halves, address, sizeof halves);
    uint8 bits = __builtin_convertvector(halves, uint8) << 16;
    marsim_float8 values;
    __builtin_memcpy(&values, &bits, sizeof values);
    return values;
}

#endif
