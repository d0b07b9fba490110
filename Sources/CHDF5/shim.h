// The HDF5 C library, plus static inline functions for the constants that HDF5 defines as macros
// calling H5open() (Swift cannot import those). This module provides no stable Swift API:
// use MarsimHDF5.
#ifndef MARSIM_CHDF5_SHIM_H
#define MARSIM_CHDF5_SHIM_H
#include <hdf5.h>
#include <stdlib.h>

static inline hid_t marsim_H5P_DEFAULT(void) { return H5P_DEFAULT; }
static inline hid_t marsim_H5P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline hid_t marsim_H5P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
static inline hid_t marsim_H5P_LINK_CREATE(void) { return H5P_LINK_CREATE; }
static inline hid_t marsim_H5P_GROUP_CREATE(void) { return H5P_GROUP_CREATE; }
static inline hid_t marsim_H5P_DATASET_ACCESS(void) { return H5P_DATASET_ACCESS; }
static inline hid_t marsim_H5E_DEFAULT(void) { return H5E_DEFAULT; }
static inline size_t marsim_H5T_VARIABLE(void) { return H5T_VARIABLE; }
static inline hid_t marsim_H5S_ALL(void) { return H5S_ALL; }
static inline hsize_t marsim_H5S_UNLIMITED(void) { return H5S_UNLIMITED; }
static inline unsigned marsim_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline unsigned marsim_H5F_ACC_EXCL(void) { return H5F_ACC_EXCL; }
static inline unsigned marsim_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned marsim_H5F_ACC_RDWR(void) { return H5F_ACC_RDWR; }
static inline hid_t marsim_H5T_NATIVE_INT8(void) { return H5T_NATIVE_INT8; }
static inline hid_t marsim_H5T_NATIVE_UINT8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t marsim_H5T_NATIVE_INT32(void) { return H5T_NATIVE_INT32; }
static inline hid_t marsim_H5T_NATIVE_UINT32(void) { return H5T_NATIVE_UINT32; }
static inline hid_t marsim_H5T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
static inline hid_t marsim_H5T_NATIVE_UINT64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t marsim_H5T_NATIVE_FLOAT(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t marsim_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t marsim_H5T_STD_I8LE(void) { return H5T_STD_I8LE; }
static inline hid_t marsim_H5T_STD_U8LE(void) { return H5T_STD_U8LE; }
static inline hid_t marsim_H5T_STD_I32LE(void) { return H5T_STD_I32LE; }
static inline hid_t marsim_H5T_STD_U32LE(void) { return H5T_STD_U32LE; }
static inline hid_t marsim_H5T_STD_I64LE(void) { return H5T_STD_I64LE; }
static inline hid_t marsim_H5T_STD_U64LE(void) { return H5T_STD_U64LE; }
static inline hid_t marsim_H5T_IEEE_F32LE(void) { return H5T_IEEE_F32LE; }
static inline hid_t marsim_H5T_IEEE_F64LE(void) { return H5T_IEEE_F64LE; }
static inline hid_t marsim_H5T_C_S1(void) { return H5T_C_S1; }

/* Copies every attribute of `source` onto `destination` (which must not have attributes of the same
   names): each is read in its own stored type and written back in it, so numbers, enums and
   fixed or variable-length strings all survive unchanged. Returns 0, or -1 on the first failure
   (the HDF5 error stack says why). Written in C because H5Aiterate2 takes a C callback. */
static inline herr_t marsim_copy_one_attribute(hid_t location, const char *name, const H5A_info_t *info, void *context) {
    (void)info;
    hid_t destination = *(hid_t *)context;
    herr_t status = -1;
    hid_t attribute = H5Aopen(location, name, H5P_DEFAULT);
    if (attribute < 0) return -1;
    hid_t type = H5Aget_type(attribute);
    hid_t space = H5Aget_space(attribute);
    if (type >= 0 && space >= 0) {
        hssize_t count = H5Sget_simple_extent_npoints(space);
        size_t size = H5Tget_size(type);
        void *buffer = (count > 0 && size > 0) ? calloc((size_t)count, size) : NULL;
        if (count >= 0 && (count == 0 || size == 0 || buffer != NULL)) {
            hid_t copy = H5Acreate2(destination, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
            if (copy >= 0) {
                if (buffer == NULL) {
                    status = 0;
                } else if (H5Aread(attribute, type, buffer) >= 0) {
                    status = H5Awrite(copy, type, buffer);
                    if (H5Tis_variable_str(type) > 0 || H5Tdetect_class(type, H5T_VLEN) > 0) {
                        H5Dvlen_reclaim(type, space, H5P_DEFAULT, buffer);
                    }
                }
                H5Aclose(copy);
            }
        }
        free(buffer);
    }
    if (type >= 0) H5Tclose(type);
    if (space >= 0) H5Sclose(space);
    H5Aclose(attribute);
    return status < 0 ? -1 : 0;
}

static inline herr_t marsim_copy_attributes(hid_t source, hid_t destination) {
    hsize_t index = 0;
    return H5Aiterate2(source, H5_INDEX_NAME, H5_ITER_INC, &index, marsim_copy_one_attribute, &destination);
}

#endif
