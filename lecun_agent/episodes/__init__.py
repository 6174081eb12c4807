"""Episodes: how a run is scored, reported and replayed in-process."""
