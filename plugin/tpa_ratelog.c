/*
 * tpa_ratelog.c - one line per interval, with a count of the rest.
 */
#include "tpa_ratelog.h"

#include <time.h>

int tpa_ratelog_init(struct tpa_ratelog *rl, uint64_t interval_ms)
{
	rl->interval_ms = interval_ms;
	rl->next_ms = 0;
	rl->suppressed = 0;
	return pthread_mutex_init(&rl->lock, NULL) == 0 ? 0 : -1;
}

void tpa_ratelog_destroy(struct tpa_ratelog *rl)
{
	pthread_mutex_destroy(&rl->lock);
}

int tpa_ratelog_allow(struct tpa_ratelog *rl, uint64_t now_ms,
		      unsigned long *suppressed)
{
	int allow = 0;

	pthread_mutex_lock(&rl->lock);
	if (now_ms >= rl->next_ms) {
		allow = 1;
		*suppressed = rl->suppressed;
		rl->suppressed = 0;
		rl->next_ms = now_ms + rl->interval_ms;
	} else {
		rl->suppressed++;
	}
	pthread_mutex_unlock(&rl->lock);
	return allow;
}

uint64_t tpa_ratelog_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
