"""Wall and CPU seconds of what the bench runs: CPU is user+sys of the
children reaped meanwhile (the emulators, grub-mkrescue), so it holds on a
machine shared with other work where wall time does not.  The bench runs one
thing at a time, so the delta of RUSAGE_CHILDREN is exactly that run's."""
import resource
import statistics
import time
from typing import Callable, Iterable, Optional, Tuple, TypeVar

T = TypeVar("T")


def child_cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def measured(fn: Callable[[], T]) -> Tuple[T, float, float]:
    """(fn(), wall seconds, CPU seconds of the children it reaped)."""
    cpu0, t0 = child_cpu_s(), time.monotonic()
    result = fn()
    return result, time.monotonic() - t0, child_cpu_s() - cpu0


def median(values: Iterable[Optional[float]]) -> Optional[float]:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None
