// Everything in this module is a static inline function in include/intrinsics.h; SwiftPM needs one
// source file to build a C target.
#include "intrinsics.h"
