/* A test-and-test-and-set spinlock (C11/GCC atomics, no arch code). */
#ifndef HV_SPINLOCK_H
#define HV_SPINLOCK_H

#include <hv/types.h>

struct hv_spinlock {
	volatile int locked;
};

#define HV_SPINLOCK_INIT { 0 }

static inline void hv_spin_lock(struct hv_spinlock *l)
{
	for (;;) {
		if (!__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
			return;
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			;
	}
}

static inline void hv_spin_unlock(struct hv_spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif /* HV_SPINLOCK_H */
