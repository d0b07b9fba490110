// MarsimTokenizer: placeholder until its first file lands.
