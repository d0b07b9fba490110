// OpenBLAS's CBLAS interface (Debian: libopenblas-dev, pkg-config `openblas`): the SGEMM that
// chunked (many-token) projections run on. OpenBLAS threads itself; marsim sets the count.
#include <cblas.h>
