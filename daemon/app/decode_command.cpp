// Placeholder until the decode command lands.
