/*
 * tpa_ratelog: at most one log line per interval for a kind of event,
 * with the number of events that were not logged, so that a failure that
 * repeats on every request (Redis down) never floods the log.
 *
 * Thread-safe; never blocks but for a short lock.
 */
#ifndef TPA_RATELOG_H
#define TPA_RATELOG_H

#include <pthread.h>
#include <stdint.h>

#define TPA_RATELOG_INTERVAL_MS 10000

struct tpa_ratelog {
	pthread_mutex_t lock;
	uint64_t interval_ms;
	uint64_t next_ms;	  /* monotonic ms from which a line may go */
	unsigned long suppressed; /* events since the last line */
};

/* Returns 0, or -1 if the lock cannot be made. */
int tpa_ratelog_init(struct tpa_ratelog *rl, uint64_t interval_ms);

void tpa_ratelog_destroy(struct tpa_ratelog *rl);

/*
 * One event at now_ms (a monotonic clock): returns 1 if it may be logged
 * now, with the number of events that were not logged since the last line
 * in *suppressed; 0 if not (it is counted).
 */
int tpa_ratelog_allow(struct tpa_ratelog *rl, uint64_t now_ms,
		      unsigned long *suppressed);

/* CLOCK_MONOTONIC in ms. */
uint64_t tpa_ratelog_now_ms(void);

#endif /* TPA_RATELOG_H */
