// MarsimEngine: placeholder until its first file lands.
