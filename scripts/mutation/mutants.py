"""Mutant generation for scripts/mutation/run (docs/testing.md).

Scans C files (hv/core/*.c by default) and yields one Mutant per place where
an operator applies.  Nothing here names a line: every mutant is found by
scanning, and is identified by its file and content -- the file, the function
it sits in, the operator, the original and the mutated text (plus an ordinal
when the same text occurs more than once in that function) -- so the identity
and the list of equivalent mutants survive code moving between lines.  The
file is part of it since stop 14: same-named static functions of
hv/arch/x86/svm and vmx (vps_reset_state) gave two mutants one id.  The ids of
before (legacy_id: the key without the file) are still understood by --ids
and by old results files (upgrade_result).

Operators (docs/testing.md, "Operators"):
  rel      a relational operator flipped at its boundary or negated:
           < <=, > >=, == !=
  drop-if  an `if` whose statement returns (an error path) never taken
  drop-term  one `||` operand of such an `if` removed (one check of several)
  status   an MV_STATUS_* constant swapped for its nearest other status
  revz     a reserved-bits test (x >> N, x & MASK, ..._REVZ_MASK) removed
  reset    a reset in a destroy/free/fini path removed (an assignment,
           hv_memset or a counter decrement)
  limit    a file-local #define of a limit or mask (a name with VALID, MAX,
           LIMIT, MASK, FIRST, LAST or PAGES) one off: an all-ones hex
           mask one bit wider, any other value + 1
"""
import hashlib
import re
from dataclasses import dataclass

STATUS_SWAP = {
    "MV_STATUS_SUCCESS": "MV_STATUS_FAILURE_UNKNOWN",
    "MV_STATUS_FAILURE_UNKNOWN": "MV_STATUS_INVALID_PARAMS0",
    "MV_STATUS_FAILURE_UNSUPPORTED": "MV_STATUS_FAILURE_UNKNOWN",
    "MV_STATUS_FAILURE_INVALID_HANDLE": "MV_STATUS_INVALID_PARAMS0",
    "MV_STATUS_INVALID_PERM_EXT": "MV_STATUS_INVALID_PERM_DENIED",
    "MV_STATUS_INVALID_PERM_DENIED": "MV_STATUS_INVALID_PERM_EXT",
    "MV_STATUS_INVALID_PARAMS0": "MV_STATUS_INVALID_PARAMS1",
    "MV_STATUS_INVALID_PARAMS1": "MV_STATUS_INVALID_PARAMS2",
    "MV_STATUS_INVALID_PARAMS2": "MV_STATUS_INVALID_PARAMS1",
    "MV_STATUS_INVALID_PARAMS3": "MV_STATUS_INVALID_PARAMS2",
    "MV_STATUS_INVALID_PARAMS4": "MV_STATUS_INVALID_PARAMS3",
    "MV_STATUS_INVALID_PARAMS5": "MV_STATUS_INVALID_PARAMS4",
    "MV_STATUS_RETRY_CONTINUATION": "MV_STATUS_SUCCESS",
    "MV_STATUS_XVIO_NO_MESSAGE": "MV_STATUS_XVIO_QUEUE_FULL",
    "MV_STATUS_XVIO_QUEUE_FULL": "MV_STATUS_XVIO_NO_MESSAGE",
    "MV_STATUS_XVIO_NOT_INITIALIZED": "MV_STATUS_XVIO_NO_PARTITION",
    "MV_STATUS_XVIO_NO_PARTITION": "MV_STATUS_XVIO_NOT_INITIALIZED",
    "MV_STATUS_XVIO_SERVICE_IN_USE": "MV_STATUS_INVALID_PARAMS1",
}
REL_FLIP = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "=="}
RESET_FUNC = re.compile(r"destroy|free|fini|finish|reset|clear|release|zombie|stop")


@dataclass
class Mutant:
    file: str          # path relative to the repository root
    func: str
    op: str
    start: int         # byte offsets of the replaced text in the file
    end: int
    orig: str
    repl: str
    line: int
    ordinal: int = 0   # n-th mutant with the same (func, op, orig, repl)

    @property
    def legacy_key(self):
        """The identity before stop 14: no file (ids of old results and samples)."""
        return f"{self.func} | {self.op} | {norm(self.orig)} -> {norm(self.repl)}" + (
            f" | #{self.ordinal}" if self.ordinal else "")

    @property
    def key(self):
        """Line-independent identity (scripts/mutation/equivalent.txt)."""
        return f"{self.file} | {self.legacy_key}"

    @property
    def mid(self):
        return mid_of(self.key)

    @property
    def legacy_id(self):
        return mid_of(self.legacy_key)

    def apply(self, text):
        assert text[self.start:self.end] == self.orig
        return text[:self.start] + self.repl + text[self.end:]


def mid_of(key):
    return hashlib.sha1(key.encode()).hexdigest()[:10]


def upgrade_result(r):
    """A result of a run before stop 14 (its key without the file): the key and
    id it has now.  A result of now is returned unchanged."""
    if not r["key"].startswith(r["file"] + " | "):
        r["key"] = f"{r['file']} | {r['key']}"
        r["id"] = mid_of(r["key"])
    return r


def norm(s):
    return " ".join(s.split())


def mask_text(text):
    """The text with comments, string/char literals and preprocessor lines
    blanked (same length, newlines kept), so patterns match code only."""
    out = list(text)
    i, n = 0, len(text)
    bol = True
    while i < n:
        c = text[i]
        if bol and text[i:].lstrip(" \t").startswith("#"):
            j = i
            while j < n and not (text[j] == "\n" and text[j - 1] != "\\"):
                j += 1
            for k in range(i, j):
                if out[k] != "\n":
                    out[k] = " "
            i = j
            continue
        bol = c == "\n"
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            j += 1
            # keep the quotes so expressions stay balanced
            for k in range(i + 1, min(j - 1, n)):
                if out[k] != "\n":
                    out[k] = " "
            i = j
            continue
        else:
            i += 1
            continue
        for k in range(i, j):
            if out[k] != "\n":
                out[k] = " "
        i = j
    return "".join(out)


FUNC_HEAD = re.compile(r"^[A-Za-z_][\w \t\*]*?\b([A-Za-z_]\w*)\s*\(", re.M)


def functions(masked):
    """(name, body_start, body_end) of every top-level function definition."""
    res = []
    for m in FUNC_HEAD.finditer(masked):
        # the body's '{' is the first one at column 0 after the head, with no ';' between
        brace = masked.find("\n{", m.end())
        semi = masked.find(";", m.end())
        if brace < 0 or (0 <= semi < brace):
            continue
        close = masked.find("\n}", brace)
        if close < 0:
            continue
        if res and res[-1][2] > m.start():
            continue
        res.append((m.group(1), brace + 1, close + 2))
    return res


def match_paren(masked, i):
    """Index just past the ')' that closes the '(' at i."""
    depth = 0
    for j in range(i, len(masked)):
        if masked[j] == "(":
            depth += 1
        elif masked[j] == ")":
            depth -= 1
            if depth == 0:
                return j + 1
    return -1


def or_terms(masked, s, e):
    """(start, end) of each top-level `||` operand of masked[s:e]."""
    terms, depth, t0, i = [], 0, s, s
    while i < e:
        c = masked[i]
        depth += {"(": 1, ")": -1}.get(c, 0)
        if depth == 0 and masked.startswith("||", i):
            terms.append((t0, i))
            t0 = i + 2
            i += 2
            continue
        i += 1
    terms.append((t0, e))
    out = []
    for a, b in terms:
        while a < b and masked[a] in " \t\n":
            a += 1
        while b > a and masked[b - 1] in " \t\n":
            b -= 1
        out.append((a, b))
    return out


def statement_end(masked, i):
    """End of the statement starting at i (a block or up to ';')."""
    while i < len(masked) and masked[i] in " \t\n":
        i += 1
    if masked.startswith("{", i):
        depth = 0
        for j in range(i, len(masked)):
            depth += {"{": 1, "}": -1}.get(masked[j], 0)
            if depth == 0:
                return j + 1
        return -1
    j = masked.find(";", i)
    return -1 if j < 0 else j + 1


REL = re.compile(r"(?<![<>=!\-])(<=|>=|==|!=|<|>)(?![<>=])")
IF = re.compile(r"\bif\s*\(")
STATUS = re.compile(r"\bMV_STATUS_[A-Z0-9_]+\b")
REVZ_PATTERNS = [
    # (x >> N) used as a truth value: reserved high bits
    (re.compile(r"\(\s*[\w\.\->\[\]]+\s*>>\s*\d+\s*\)(?=\s*(\|\||\)|&&|\?))"), "0"),
    # !(x & ..._REVZ_MASK)
    (re.compile(r"!\(\s*[\w\.\->]+\s*&\s*\w*REVZ\w*\s*\)"), "1"),
    # (x & 0xMASK) == 0  /  != 0
    (re.compile(r"\(\s*[\w\.\->]+\s*&\s*0x[0-9A-Fa-f]+[uUlL]*\s*\)\s*==\s*0\b"), "1"),
    (re.compile(r"\(\s*[\w\.\->]+\s*&\s*0x[0-9A-Fa-f]+[uUlL]*\s*\)\s*!=\s*0\b"), "0"),
    # x & ..._REVZ_MASK used as a truth value
    (re.compile(r"\b[\w\.\->]+\s*&\s*\w*REVZ\w*(?=\s*(\|\||\)|&&))"), "0"),
]
LIMIT = re.compile(r"(?m)^#define\s+(\w*(?:VALID|MAX|LIMIT|MASK|FIRST|LAST|PAGES)\w*)\s+"
                   r"(0x[0-9A-Fa-f]+|\d+)([uUlL]*)\b")
RESET = re.compile(
    r"(?m)^[ \t]*((?:[\w\.\->\[\]\*]+\s*=\s*(?:0|false|NULL|[A-Z][A-Z0-9_]*|0x[0-9A-Fa-f]+[uUlL]*)\s*;)"
    r"|(?:hv_memset\s*\([^;]*\)\s*;)|(?:[\w\.\->\[\]]+\s*--\s*;))")


def generate(path, relpath):
    text = open(path, encoding="utf-8").read()
    masked = mask_text(text)
    out = []

    def add(func, op, s, e, repl):
        out.append(Mutant(relpath, func, op, s, e, text[s:e], repl, text.count("\n", 0, s) + 1))

    for func, b0, b1 in functions(masked):
        body = masked[b0:b1]
        for m in REL.finditer(body):
            s = b0 + m.start()
            # skip '->' (excluded by the lookbehind for '>') and shifts
            add(func, "rel", s, s + len(m.group(1)), REL_FLIP[m.group(1)])
        for m in IF.finditer(body):
            p = b0 + m.end() - 1
            pe = match_paren(masked, p)
            if pe < 0:
                continue
            se = statement_end(masked, pe)
            stmt = masked[pe:se] if se > 0 else ""
            if "return" in stmt and "MV_STATUS_SUCCESS" not in stmt:
                add(func, "drop-if", p, pe, "(0)")
                terms = or_terms(masked, p + 1, pe - 1)
                if len(terms) > 1 and "?" not in masked[p:pe]:  # no ternaries
                    for ts, te in terms:
                        add(func, "drop-term", ts, te, "0")
        for m in STATUS.finditer(body):
            if m.group(0) in STATUS_SWAP:
                s = b0 + m.start()
                add(func, "status", s, s + len(m.group(0)), STATUS_SWAP[m.group(0)])
        for pat, repl in REVZ_PATTERNS:
            for m in pat.finditer(body):
                s = b0 + m.start()
                add(func, "revz", s, s + len(m.group(0)), repl)
        if RESET_FUNC.search(func):
            for m in RESET.finditer(body):
                s = b0 + m.start(1)
                add(func, "reset", s, s + len(m.group(1)), ";")
    for m in LIMIT.finditer(text):
        v = int(m.group(2), 0)
        hexlit = m.group(2).lower().startswith("0x")
        nv = (v << 1) | 1 if hexlit and v and (v & (v + 1)) == 0 else v + 1
        lit = hex(nv).upper().replace("0X", "0x") if hexlit else str(nv)
        add("#define " + m.group(1), "limit", m.start(2), m.end(2), lit)
    seen = {}
    for mu in out:
        k = (mu.func, mu.op, norm(mu.orig), norm(mu.repl))
        mu.ordinal = seen.get(k, 0)
        seen[k] = mu.ordinal + 1
    return out


def load_equivalent(path):
    """equivalent.txt: `file | key || reason` per line (the last ` || ` separates them:
    a drop-if key holds `||` itself); '#' comments."""
    eq = {}
    for ln in open(path, encoding="utf-8"):
        ln = ln.strip()
        if not ln or ln.startswith("#"):
            continue
        key, _, reason = ln.rpartition(" || ")
        eq[key.strip()] = reason.strip()
    return eq
