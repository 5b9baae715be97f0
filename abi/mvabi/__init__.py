"""The MicroV ABI description (abi/mv-abi.toml): loading, C generation, diff.

Stdlib only (Python 3.11: tomllib).  docs/abi.md describes the format.
"""
