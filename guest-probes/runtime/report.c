/* The MVP line protocol (include/report.h, docs/architecture.md). */
#include <stdarg.h>

#include "cpu.h"
#include "expect.h"
#include "fmt.h"
#include "report.h"
#include "serial.h"

extern const char probe_name[];
extern const char probe_title[];

#define LINE_MAX_LEN 512
#define MAX_IDS 1024

static enum rt_result result = RT_SUCCESS;
static uint64_t n_checks, n_failed;
static const char *context_items = "none";
static bool ended;
static bool stop_expected;

static uint64_t id_hashes[MAX_IDS];
static uint64_t n_ids;

static char line[LINE_MAX_LEN];
static char desc_buf[LINE_MAX_LEN];

static void worsen(enum rt_result r)
{
	if (r > result)
		result = r;
}

static const char *result_name(enum rt_result r)
{
	switch (r) {
	case RT_SUCCESS:
		return "SUCCESS";
	case RT_SKIP:
		return "SKIP";
	case RT_ERROR:
		return "ERROR";
	default:
		return "FAILURE";
	}
}

/* Line writer: protocol lines must not contain raw newlines. */
static void emit(const char *s)
{
	serial_puts(s);
	serial_putc('\n');
}

/* desc: quoted, '"' written as '\'', no control characters. */
static void sanitize(char *s)
{
	for (; *s; s++) {
		if (*s == '"')
			*s = '\'';
		else if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7F)
			*s = '?';
	}
}

/* The characters a token may hold, as a bit mask over ASCII: word 0 holds
 * characters 0-63, word 1 64-127.  Constant masks rather than a string
 * scanned per character: every check line is validated, and on an
 * emulator each guest instruction is dear. */
#define TOK_LO(c) ((c) < 64 ? 1ull << ((c) & 63) : 0ull)
#define TOK_HI(c) ((c) >= 64 ? 1ull << ((c) & 63) : 0ull)
#define TOK_DIGITS 0x03FF000000000000ull /* '0'-'9', word 0 */
#define TOK_LOWER  0x07FFFFFE00000000ull /* 'a'-'z', word 1 */
#define TOK_UPPER  0x0000000007FFFFFEull /* 'A'-'Z', word 1 */

/* ids: [a-z0-9_.-] */
static const uint64_t tok_id[2] = { TOK_DIGITS | TOK_LO('.') | TOK_LO('-'),
				    TOK_LOWER | TOK_HI('_') };
/* items: [a-z0-9A-Z_,] */
static const uint64_t tok_items[2] = { TOK_DIGITS | TOK_LO(','),
				       TOK_LOWER | TOK_UPPER | TOK_HI('_') };
/* expected and got: [a-z0-9A-Z_.-#:<>=!+] */
static const uint64_t tok_value[2] = {
	TOK_DIGITS | TOK_LO('.') | TOK_LO('-') | TOK_LO('#') | TOK_LO(':') | TOK_LO('<') |
		TOK_LO('>') | TOK_LO('=') | TOK_LO('!') | TOK_LO('+'),
	TOK_LOWER | TOK_UPPER | TOK_HI('_') };

static bool valid_token(const char *s, const uint64_t set[2])
{
	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x80 || !(set[c >> 6] >> (c & 63) & 1))
			return false;
	}
	return true;
}

static uint64_t hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ULL;
	return h;
}

static void validate(const char *id, const char *items, const char *expected,
		     const char *got)
{
	uint64_t h, i;

	if (!valid_token(id, tok_id))
		probe_error("bad check id '%s'", id);
	if (!valid_token(items, tok_items))
		probe_error("bad items '%s' in check %s", items, id);
	if (!valid_token(expected, tok_value))
		probe_error("bad expected token '%s' in check %s", expected, id);
	if (!valid_token(got, tok_value))
		probe_error("bad got token '%s' in check %s", got, id);
	h = hash(id);
	for (i = 0; i < n_ids; i++)
		if (id_hashes[i] == h)
			probe_error("duplicate check id '%s'", id);
	if (n_ids < MAX_IDS)
		id_hashes[n_ids++] = h;
}

void report_begin(void)
{
	char title[256];

	rt_snprintf(title, sizeof(title), "%s", probe_title);
	sanitize(title);
	rt_snprintf(line, sizeof(line), "MVP BEGIN probe=%s title=\"%s\"", probe_name, title);
	emit(line);
}

static bool vcheck(const char *id, const char *items, const char *expected, const char *got,
		   const char *verdict, const char *desc, va_list ap)
{
	int n;

	validate(id, items, expected, got);
	/* The line as one snprintf of the whole would make it, desc sanitized:
	 * desc is formatted in place (not into desc_buf and copied: a guest
	 * store per character less), and cut where the whole would be. */
	n = rt_snprintf(line, sizeof(line),
			"MVP CHECK probe=%s id=%s items=%s expected=%s got=%s verdict=%s desc=\"",
			probe_name, id, items, expected, got, verdict);
	if (n < LINE_MAX_LEN - 1) {
		rt_vsnprintf(line + n, sizeof(line) - n, desc, ap);
		sanitize(line + n);
		n += (int)rt_strlen(line + n);
		if (n < LINE_MAX_LEN - 1) {
			line[n] = '"';
			line[n + 1] = '\0';
		}
	}
	emit(line);
	context_items = items;
	n_checks++;
	if (verdict[0] == 'f') {
		n_failed++;
		worsen(RT_FAILURE);
		return false;
	}
	if (verdict[0] == 's')
		worsen(RT_SKIP);
	return true;
}

bool check_eq(const char *id, const char *items, uint64_t expected, uint64_t got,
	      const char *desc, ...)
{
	char e[24], g[24];
	va_list ap;
	bool r;

	rt_snprintf(e, sizeof(e), "0x%llx", (unsigned long long)expected);
	rt_snprintf(g, sizeof(g), "0x%llx", (unsigned long long)got);
	va_start(ap, desc);
	r = vcheck(id, items, e, g, expected == got ? "pass" : "fail", desc, ap);
	va_end(ap);
	return r;
}

bool check_tok(const char *id, const char *items, const char *expected, const char *got,
	       bool pass, const char *desc, ...)
{
	va_list ap;
	bool r;

	va_start(ap, desc);
	r = vcheck(id, items, expected, got, pass ? "pass" : "fail", desc, ap);
	va_end(ap);
	return r;
}

void check_skip(const char *id, const char *items, const char *desc, ...)
{
	va_list ap;

	va_start(ap, desc);
	vcheck(id, items, "-", "-", "skip", desc, ap);
	va_end(ap);
}

void probe_expect_stop(const struct probe_stop *stop, const char *id, const char *items,
		       const char *desc, ...)
{
	static char why[LINE_MAX_LEN / 4];
	char rip[24] = "-";
	va_list ap;

	if (stop_expected)
		probe_error("second probe_expect_stop ('%s'): a probe expects at most one stop", id);
	validate(id, items, "-", "-");
	if (!stop->exit || !valid_token(stop->exit, tok_id) || !stop->why || !*stop->why)
		probe_error("probe_expect_stop ('%s'): no exit type or reason", id);
	rt_snprintf(why, sizeof(why), "%s", stop->why);
	sanitize(why);
	if (stop->rip)
		rt_snprintf(rip, sizeof(rip), "0x%llx", (unsigned long long)stop->rip);
	va_start(ap, desc);
	rt_vsnprintf(desc_buf, sizeof(desc_buf), desc, ap);
	va_end(ap);
	sanitize(desc_buf);
	rt_snprintf(line, sizeof(line),
		    "MVP EXPECT-STOP probe=%s id=%s items=%s pp=%u exit=%s rip=%s why=\"%s\" "
		    "desc=\"%s\"", probe_name, id, items, stop->pp, stop->exit, rip, why, desc_buf);
	emit(line);
	serial_flush();
	context_items = items;
	stop_expected = true;
}

bool report_stop_expected(void)
{
	return stop_expected;
}

__attribute__((noreturn)) void report_end(void)
{
	if (ended) /* a fault while ending: give up quietly but visibly */
		outb(EXP_EXIT_PORT, RT_FAILURE);
	else {
		ended = true;
		rt_snprintf(line, sizeof(line), "MVP END probe=%s result=%s checks=%llu failed=%llu",
			    probe_name, result_name(result), (unsigned long long)n_checks,
			    (unsigned long long)n_failed);
		emit(line);
		outb(EXP_EXIT_PORT, (uint8_t)result);
	}
	cpu_halt_forever();
}

void rt_log(const char *fmt, ...)
{
	char buf[LINE_MAX_LEN];
	va_list ap;

	va_start(ap, fmt);
	rt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	serial_puts("probe: ");
	emit(buf);
}

__attribute__((noreturn)) void probe_error(const char *fmt, ...)
{
	char buf[LINE_MAX_LEN];
	va_list ap;

	va_start(ap, fmt);
	rt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	serial_puts("probe: ERROR: ");
	emit(buf);
	worsen(RT_ERROR);
	report_end();
}

static char rot_bufs[16][96];
static unsigned rot_next;

const char *rt_fmt(const char *fmt, ...)
{
	char *b = rot_bufs[rot_next++ % 16];
	va_list ap;

	va_start(ap, fmt);
	rt_vsnprintf(b, sizeof(rot_bufs[0]), fmt, ap);
	va_end(ap);
	return b;
}

const char *rt_hex(uint64_t v)
{
	return rt_fmt("0x%llx", (unsigned long long)v);
}

void rt_set_context_items(const char *items)
{
	if (context_items != items) /* every hypercall names its items: a store only when they change */
		context_items = items;
}

const char *rt_context_items(void)
{
	return context_items;
}

const char *rt_vector_name(uint64_t vector)
{
	static const char *const names[32] = {
		"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
		"#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "v15",
		"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "v22", "v23",
		"v24", "v25", "v26", "v27", "#HV", "#VC", "#SX", "v31",
	};
	return vector < 32 ? names[vector] : "?";
}

__attribute__((noreturn)) void report_exception(uint64_t vector, uint64_t error, uint64_t rip,
						const char *what)
{
	char got[16];
	static bool in_exception;

	if (in_exception || ended)
		report_end(); /* nested fault: END (or port 0xF4) without more */
	in_exception = true;
	rt_snprintf(got, sizeof(got), "vector-%llu", (unsigned long long)vector);
	check_tok("unexpected-exception", context_items, "none", got, false,
		  "unexpected exception %s (vector %llu) error=0x%llx rip=0x%llx%s%s",
		  rt_vector_name(vector), (unsigned long long)vector,
		  (unsigned long long)error, (unsigned long long)rip, what ? " " : "",
		  what ? what : "");
	report_end();
}

enum rt_result report_result(void)
{
	return result;
}

uint64_t report_checks(void)
{
	return n_checks;
}

uint64_t report_failed(void)
{
	return n_failed;
}
