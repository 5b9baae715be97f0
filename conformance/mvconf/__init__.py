"""mvconf: the MicroV conformance harness (protocol parser, backends, runner, matrix)."""
