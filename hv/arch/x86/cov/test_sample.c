/*
 * The instrumented unit of test_gcda.c: branches, a loop, a function never
 * called and one called often, so the counters hold zeros, small and large
 * values.  Compiled with -fprofile-arcs -fprofile-info-section=gcov_info.
 */
int sample_classify(int x);
int sample_sum(int n);
int sample_unused(int x);

int sample_classify(int x)
{
	if (x < 0)
		return -1;
	if (x == 0)
		return 0;
	return x > 1000 ? 2 : 1;
}

int sample_sum(int n)
{
	int s = 0;

	for (int i = 0; i < n; i++)
		s += sample_classify(i - 3);
	return s;
}

int sample_unused(int x)
{
	return x * 3 + (x & 1 ? 7 : 9);
}
