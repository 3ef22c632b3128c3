"""Training of the embedded default model (``python -m greenmark.training --help``)."""
