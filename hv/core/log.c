/* The hypervisor console: a small printf and line-atomic output. */
#include <hv/arch/arch.h>
#include <hv/log.h>
#include <hv/spinlock.h>
#include <hv/string.h>

struct fmt_out {
	char *buf;
	size_t size;
	size_t len;
};

static void out_char(struct fmt_out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_num(struct fmt_out *o, unsigned long long v, unsigned base,
		    bool upper, bool neg, int width, bool zero, bool left)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[n++] = '-';
	int pad = width > n ? width - n : 0;
	if (!left && !zero)
		while (pad-- > 0)
			out_char(o, ' ');
	if (!left && zero)
		while (pad-- > 0)
			out_char(o, '0');
	while (n)
		out_char(o, tmp[--n]);
	if (left)
		while (pad-- > 0)
			out_char(o, ' ');
}

int hv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			out_char(&o, *fmt);
			continue;
		}
		fmt++;
		bool zero = false, left = false;
		for (;; fmt++) {
			if (*fmt == '0')
				zero = true;
			else if (*fmt == '-')
				left = true;
			else
				break;
		}
		int width = 0;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		int lng = 0;
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}
		unsigned long long u;
		long long s;
		switch (*fmt) {
		case 'd':
		case 'i':
			s = lng ? va_arg(ap, long long) : va_arg(ap, int);
			out_num(&o, s < 0 ? 0ull - (unsigned long long)s : (unsigned long long)s,
				10, false, s < 0, width, zero, left);
			break;
		case 'u':
		case 'x':
		case 'X':
			u = lng ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned int);
			out_num(&o, u, *fmt == 'u' ? 10 : 16, *fmt == 'X', false, width,
				zero, left);
			break;
		case 'p':
			out_char(&o, '0');
			out_char(&o, 'x');
			out_num(&o, (unsigned long long)(uintptr_t)va_arg(ap, void *), 16,
				false, false, width, zero, left);
			break;
		case 'c':
			out_char(&o, (char)va_arg(ap, int));
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			int n = (int)hv_strlen(str);
			int pad = width > n ? width - n : 0;
			if (!left)
				while (pad-- > 0)
					out_char(&o, ' ');
			while (*str)
				out_char(&o, *str++);
			if (left)
				while (pad-- > 0)
					out_char(&o, ' ');
			break;
		}
		case '%':
			out_char(&o, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			out_char(&o, '%');
			out_char(&o, *fmt);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int hv_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = hv_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static struct hv_spinlock console_lock = HV_SPINLOCK_INIT;

static void log_line(const char *fmt, va_list ap)
{
	char line[256] = "[hv] ";
	size_t prefix = 5;

	int n = hv_vsnprintf(line + prefix, sizeof(line) - prefix - 1, fmt, ap);
	size_t len = prefix + ((size_t)n < sizeof(line) - prefix - 2 ? (size_t)n
								    : sizeof(line) - prefix - 2);
	line[len++] = '\n';

	hv_spin_lock(&console_lock);
	arch_console_write(line, len);
	hv_spin_unlock(&console_lock);
}

void hv_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(fmt, ap);
	va_end(ap);
}

void hv_panic(const char *fmt, ...)
{
	va_list ap;

	hv_log("PANIC on pp %u:", (unsigned)arch_pp_id());
	va_start(ap, fmt);
	log_line(fmt, ap);
	va_end(ap);
	arch_halt();
}
