"""The runs of one pytest session: which (backend, probe) pairs exist, which
the selected tests need, running those in parallel (or taking them from the
result cache), and what happens when the session is interrupted.

Nothing runs at collection: conftest.py collects the tests from the pairs and
the manifest (mvconf/manifest.py), pytest deselects (-k, --lf, ...), then
start() submits the pairs that the remaining tests need to a pool of `jobs`
threads, longest first across all backends (longest_first(): the runs that
cost nothing first, then by the time each pair took last, so the longest
Bochs runs do not start last).  A test asks outcome(); each finished run is
announced once, in the main thread, through the `announce` callback (the
progress line).
"""
import os
import queue
import shutil
import statistics
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from . import backends as backends_mod
from . import catalog as catalog_mod
from . import bochs, cache, manifest, matrix, paths, probes as probes_mod, procs, runner

Pair = Tuple[str, str]  # (backend, probe)


def estimates(pairs: Sequence[Pair], last: Dict[Pair, Optional[float]],
              timeout_s: Callable[[Pair], float]) -> Dict[Pair, float]:
    """Seconds each pair is expected to run: last[pair] (the time its last
    run took; 0 for a pair that runs nothing: reused from the cache, or
    skipped), else the median of its backend's measured pairs (those 0s
    left out), else (a backend never measured) its timeout, so that unknown
    runs start early."""
    known: Dict[str, List[float]] = {}
    for pair in pairs:
        if last.get(pair):
            known.setdefault(pair[0], []).append(last[pair])
    est = {}
    for pair in pairs:
        if last.get(pair) is not None:
            est[pair] = last[pair]
        elif pair[0] in known:
            est[pair] = statistics.median(known[pair[0]])
        else:
            est[pair] = timeout_s(pair)
    return est


def longest_first(pairs: Sequence[Pair], est: Dict[Pair, float]) -> List[Pair]:
    """The pairs by expected time, longest first (the classic longest
    processing time rule: the makespan on `jobs` workers stays within 4/3 of
    the best); equal estimates keep their order, so the order is
    deterministic."""
    return [p for _, p in sorted(enumerate(pairs), key=lambda ip: (-est[ip[1]], ip[0]))]


def default_jobs() -> int:
    return int(os.environ.get("MV_JOBS", "0")) or os.cpu_count() or 1


class Schedule:
    def __init__(self, jobs: Optional[int] = None, use_cache: bool = True):
        """Reads the item list, the probes and the backends (raises OSError /
        ValueError when the suite cannot start)."""
        self.catalog = catalog_mod.load()
        self.probes = {p.name: p for p in probes_mod.load()}
        self.backends = {b.name: b for b in backends_mod.selected_backends()}
        self.status: List[Tuple[str, Optional[str]]] = [(b, self.backends[b].unavailable())
                                                        for b in self.backends]
        self.manifest = manifest.load()
        self.jobs = jobs or default_jobs()
        self.use_cache = use_cache
        self._pool: Optional[ThreadPoolExecutor] = None
        self._futures: Dict[Pair, Future] = {}
        self._done: "queue.Queue[runner.Outcome]" = queue.Queue()
        self.outcomes: Dict[Pair, runner.Outcome] = {}
        self.interrupted = False
        self.started = time.monotonic()

    def pairs(self) -> List[Pair]:
        """Every (backend, probe), backends in column order, probes by name."""
        return [(b, p) for b in self.backends for p in sorted(self.probes)]

    def _run(self, pair: Pair) -> runner.Outcome:
        b, p = pair
        try:
            out = runner.run_one(self.backends[b], self.probes[p], set(self.catalog.by_name),
                                 dict(self.status)[b], self.use_cache)
        except procs.Interrupted as e:
            out = runner.Outcome(b, p, problems=[f"interrupted: {e}"])
        self._done.put(out)
        return out

    def _last_s(self, pair: Pair) -> Optional[float]:
        """0 when the pair runs nothing (skipped, or reused from the cache),
        else the wall time of its last stored run (None: never stored)."""
        b, p = pair
        backend, probe = self.backends[b], self.probes[p]
        if dict(self.status)[b] or probe.missing(backend.features):
            return 0.0
        if self.use_cache and cache.reusable(backend, probe):
            return 0.0
        return cache.last_wall_s(b, p)

    def _timeout_s(self, pair: Pair) -> float:
        backend, probe = self.backends[pair[0]], self.probes[pair[1]]
        if isinstance(backend, backends_mod.BochsBackend):
            return bochs.bochs_timeout(probe.timeout)
        return probe.timeout + backends_mod.GRACE_S

    def order(self, pairs: Iterable[Pair]) -> List[Pair]:
        """The pairs in the order they start: longest_first() on estimates()."""
        pairs = list(dict.fromkeys(pairs))
        last = {pair: self._last_s(pair) for pair in pairs}
        return longest_first(pairs, estimates(pairs, last, self._timeout_s))

    def start(self, pairs: Iterable[Pair]) -> None:
        """Submits the pairs (once each) to the pool, in order()."""
        if self._pool is None:
            discard_staged_logs()  # left by a session that was killed outright
            self._pool = ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="mvrun")
        for pair in self.order(p for p in pairs if p not in self._futures):
            if pair not in self._futures:
                self._futures[pair] = self._pool.submit(self._run, pair)

    def needed(self) -> List[Pair]:
        return list(self._futures)

    def outcome(self, pair: Pair, announce: Callable[[runner.Outcome], None]) -> runner.Outcome:
        """Waits for the pair's run (starting it if no one did), announcing
        every run that finishes meanwhile."""
        self.start([pair])
        fut = self._futures[pair]
        while True:
            self.drain(announce)
            if pair in self.outcomes:
                return self.outcomes[pair]
            try:
                fut.result(timeout=0.2)
            except Exception:  # noqa: BLE001 - the outcome arrives through the queue
                if fut.done() and fut.exception() is not None:
                    raise fut.exception()

    def drain(self, announce: Callable[[runner.Outcome], None]) -> None:
        while True:
            try:
                out = self._done.get_nowait()
            except queue.Empty:
                return
            self.outcomes[(out.backend, out.probe)] = out
            self.manifest.learn(out)
            announce(out)

    def interrupt(self) -> int:
        """Kills every child process group and drops the runs not started;
        returns how many processes were killed."""
        self.interrupted = True
        n = procs.kill_all()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        return n

    def finish(self, announce: Callable[[runner.Outcome], None], stopped: bool = False) -> None:
        """Waits for the started runs (stopped: pytest stopped early, -x: drops
        the runs not started yet); the matrix, the manifest and the logs are
        written only if the session was not interrupted."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=stopped)
        self.drain(announce)
        if self.interrupted:
            return
        self.manifest.save()
        commit_logs()
        matrix.write(self.matrix(), paths.out_dir() / "matrix.json")

    def matrix(self) -> dict:
        ran = set(self.outcomes)
        not_run = {pair: self.manifest.items(pair) if self.manifest.knows(pair) else None
                   for pair in self.pairs() if pair not in ran}
        return matrix.build(self.catalog, self.status, self.outcomes, not_run)

    def counts(self) -> Dict[str, int]:
        outs = list(self.outcomes.values())
        return {"runs": sum(o.run is not None for o in outs),
                "reused": sum(o.reused for o in outs),
                "skipped": sum(bool(o.skipped) for o in outs),
                "broken": sum(bool(o.broken) for o in outs)}


def commit_logs() -> None:
    """Moves every staged log (paths.staged_log_path) over its logs/ file."""
    staged = paths.out_dir() / "logs.new"
    if not staged.is_dir():
        return
    for src in sorted(staged.rglob("*.log")):
        dest = paths.out_dir() / "logs" / src.relative_to(staged)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dest)
    discard_staged_logs()


def discard_staged_logs() -> None:
    shutil.rmtree(paths.out_dir() / "logs.new", ignore_errors=True)
