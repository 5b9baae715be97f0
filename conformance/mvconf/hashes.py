"""Content hashes of files, memoized per (path, size, mtime): the result
cache's key (mvconf/cache.py) and the Bochs ISO cache (mvconf/bochs.py)
both ask here, so each image is read once per session."""
import hashlib
import os
import threading
from pathlib import Path
from typing import Dict, Tuple

_memo: Dict[Tuple[str, int, int], str] = {}
_lock = threading.Lock()


def file_hash(path: Path) -> str:
    """sha256 of a file's content; 'missing' if it cannot be read."""
    try:
        st = os.stat(path)
    except OSError:
        return "missing"
    memo = (str(path), st.st_size, st.st_mtime_ns)
    with _lock:
        known = _memo.get(memo)
    if known is None:
        h = hashlib.sha256()
        try:
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
        except OSError:
            return "missing"
        known = h.hexdigest()
        with _lock:
            _memo[memo] = known
    return known
