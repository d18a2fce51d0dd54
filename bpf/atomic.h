/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * State that several CPUs update at once: a pod's departure clock, its CoDel
 * state and its sparse budget (issue 12). The queue fix spreads a pod's flows
 * over TX queues, and so over CPUs, so two CPUs often handle one pod's
 * packets at the same instant; a plain load, compute and store then loses
 * one of the two updates.
 *
 * The same builtins compile to BPF ISA v3 atomics (clang -mcpu=v3: BPF_ATOMIC
 * with BPF_FETCH for a fetch-and-add whose result is used, BPF_CMPXCHG for a
 * compare-and-swap; kernel 5.12+, commit 5ca419f2864a "bpf: Add BPF_FETCH
 * field / create atomic_fetch_add instruction") and to the host's own
 * atomics in the cmocka tests, so both run the same code.
 */
#ifndef BWM_ATOMIC_H
#define BWM_ATOMIC_H

#include <linux/types.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* A load the compiler neither tears nor repeats, as the kernel's READ_ONCE. */
#define BWM_READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define BWM_WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

/* Adds v to *p; returns the value before. */
static __always_inline __u64 atomic_fetch_add_u64(__u64 *p, __u64 v)
{
	return __sync_fetch_and_add(p, v);
}

/* Sets *p to desired if it holds expected; returns whether it did. */
static __always_inline int atomic_cas_u64(__u64 *p, __u64 expected, __u64 desired)
{
	return __sync_val_compare_and_swap(p, expected, desired) == expected;
}

#endif /* BWM_ATOMIC_H */
