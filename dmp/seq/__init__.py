"""DNA sequences: domain design, thermodynamic scoring, candidate ranking, ordering sheets."""
