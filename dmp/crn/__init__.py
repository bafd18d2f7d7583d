"""Formal CRNs: data model, .crn text I/O, NN->CRN translation, reduction, NC check."""
