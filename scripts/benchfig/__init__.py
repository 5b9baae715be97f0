"""The figures of `make bench` (scripts/bench) that are not per-backend
microbenchmarks: the launch ratio (launch.py), suite times (suite.py) and
the figures other programs provide (external.py)."""
