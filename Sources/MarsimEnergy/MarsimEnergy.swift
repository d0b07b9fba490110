import TOMLKit
// MarsimEnergy: placeholder until its first file lands.
