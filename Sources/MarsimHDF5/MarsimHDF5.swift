import CHDF5
// MarsimHDF5: placeholder until its first file lands.
