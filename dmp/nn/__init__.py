"""Ternary-weight ReLU networks: training (torch) and the portable model (NumPy)."""
