"""Where things are: the repository, the build directory, the harness outputs."""
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def build_dir() -> Path:
    """The CMake build directory: $MV_BUILD_DIR, else <repo>/build."""
    return Path(os.environ.get("MV_BUILD_DIR", REPO / "build")).resolve()


def out_dir() -> Path:
    """Where the suite writes logs, matrix.json, junit.xml, its cache and
    manifest: $MV_OUT_DIR (an installed suite: mv-conformance), else
    <build>/conformance."""
    env = os.environ.get("MV_OUT_DIR")
    return Path(env).resolve() if env else build_dir() / "conformance"


def log_path(backend: str, probe: str) -> Path:
    return out_dir() / "logs" / backend / f"{probe}.log"


def staged_log_path(backend: str, probe: str) -> Path:
    """Where a session writes a run's log until it completes (then logs.commit()
    moves it to log_path(); an interrupted session leaves logs/ as it was)."""
    return out_dir() / "logs.new" / backend / f"{probe}.log"
