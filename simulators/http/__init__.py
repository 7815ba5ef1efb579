"""HTTP layer of the simulators: three vendor APIs over the world's serving tables, with faults."""
