"""The cheque pipeline: a list of steps with one contract (see `base`)."""
