/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Crafted Ethernet + IPv4/IPv6 + TCP packets, untagged or behind in-band
 * VLAN tags, for running the egress program through BPF_PROG_TEST_RUN
 * (tests/bpf, bench/prog_cost.c).
 */
#ifndef BWM_TEST_PACKET_H
#define BWM_TEST_PACKET_H

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <stdint.h>
#include <string.h>

struct packet {
	struct ethhdr eth;
	union {
		struct {
			struct iphdr ip;
			struct tcphdr tcp;
		} v4;
		struct {
			struct ipv6hdr ip;
			struct tcphdr tcp;
		} v6;
	};
	uint8_t payload[64];
} __attribute__((packed));

/* saddr and daddr in network byte order. Returns the packet's length. */
static inline size_t packet_ipv4(struct packet *p, uint32_t saddr, uint32_t daddr)
{
	memset(p, 0, sizeof(*p));
	p->eth.h_proto = htons(ETH_P_IP);
	p->v4.ip.version = 4;
	p->v4.ip.ihl = 5;
	p->v4.ip.ttl = 64;
	p->v4.ip.protocol = IPPROTO_TCP;
	p->v4.ip.tot_len = htons(sizeof(p->v4) + sizeof(p->payload));
	p->v4.ip.saddr = saddr;
	p->v4.ip.daddr = daddr;
	p->v4.tcp.doff = 5;
	return sizeof(p->eth) + sizeof(p->v4) + sizeof(p->payload);
}

static inline size_t packet_ipv6(struct packet *p, const uint8_t saddr[16], const uint8_t daddr[16])
{
	memset(p, 0, sizeof(*p));
	p->eth.h_proto = htons(ETH_P_IPV6);
	p->v6.ip.version = 6;
	p->v6.ip.hop_limit = 64;
	p->v6.ip.nexthdr = IPPROTO_TCP;
	p->v6.ip.payload_len = htons(sizeof(p->v6.tcp) + sizeof(p->payload));
	memcpy(&p->v6.ip.saddr, saddr, 16);
	memcpy(&p->v6.ip.daddr, daddr, 16);
	p->v6.tcp.doff = 5;
	return sizeof(p->eth) + sizeof(p->v6) + sizeof(p->payload);
}

/* The checksum over the 20-byte IPv4 header at l3_offset of a frame; 0 when
 * the header's own checksum field is right. */
static inline uint16_t packet_ipv4_checksum_at(const void *frame, size_t l3_offset)
{
	const uint8_t *header = (const uint8_t *)frame + l3_offset;
	uint32_t sum = 0;

	for (size_t i = 0; i < sizeof(struct iphdr); i += 2) {
		uint16_t w;

		memcpy(&w, header + i, sizeof(w));
		sum += w;
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static inline uint16_t packet_ipv4_checksum(const struct packet *p)
{
	return packet_ipv4_checksum_at(p, sizeof(p->eth));
}

/* ECN codepoints (RFC 3168). */
enum { PACKET_NOT_ECT = 0, PACKET_ECT0 = 2, PACKET_CE = 3 };

/* Sets the packet's ECN field; an IPv4 header gets its checksum refreshed. */
static inline void packet_set_ecn(struct packet *p, uint8_t ecn)
{
	if (p->eth.h_proto == htons(ETH_P_IP)) {
		p->v4.ip.tos = (uint8_t)((p->v4.ip.tos & ~3) | ecn);
		p->v4.ip.check = 0;
		p->v4.ip.check = packet_ipv4_checksum(p);
		return;
	}
	/* The traffic class's low 2 bits are bits 5-4 of the header's byte 1. */
	p->v6.ip.flow_lbl[0] = (uint8_t)((p->v6.ip.flow_lbl[0] & ~0x30) | ecn << 4);
}

/* In-band VLAN tags (802.1Q, and 802.1ad outside it for QinQ) between the
 * MAC addresses and the ethertype of the frame they tag. */
#define PACKET_VLAN_TAG_LEN 4
#define PACKET_MAX_TAGS 2

struct tagged_packet {
	uint8_t bytes[sizeof(struct packet) + PACKET_MAX_TAGS * PACKET_VLAN_TAG_LEN];
};

/* Where the IP header of a frame with n_tags in-band tags starts. */
static inline size_t packet_l3_offset(size_t n_tags)
{
	return ETH_HLEN + n_tags * PACKET_VLAN_TAG_LEN;
}

/* The len-byte frame p behind n_tags (at most PACKET_MAX_TAGS) tags with
 * these TPIDs, outer first (ETH_P_8021AD, ETH_P_8021Q), VLAN ids 100, 101
 * and so on. Returns the tagged frame's length. */
static inline size_t packet_tag(struct tagged_packet *t, const struct packet *p, size_t len,
				const uint16_t *tpids, size_t n_tags)
{
	const size_t macs = 2 * ETH_ALEN;

	memcpy(t->bytes, p, macs);
	for (size_t i = 0; i < n_tags; i++) {
		uint16_t tag[2] = { htons(tpids[i]), htons((uint16_t)(100 + i)) };

		memcpy(t->bytes + macs + i * PACKET_VLAN_TAG_LEN, tag, sizeof(tag));
	}
	memcpy(t->bytes + macs + n_tags * PACKET_VLAN_TAG_LEN, (const uint8_t *)p + macs, len - macs);
	return len + n_tags * PACKET_VLAN_TAG_LEN;
}

#endif /* BWM_TEST_PACKET_H */
