// MarsimHDF5: placeholder until its first file lands.
