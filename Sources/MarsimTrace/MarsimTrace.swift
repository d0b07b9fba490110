// MarsimTrace: placeholder until its first file lands.
