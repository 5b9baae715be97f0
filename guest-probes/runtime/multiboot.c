/* Access to the multiboot v1 information: memory, command line. */
#include "expect.h"
#include "fmt.h"
#include "multiboot.h"

const struct mb_info *mb_info(void)
{
	if (rt_mb_magic != EXP_MB_LOADER_MAGIC || !rt_mb_info)
		return 0;
	return (const struct mb_info *)(uintptr_t)rt_mb_info;
}

const char *mb_cmdline(void)
{
	const struct mb_info *mbi = mb_info();

	if (!mbi || !(mbi->flags & MB_INFO_CMDLINE) || !mbi->cmdline)
		return "";
	return (const char *)(uintptr_t)mbi->cmdline;
}

const char *mb_cmdline_get(const char *key, char *buf, uint64_t size)
{
	const char *p = mb_cmdline();
	size_t klen = rt_strlen(key);

	while (*p) {
		const char *w = p;
		size_t wlen = 0;

		while (w[wlen] && w[wlen] != ' ')
			wlen++;
		p = w + wlen;
		while (*p == ' ')
			p++;
		if (wlen >= klen && !rt_strncmp(w, key, klen) &&
		    (wlen == klen || w[klen] == '=')) {
			uint64_t n = 0;
			const char *v = w + klen + (wlen > klen);
			size_t vlen = wlen - klen - (wlen > klen);

			if (!size)
				return buf;
			for (; n + 1 < size && n < vlen; n++)
				buf[n] = v[n];
			buf[n] = '\0';
			return buf;
		}
	}
	return 0;
}

bool mb_cmdline_has(const char *key)
{
	char b[2];

	return mb_cmdline_get(key, b, sizeof(b)) != 0;
}
