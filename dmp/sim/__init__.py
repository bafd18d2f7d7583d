"""Simulation of CRNs: GillesPy2 ODE/SSA and per-example agreement with the network."""
