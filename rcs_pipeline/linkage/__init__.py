"""Key holder and linker: pseudonymous link ids, exact and probabilistic matching, the linked dataset, GUILD quality."""
