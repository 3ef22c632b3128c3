"""One router per resource: detection, generation, keys, health and metrics."""
