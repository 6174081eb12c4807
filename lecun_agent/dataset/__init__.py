"""On-disk experience dataset: one compressed .npz per episode plus a JSON spec (see format.py)."""
