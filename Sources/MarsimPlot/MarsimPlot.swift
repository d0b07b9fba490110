// MarsimPlot: placeholder until its first file lands.
