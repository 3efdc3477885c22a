/* Unit-test checks shared by every test program: CHECK counts and reports
 * one line per failed check; tu_summary prints the summary line and returns
 * the exit status. Header-only. */
#ifndef NATGW_TEST_CHECK_H
#define NATGW_TEST_CHECK_H

#include <stdio.h>

static unsigned tu_passed, tu_failed;

#define CHECK(cond, ...)                                                      \
	do {                                                                  \
		if (cond) {                                                   \
			tu_passed++;                                          \
		} else {                                                      \
			tu_failed++;                                          \
			printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			printf(__VA_ARGS__);                                  \
			printf("\n");                                         \
		}                                                             \
	} while (0)

/* Print the summary line and return the process exit status. */
static inline int tu_summary(const char *name)
{
	if (tu_failed > 0) {
		printf("%s: %u checks failed, %u passed\n", name, tu_failed, tu_passed);
		return 1;
	}
	printf("%s: %u checks passed\n", name, tu_passed);
	return 0;
}

#endif
