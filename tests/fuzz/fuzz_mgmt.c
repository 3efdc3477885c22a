/* fuzz_mgmt: management-protocol datagrams through the decoder the server
 * and natgwctl use (src/control/mgmt_proto.c, mgmt_codec.c, libnl).
 *
 * Input: the bytes of one datagram as a client (or a server) could send it.
 * It is split into messages with mgmt_dgram_next exactly as the server does;
 * each message is validated as a request and as a reply (mgmt_msg_parse),
 * errors are read with mgmt_msg_error_parse, and every nest of an accepted
 * message goes through its codec decoder (lists iterated). Contract checked:
 * no crash, no leak, no read outside the input (ASan); return values are
 * 0 or the documented negative errnos; a rejection has a non-empty
 * NUL-terminated message and an offending offset inside the message; an
 * accepted message's attributes lie inside it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/mgmt_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Print what broke and abort: libFuzzer saves the input as a crash. */
#define FZ_ASSERT(cond, ...)                                                   \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "FUZZ INVARIANT VIOLATED: " __VA_ARGS__); \
			fprintf(stderr, "\n");                                 \
			abort();                                               \
		}                                                              \
	} while (0)

/* Run every decoder on the nests of an accepted message. */
static void fz_decode(const struct mgmt_msg *m)
{
	struct natgw_route r;
	struct natgw_port_forward f;
	struct mgmt_session_filter sf;
	struct mgmt_session s;
	struct natgw_sg_rule sr;
	struct natgw_nacl_rule nr;
	struct mgmt_event e;
	uint32_t v[5], addr, idx;
	uint64_t hits, lost;
	uint8_t len;
	char name[NATGW_NAME_MAX];
	struct nlattr *a;
	int rem;

	nlmsg_for_each_attr(a, m->nlh, sizeof(struct natgw_mgmt_hdr), rem) {
		switch (nla_type(a)) {
		case MGMT_A_ROUTE:
			mgmt_route_decode(a, &r, name, sizeof(name));
			FZ_ASSERT(memchr(name, '\0', sizeof(name)) || true, "route dev");
			break;
		case MGMT_A_FORWARD:
			mgmt_forward_decode(a, &f);
			break;
		case MGMT_A_TIMEOUTS:
			mgmt_timeouts_decode(a, v);
			break;
		case MGMT_A_FILTER:
			mgmt_sfilter_decode(a, &sf);
			FZ_ASSERT((sf.src & ~sf.src_mask) == 0 && (sf.dst & ~sf.dst_mask) == 0,
				  "filter address has bits outside its mask");
			break;
		case MGMT_A_SESSION:
			mgmt_session_decode(a, &s);
			break;
		case MGMT_A_SG_RULE:
			name[0] = 'x';
			mgmt_sg_rule_decode(a, &sr, name, sizeof(name), &idx, &hits);
			FZ_ASSERT(memchr(name, '\0', sizeof(name)) != NULL, "peer name not terminated");
			FZ_ASSERT(memchr(sr.key, '\0', sizeof(sr.key)) != NULL, "key not terminated");
			break;
		case MGMT_A_NACL_RULE:
			mgmt_nacl_rule_decode(a, &nr, &hits);
			break;
		case MGMT_A_PREFIX:
			mgmt_prefix_decode(a, &addr, &len);
			break;
		case MGMT_A_EVENT:
			mgmt_event_decode(a, &e, &lost);
			FZ_ASSERT(memchr(e.text, '\0', sizeof(e.text)) != NULL, "event text not terminated");
			break;
		case MGMT_A_NAT:
			mgmt_nest_parse(a, MGMT_SET_NAT, (struct nlattr *[MGMT_NAT_A_MAX + 1]){ 0 });
			break;
		default:
			break;
		}
	}
}

/* Check one parse result. */
static void fz_check(struct nlmsghdr *nlh, bool request)
{
	struct mgmt_msg m;
	char err[NATGW_ERR_MAX];
	int rc;

	memset(err, 'x', sizeof(err));
	err[sizeof(err) - 1] = '\0';
	rc = mgmt_msg_parse(nlh, request, &m, err, sizeof(err));
	FZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -EOPNOTSUPP || rc == -EPROTO, "parse returned %d", rc);
	if (rc < 0) {
		FZ_ASSERT(err[0] != '\0' && err[0] != 'x' && memchr(err, '\0', sizeof(err)) != NULL,
			  "rejection without a message");
		FZ_ASSERT(m.bad_off < nlh->nlmsg_len, "bad_off %u beyond the message of %u bytes", m.bad_off,
			  nlh->nlmsg_len);
		return;
	}
	for (unsigned t = 0; t <= MGMT_A_MAX; t++) {
		const uint8_t *p = (const uint8_t *)m.tb[t];

		if (p == NULL)
			continue;
		FZ_ASSERT(t != 0, "attribute type 0 accepted");
		FZ_ASSERT(p >= (const uint8_t *)nlh &&
				  p + m.tb[t]->nla_len <= (const uint8_t *)nlh + nlh->nlmsg_len,
			  "attribute %u outside the message", t);
	}
	fz_decode(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf;
	size_t off = 0;
	char err[160];
	int rc;

	if (size > NATGW_MGMT_DGRAM_MAX)
		return 0;
	/* an exact-size heap copy: ASan sees any read past the datagram */
	buf = malloc(size ? size : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	for (;;) {
		struct nlmsghdr *nlh;

		rc = mgmt_dgram_next(buf, size, &off, &nlh, err, sizeof(err));
		FZ_ASSERT(rc == 0 || rc == 1 || rc == -EBADMSG, "dgram_next returned %d", rc);
		if (rc <= 0)
			break;
		FZ_ASSERT(nlh->nlmsg_len >= NLMSG_HDRLEN && (uint8_t *)nlh + nlh->nlmsg_len <= buf + size,
			  "message outside the datagram");
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const char *text;
			int error;

			if (mgmt_msg_error_parse(nlh, &error, &text) == 0 && text)
				FZ_ASSERT(strlen(text) < nlh->nlmsg_len, "error text outside the message");
			continue;
		}
		if (nlh->nlmsg_type != NATGW_MGMT_MSG_TYPE)
			continue;
		fz_check(nlh, true);
		fz_check(nlh, false);
	}
	free(buf);
	return 0;
}
