"""Results for CI tools, from pytest's test reports: JUnit XML and TAP.

JUnit (--mv-junit PATH): one <testcase> per test, classname
<backend>.<probe>, the test's name; time: the run's wall time on test_run
(the time the backend took), pytest's own duration otherwise;
<properties> backend, probe, items; <system-out> the log path (with the
check's line number) and that line of the log.  Failures and skips carry
their message.

TAP (--mv-tap PATH, '-' for stdout): kvm-unit-tests' convention, TAP
version 13: "ok N - <backend>.<probe> <test>", "# SKIP reason", and the plan
"1..N" at the end; failures get a YAML-ish "# " diagnostic.

Both are written beside the old file and renamed at the end of a session
that was not interrupted.
"""
import os
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import List, Optional


def _text(longrepr) -> str:
    if longrepr is None:
        return ""
    if isinstance(longrepr, tuple):  # skip: (path, line, "Skipped: why")
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


class Case:
    def __init__(self, report):
        self.nodeid = report.nodeid
        self.name = report.nodeid.split("::")[-1]
        self.props = dict(report.user_properties)
        self.outcome = report.outcome
        self.message = _text(report.longrepr)
        self.duration = float(self.props.pop("time", report.duration))

    @property
    def classname(self) -> str:
        if "backend" in self.props:
            return f"{self.props['backend']}.{self.props['probe']}"
        return "conformance"


class Reports:
    def __init__(self, config, junit: Optional[str], tap: Optional[str]):
        self.capman = config.pluginmanager.get_plugin("capturemanager")
        self.junit = Path(junit) if junit else None
        self.tap_path = tap
        self.cases: List[Case] = []
        self.start = time.time()
        self.tap = None
        if tap == "-":
            self.tap = sys.stdout
        elif tap:
            Path(tap).parent.mkdir(parents=True, exist_ok=True)
            self.tap = open(f"{tap}.tmp", "w")
        if self.tap:
            self.tap.write("TAP version 13\n")
            self.tap.flush()

    def pytest_runtest_logreport(self, report):
        if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
            case = Case(report)
            self.cases.append(case)
            if self.tap:  # also from inside a test (test_run's first-run checks)
                with self.capman.global_and_fixture_disabled():
                    self._tap(len(self.cases), case)

    def _tap(self, n: int, c: Case) -> None:
        title = f"{c.classname} {c.name}"
        if c.outcome == "skipped":
            line = f"ok {n} - {title} # SKIP {c.message.splitlines()[0] if c.message else ''}"
        elif c.outcome == "passed":
            line = f"ok {n} - {title}"
        else:
            line = f"not ok {n} - {title}\n" + "".join(f"# {ln}\n" for ln in c.message.splitlines())
        self.tap.write(line.rstrip("\n") + "\n")
        self.tap.flush()

    def pytest_sessionfinish(self, session, exitstatus):
        interrupted = exitstatus in (2, 130)
        if self.tap:
            self.tap.write(f"1..{len(self.cases)}\n")
            self.tap.flush()
            if self.tap is not sys.stdout:
                self.tap.close()
                if interrupted:
                    os.unlink(f"{self.tap_path}.tmp")
                else:
                    os.replace(f"{self.tap_path}.tmp", self.tap_path)
        if self.junit and not interrupted:
            self.write_junit(time.time() - self.start)

    def write_junit(self, wall: float) -> None:
        suite = ET.Element("testsuite", name="conformance", tests=str(len(self.cases)),
                           failures=str(sum(c.outcome == "failed" for c in self.cases)),
                           errors="0", skipped=str(sum(c.outcome == "skipped" for c in self.cases)),
                           time=f"{wall:.3f}",
                           timestamp=time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(self.start)))
        for c in self.cases:
            tc = ET.SubElement(suite, "testcase", classname=c.classname, name=c.name,
                               time=f"{c.duration:.3f}")
            props = ET.SubElement(tc, "properties")
            for k in ("backend", "probe", "items"):
                if k in c.props:
                    ET.SubElement(props, "property", name=k, value=str(c.props[k]))
            if c.outcome == "failed":
                ET.SubElement(tc, "failure", message=c.message.splitlines()[0] if c.message else "")\
                    .text = c.message
            elif c.outcome == "skipped":
                ET.SubElement(tc, "skipped", message=c.message)
            out = [f"log: {c.props['log']}"] if "log" in c.props else []
            if c.props.get("line"):
                out.append(c.props["line"])
            if out:
                ET.SubElement(tc, "system-out").text = "\n".join(out) + "\n"
        root = ET.Element("testsuites")
        root.append(suite)
        ET.indent(root)
        self.junit.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.junit.with_name(self.junit.name + ".tmp")
        ET.ElementTree(root).write(tmp, encoding="utf-8", xml_declaration=True)
        os.replace(tmp, self.junit)
