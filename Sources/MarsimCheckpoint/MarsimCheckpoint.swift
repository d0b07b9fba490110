// MarsimCheckpoint: placeholder until its first file lands.
