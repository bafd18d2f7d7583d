"""DNA strand-displacement: translation schemes, domain-level systems, enumeration, verification."""
