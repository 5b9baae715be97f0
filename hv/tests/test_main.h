/*
 * The harness shared by the hv unit tests (test_core, test_mm, test_xvio):
 * the EXPECT_* checks, and main() over a table of named tests.  Each test
 * runs in its own process (the core's tables are static): `test_x NAME`
 * runs one; with no argument the names are listed (CTest adds one each).
 */
#ifndef HV_TESTS_TEST_MAIN_H
#define HV_TESTS_TEST_MAIN_H

#include <stdio.h>
#include <string.h>

static int failures;

#define EXPECT_EQ(a, b)                                                                    \
	do {                                                                               \
		unsigned long long _a = (unsigned long long)(a), _b = (unsigned long long)(b); \
		if (_a != _b) {                                                            \
			fprintf(stderr, "%s:%d: %s == %s: got 0x%llx, expected 0x%llx\n",   \
				__FILE__, __LINE__, #a, #b, _a, _b);                       \
			failures++;                                                        \
		}                                                                          \
	} while (0)
#define EXPECT_TRUE(c) EXPECT_EQ(!!(c), 1)

struct test_case {
	const char *name;
	void (*fn)(void);
};

/* No argument: list the names (exit 0); one: run that test (exit 0 PASS,
 * 1 FAIL, 2 no such test); more: list them, exit 2. */
static int test_main(const char *prog, const struct test_case *tests, size_t n, int argc,
		     char **argv)
{
	if (argc != 2) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", tests[i].name);
		return argc == 1 ? 0 : 2;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(argv[1], tests[i].name) == 0) {
			tests[i].fn();
			printf("%s: %s\n", tests[i].name, failures ? "FAIL" : "PASS");
			return failures ? 1 : 0;
		}
	}
	fprintf(stderr, "%s: no test named '%s'\n", prog, argv[1]);
	return 2;
}

/* main() for a file whose tests are in `table` (an array of struct test_case). */
#define TEST_MAIN(prog, table)                                                             \
	int main(int argc, char **argv)                                                    \
	{                                                                                  \
		return test_main(prog, table, sizeof(table) / sizeof(table[0]), argc, argv); \
	}

#endif /* HV_TESTS_TEST_MAIN_H */
