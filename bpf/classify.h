/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Classifier keys, built the same way by the datapath (from packet headers)
 * and by bwmd (from pod addresses), so a pod's address always meets its key.
 */
#ifndef BWM_CLASSIFY_H
#define BWM_CLASSIFY_H

#include <linux/types.h>
#include "bwm_maps.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* IPv4 as an IPv4-mapped IPv6 address (RFC 4291 2.5.5.2): ::ffff:a.b.c.d.
 * addr_be is in network byte order, as in the IPv4 header. */
static __always_inline void bwm_addr_key_from_ipv4(struct bwm_addr_key *key, __u32 addr_be)
{
	const __u8 *b = (const __u8 *)&addr_be;
	int i;

	for (i = 0; i < 10; i++)
		key->addr[i] = 0;
	key->addr[10] = 0xff;
	key->addr[11] = 0xff;
	key->addr[12] = b[0];
	key->addr[13] = b[1];
	key->addr[14] = b[2];
	key->addr[15] = b[3];
}

static __always_inline void bwm_addr_key_from_ipv6(struct bwm_addr_key *key, const __u8 addr[16])
{
	int i;

	for (i = 0; i < 16; i++)
		key->addr[i] = addr[i];
}

static __always_inline int bwm_addr_key_is_ipv4(const struct bwm_addr_key *key)
{
	int i;

	for (i = 0; i < 10; i++)
		if (key->addr[i])
			return 0;
	return key->addr[10] == 0xff && key->addr[11] == 0xff;
}

/* The source addresses a host uses before, or beside, the ones it is
 * given (issue 16): unspecified (:: and 0.0.0.0: DAD, DHCP) and IPv6
 * link-local (fe80::/10: neighbour discovery). A pod sending from them
 * is not spoofing. */
static __always_inline int bwm_addr_key_is_link_scope(const struct bwm_addr_key *key)
{
	int i;

	if (key->addr[0] == 0xfe && (key->addr[1] & 0xc0) == 0x80)
		return 1;
	for (i = 0; i < 16; i++)
		if (key->addr[i] && !(i == 10 || i == 11))
			return 0;
	/* ::, or ::ffff:0.0.0.0 */
	return (key->addr[10] == 0 && key->addr[11] == 0) ||
	       (key->addr[10] == 0xff && key->addr[11] == 0xff);
}

#endif /* BWM_CLASSIFY_H */
