"""Parser of the probe result protocol (docs/architecture.md, "Probe output").

    MVP BEGIN probe=<name> title="<text>"
    MVP CHECK probe=<name> id=<id> items=<a>[,<b>...] expected=<v> got=<v> verdict=<pass|fail|skip> desc="<text>"
    MVP END probe=<name> result=<SUCCESS|SKIP|ERROR|FAILURE> checks=<n> failed=<n>
    MVP EXPECT-STOP probe=<name> id=<id> items=<a>[,<b>...] pp=<n> exit=<exit-type>
        rip=<0x...|-> why="<text>" desc="<text>"                      (one line)

EXPECT-STOP announces that the probe's next action must make the hypervisor
stop the root VM (an access to memory the root does not own), and how the
hypervisor must report it: on PP <n>, for the reason <why>, at an exit of
type <exit> (the core's backend-independent name), at the faulting
instruction's address <rip> (- where the probe cannot know it).  Such a run
ends without END, and that is not a crash when nothing of the protocol
follows the line: judge_stop() then turns it into the synthetic check <id>
(expected=root-stopped), which passes only if the hypervisor printed
"[hv] root VM stopped on pp N: <why> (exit <exit>, rip 0x.., raw 0x..);
stopped on K of M PPs" after it, saying what the probe expected, and the
backend reported the root VM's death (see judge_stop).

A refused root image (a probe variant with refused = true, mvconf/probes.py)
never runs: judge_refused() gives its run the synthetic check "refused"
(items=none), which passes only if the hypervisor printed the exact
expected "[hv] boot: ..." line, nothing of the protocol appeared (the root
never ran) and the backend reported the hypervisor's failure.

items=none marks a check that exercises no ABI item (the selftest probe's
checks of the probe runtime); it may not be combined with real items.

Lines that do not start with "MVP " (the hypervisor console, "[hv] ...") are
kept as console lines and otherwise ignored.  Everything wrong with the
protocol lines (malformed line, unknown key, duplicate id, END disagreeing
with the checks, unknown ABI item, ...) becomes an entry of `errors`: the
harness reports it, it never ignores it.  A log without END is a CRASH,
unless it ended at its EXPECT-STOP.
"""
import re
from dataclasses import dataclass, field
from typing import Collection, Dict, List, Optional, Tuple

RESULTS = ("SUCCESS", "SKIP", "ERROR", "FAILURE")
VERDICTS = ("pass", "fail", "skip")
KEYS = {
    "BEGIN": ("probe", "title"),
    "CHECK": ("probe", "id", "items", "expected", "got", "verdict", "desc"),
    "END": ("probe", "result", "checks", "failed"),
    "EXPECT-STOP": ("probe", "id", "items", "pp", "exit", "rip", "why", "desc"),
}
QUOTED = {"title", "why", "desc"}
# the only values that may contain spaces (never a '"'); desc is always last
NO_ITEM = "none"  # items=none: the check exercises no ABI item (probe runtime self-checks)

# EXPECT-STOP: the synthetic check's expected value (and its got value when
# the root VM was stopped as announced), and the hypervisor's line that says so.
ROOT_STOPPED = "root-stopped"
STOP_LINE = re.compile(r"\[hv\] root VM stopped on pp \d+: ")
# The whole stop line (hv/core/exit.c exit_root_dead): the PP, the reason,
# the exit type's name, the RIP, the backend's own exit code (raw: its form
# only, the value is the backend's) and the count of the PPs the root
# stopped on (E-66: all of them).
STOP_REPORT = re.compile(r"\[hv\] root VM stopped on pp (?P<pp>\d+): (?P<why>.+) \(exit "
                         r"(?P<exit>[a-z0-9-]+), rip (?P<rip>0x[0-9a-f]+), raw 0x[0-9a-f]+\); "
                         r"stopped on (?P<k>\d+) of (?P<m>\d+) PPs\Z")
# EXPECT-STOP's values: what the stop line must say.
_STOP_PP = re.compile(r"[0-9]+\Z")
_STOP_EXIT = re.compile(r"[a-z0-9-]+\Z")
_STOP_RIP = re.compile(r"(0x[0-9a-f]+|-)\Z")
UNKNOWN_RIP = "-"

_TOKEN = re.compile(r' ([a-z_]+)=("[^"]*"|[^\s"]+)')
_ID = re.compile(r"[a-z0-9_.-]+\Z")
_ITEM = re.compile(r"[A-Za-z0-9_]+\Z")
_COUNT = re.compile(r"[0-9]+\Z")


@dataclass
class Check:
    probe: str
    id: str
    items: Tuple[str, ...]
    expected: str
    got: str
    verdict: str
    desc: str
    line: int  # 1-based line number in the log


@dataclass
class ExpectStop:
    """An EXPECT-STOP line and what the log shows after it."""
    probe: str
    id: str
    items: Tuple[str, ...]
    desc: str
    line: int
    pp: str = "0"      # what the stop line must say: the PP,
    exit: str = ""     # the exit type's name,
    rip: str = UNKNOWN_RIP  # the RIP (0x..., lower case) or - (not known),
    why: str = ""      # and the reason
    after: List[Tuple[int, str]] = field(default_factory=list)  # MVP lines after it
    stop_line: Optional[Tuple[int, str]] = None  # the first "[hv] root VM stopped" after it


def _worst(a: str, b: str) -> str:
    order = ("SUCCESS", "SKIP", "ERROR", "FAILURE")
    if a not in order or b not in order:
        return a if b in order else b
    return a if order.index(a) >= order.index(b) else b


@dataclass
class ProbeLog:
    """What one run printed, parsed."""
    probe: Optional[str] = None          # the name in BEGIN
    title: str = ""
    checks: List[Check] = field(default_factory=list)
    end: Optional[Dict[str, str]] = None
    errors: List[str] = field(default_factory=list)
    console: List[str] = field(default_factory=list)  # non-protocol lines
    expect_stop: Optional[ExpectStop] = None
    stop_check: Optional[Check] = None  # judge_stop()'s synthetic check, also in checks
    refused_check: Optional[Check] = None  # judge_refused()'s synthetic check, also in checks

    @property
    def ended_by_stop(self) -> bool:
        """No END, but an EXPECT-STOP after which the probe printed nothing of
        the protocol: the run ended where the probe said it would (whether
        the hypervisor really stopped the root is the stop check's verdict)."""
        return self.end is None and self.expect_stop is not None and not self.expect_stop.after

    @property
    def ended_by_refusal(self) -> bool:
        """A refused root image's run (judge_refused): it ends without END;
        whether it ended as it must is the refused check's verdict."""
        return self.end is None and self.refused_check is not None

    @property
    def completed(self) -> bool:
        """END present, or the run ended at its EXPECT-STOP or at the refusal
        of its root image; otherwise a crash."""
        return self.end is not None or self.ended_by_stop or self.ended_by_refusal

    @property
    def result(self) -> str:
        """SUCCESS, SKIP, ERROR, FAILURE from END (worsened by a failed stop
        check), or from the checks of a run that ended at its EXPECT-STOP;
        CRASH otherwise."""
        if self.end is not None:
            r = self.end["result"]
            for synthetic in (self.stop_check, self.refused_check):
                if synthetic is not None and synthetic.verdict == "fail":
                    r = _worst(r, "FAILURE")
            return r
        if not (self.ended_by_stop or self.ended_by_refusal):
            return "CRASH"
        if any(c.verdict == "fail" for c in self.checks):
            return "FAILURE"
        return "SKIP" if any(c.verdict == "skip" for c in self.checks) else "SUCCESS"

    def failed_checks(self) -> List[Check]:
        return [c for c in self.checks if c.verdict == "fail"]


def _tokens(rest: str) -> Optional[Dict[str, str]]:
    """key=value tokens of the rest of a line (" k=v k=v ..."), or None."""
    values: Dict[str, str] = {}
    pos = 0
    while pos < len(rest):
        m = _TOKEN.match(rest, pos)
        if not m:
            return None
        key, value = m.group(1), m.group(2)
        if key in values:
            return None
        if value.startswith('"'):
            if key not in QUOTED or (key == "desc" and m.end() != len(rest)):
                return None
            value = value[1:-1]
        values[key] = value
        pos = m.end()
    return values


class _Parser:
    def __init__(self, probe: Optional[str], known_items: Optional[Collection[str]]):
        self.expected_probe = probe
        self.known_items = known_items
        self.log = ProbeLog()
        self.ids = set()

    def error(self, lineno: int, msg: str) -> None:
        self.log.errors.append(f"line {lineno}: {msg}")

    def feed(self, lineno: int, line: str) -> None:
        stop = self.log.expect_stop
        if not line.startswith("MVP "):
            self.log.console.append(line)
            if stop is not None and stop.stop_line is None and STOP_LINE.match(line):
                stop.stop_line = (lineno, line)
            return
        if stop is not None:
            stop.after.append((lineno, line))
        kind, _, rest = line[4:].partition(" ")
        if kind not in KEYS:
            self.error(lineno, f"unknown protocol line kind {kind!r}: {line}")
            return
        values = _tokens(" " + rest if rest else "")
        if values is None:
            self.error(lineno, f"malformed {kind} line: {line}")
            return
        missing = [k for k in KEYS[kind] if k not in values]
        unknown = [k for k in values if k not in KEYS[kind]]
        if missing or unknown:
            what = ", ".join([f"missing {k}" for k in missing] + [f"unknown key {k}" for k in unknown])
            self.error(lineno, f"malformed {kind} line ({what}): {line}")
            return
        if self.log.end is not None:
            self.error(lineno, f"protocol line after END: {line}")
            return
        if kind == "BEGIN":
            self.begin(lineno, values)
            return
        if self.log.probe is None:
            self.error(lineno, f"{kind} before BEGIN: {line}")
        elif values["probe"] != self.log.probe:
            self.error(lineno, f"{kind} says probe={values['probe']}, BEGIN said {self.log.probe}")
        if kind == "CHECK":
            self.check(lineno, values)
        elif kind == "EXPECT-STOP":
            self.expect_stop(lineno, values)
        else:
            self.end(lineno, values)

    def begin(self, lineno: int, v: Dict[str, str]) -> None:
        if self.log.probe is not None:
            self.error(lineno, "second BEGIN")
            return
        if self.expected_probe and v["probe"] != self.expected_probe:
            self.error(lineno, f"BEGIN probe={v['probe']}, expected probe={self.expected_probe}")
        self.log.probe = v["probe"]
        self.log.title = v["title"]

    def id_and_items(self, lineno: int, v: Dict[str, str]) -> Tuple[bool, Tuple[str, ...]]:
        """Validates a CHECK's or EXPECT-STOP's id and items: (ok, items)."""
        ok = True
        if not _ID.match(v["id"]):
            self.error(lineno, f"check id {v['id']!r} is not [a-z0-9_.-]+")
            ok = False
        elif v["id"] in self.ids or (self.log.expect_stop is not None
                                     and v["id"] == self.log.expect_stop.id):
            self.error(lineno, f"duplicate check id {v['id']}")
            ok = False
        items = tuple(v["items"].split(","))
        if NO_ITEM in items and len(items) > 1:
            self.error(lineno, f"check {v['id']}: items={NO_ITEM} combined with other items")
            ok = False
        for item in items:
            if item == NO_ITEM:
                continue
            if not _ITEM.match(item):
                self.error(lineno, f"check {v['id']}: malformed item {item!r}")
                ok = False
            elif self.known_items is not None and item not in self.known_items:
                self.error(lineno, f"check {v['id']}: unknown ABI item {item} "
                                   "(not in abi/mv-abi.toml)")
        return ok, items

    def expect_stop(self, lineno: int, v: Dict[str, str]) -> None:
        if self.log.expect_stop is not None:
            self.error(lineno, f"second EXPECT-STOP (a run has at most one; the first is "
                               f"line {self.log.expect_stop.line})")
            return
        ok, items = self.id_and_items(lineno, v)
        for key, form, what in (("pp", _STOP_PP, "a decimal PP number"),
                                ("exit", _STOP_EXIT, "an exit type name [a-z0-9-]+"),
                                ("rip", _STOP_RIP, "0x<lower-case hex> or -")):
            if not form.match(v[key]):
                self.error(lineno, f"EXPECT-STOP {v['id']}: {key}={v[key]!r} is not {what}")
                ok = False
        if not v["why"].strip():
            self.error(lineno, f"EXPECT-STOP {v['id']}: empty why")
            ok = False
        if ok:
            self.log.expect_stop = ExpectStop(v["probe"], v["id"], items, v["desc"], lineno,
                                              str(int(v["pp"])), v["exit"], v["rip"], v["why"])

    def check(self, lineno: int, v: Dict[str, str]) -> None:
        ok, items = self.id_and_items(lineno, v)
        if v["verdict"] not in VERDICTS:
            self.error(lineno, f"check {v['id']}: verdict {v['verdict']!r} is not pass|fail|skip")
            ok = False
        self.ids.add(v["id"])
        if ok:
            self.log.checks.append(Check(v["probe"], v["id"], items, v["expected"], v["got"],
                                         v["verdict"], v["desc"], lineno))

    def end(self, lineno: int, v: Dict[str, str]) -> None:
        self.log.end = v
        if v["result"] not in RESULTS:
            self.error(lineno, f"END result {v['result']!r} is not one of {'|'.join(RESULTS)}")
        if not _COUNT.match(v["checks"]) or not _COUNT.match(v["failed"]):
            self.error(lineno, f"END checks/failed are not numbers: checks={v['checks']} failed={v['failed']}")
            return
        n, failed = len(self.ids), sum(c.verdict == "fail" for c in self.log.checks)
        if int(v["checks"]) != n:
            self.error(lineno, f"END checks={v['checks']} but {n} CHECK lines were printed")
        if int(v["failed"]) != failed:
            self.error(lineno, f"END failed={v['failed']} but {failed} checks failed")
        if failed and v["result"] != "FAILURE":
            self.error(lineno, f"END result={v['result']} although {failed} checks failed")
        if not failed and v["result"] == "FAILURE":
            self.error(lineno, "END result=FAILURE although no check failed")


def _stop_report_wrong(s: ExpectStop) -> List[Tuple[str, str]]:
    """What the stop line after `s` says differently from what `s` expects:
    (got, message) pairs, none when it says exactly that."""
    n, line = s.stop_line
    r = STOP_REPORT.match(line.strip())
    if r is None:
        return [("malformed-stop-line", f"the stop line (line {n}) is not '[hv] root VM stopped "
                                        "on pp N: <why> (exit <type>, rip 0x.., raw 0x..); "
                                        f"stopped on K of M PPs': {line.strip()[:160]!r}")]
    wrong: List[Tuple[str, str]] = []
    rip = UNKNOWN_RIP if s.rip == UNKNOWN_RIP else r["rip"]
    for key, got, expected in (("pp", str(int(r["pp"])), s.pp), ("why", r["why"], s.why),
                               ("exit", r["exit"], s.exit), ("rip", rip, s.rip)):
        if got != expected:
            wrong.append((f"wrong-{key}", f"the stop line (line {n}) says {key} {got!r}, "
                                          f"expected {expected!r}"))
    if r["k"] != r["m"]:
        wrong.append(("not-all-pps", f"the root stopped on {r['k']} of {r['m']} "
                                     "PPs only: the others ran it on"))
    return wrong


def judge_stop(log: ProbeLog, exit_code: Optional[int], timed_out: bool,
               root_died: bool) -> Optional[Check]:
    """The synthetic check of a log's EXPECT-STOP (None without one), added
    to log.checks and log.stop_check.  It passes (got=root-stopped) only if
      - no MVP line followed the EXPECT-STOP (a CHECK or END after it means
        the announced access did not stop the root),
      - the run did not time out,
      - the hypervisor printed "[hv] root VM stopped on pp N: <why> (exit
        <type>, rip 0x.., raw 0x..); stopped on K of M PPs" after it, in
        exactly that form, with the PP, reason, exit type and (unless the
        EXPECT-STOP says rip=-) RIP the EXPECT-STOP expects, and K == M: the
        root stopped on every PP (E-66),
      - root_died: the backend reported the root VM's death (mvsim exit
        125, QEMU guest code 125, Bochs: its synthesized 125).
    Otherwise got names the first thing that went wrong (continued, timeout,
    exit-<status>, no-stop-line, malformed-stop-line, wrong-pp, wrong-why,
    wrong-exit, wrong-rip, not-all-pps) and desc lists them all, each
    mismatch with what the line said and what was expected."""
    s = log.expect_stop
    if s is None:
        return None
    wrong: List[Tuple[str, str]] = []
    if s.after:
        n, first = s.after[0]
        wrong.append(("continued", f"the probe continued after the access (line {n}: "
                                   f"{first[:120]})"))
    if timed_out:
        wrong.append(("timeout", "timeout: the machine did not stop"))
    if not timed_out and not root_died and log.end is None:
        code = "none" if exit_code is None else str(exit_code)
        wrong.append((f"exit-{code}", f"exit status {code} without END is not the "
                                      "backend's report of the root VM's death"))
    if s.stop_line is None:
        wrong.append(("no-stop-line", "no '[hv] root VM stopped on pp N: ...' line after "
                                      f"the EXPECT-STOP (line {s.line})"))
    else:
        wrong += _stop_report_wrong(s)
    if wrong:
        got, verdict = wrong[0][0], "fail"
        desc = f"{s.desc} -- NOT STOPPED: " + "; ".join(msg for _, msg in wrong)
    else:
        got, verdict = ROOT_STOPPED, "pass"
        desc = f"{s.desc} -- {s.stop_line[1].strip()}"
    c = Check(s.probe, s.id, s.items, ROOT_STOPPED, got, verdict, desc, s.line)
    log.checks.append(c)
    log.stop_check = c
    return c


REFUSED = "refused"  # the refused check's id and its expected (and passing) value


def refusal_matches(line: str, expected_line: str) -> bool:
    """The console line is the expected refusal: equal, where each "<spa>" of
    the expected line stands for one lower-case hex address ("0x..."), which
    differs per backend (where module 0 was put: mbimg.header-short)."""
    parts = [re.escape(p) for p in expected_line.split("<spa>")]
    return re.fullmatch("0x[0-9a-f]+".join(parts), line.strip()) is not None


def judge_refused(log: ProbeLog, probe: str, expected_line: str, exit_code: Optional[int],
                  timed_out: bool, hv_failed: bool) -> Check:
    """The synthetic check "refused" of a refused root image's run, added to
    log.checks and log.refused_check.  It passes only if
      - the console has the exact line `expected_line` ("[hv] boot: ..."),
      - nothing of the protocol was printed (the root OS never ran),
      - the run did not time out and hv_failed: the backend reported the
        hypervisor's failure (mvsim exit 126, QEMU guest code 126, Bochs:
        its synthesized 126).
    Otherwise got names the first thing that went wrong (root-ran, timeout,
    exit-<status>, no-refusal-line) and desc lists them all."""
    wrong: List[Tuple[str, str]] = []
    if log.probe is not None or log.checks or log.end is not None or log.errors:
        wrong.append(("root-ran", "the root OS ran: it printed protocol lines"))
    if timed_out:
        wrong.append(("timeout", "timeout: the hypervisor did not stop"))
    elif not hv_failed:
        code = "none" if exit_code is None else str(exit_code)
        wrong.append((f"exit-{code}", f"exit status {code} is not the backend's report "
                                      "of the hypervisor's failure"))
    lineno = next((n for n, l in enumerate(log.console, 1) if refusal_matches(l, expected_line)),
                  None)
    if lineno is None:
        said = [l.strip() for l in log.console if l.startswith("[hv] boot: ")]
        wrong.append(("no-refusal-line", f"no line {expected_line!r}; the last [hv] boot: "
                                         f"line was {said[-1] if said else 'none'!r}"))
    desc = f"root image {probe} refused"
    if wrong:
        got, verdict = wrong[0][0], "fail"
        desc += " -- NOT REFUSED AS EXPECTED: " + "; ".join(msg for _, msg in wrong)
    else:
        got, verdict = REFUSED, "pass"
        desc += f" -- {expected_line}"
    c = Check(probe, REFUSED, (NO_ITEM,), REFUSED, got, verdict, desc, 0)
    log.checks.append(c)
    log.refused_check = c
    return c


def parse(text: str, probe: Optional[str] = None,
          known_items: Optional[Collection[str]] = None) -> ProbeLog:
    """Parses a run's output.  `probe`: the name BEGIN must carry;
    `known_items`: the catalogue's item names (unknown ones are errors)."""
    p = _Parser(probe, known_items)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for lineno, line in enumerate(lines, 1):
        p.feed(lineno, line.rstrip("\r"))
    return p.log
