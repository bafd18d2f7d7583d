"""dmp: compile ternary-weight ReLU networks into chemical reaction networks, DNA gates and sequences."""

__version__ = "0.1.0"
