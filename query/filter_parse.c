// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * filter_parse.c — tokenizer and recursive-descent parser for filter.h's grammar.
 *
 * Beyond the grammar in filter.h, two tcpdump conveniences are accepted:
 *  - a bare value after a qualified primitive reuses its qualifiers, as in
 *    tcpdump: "host 10.0.0.1 or 10.0.0.2", "src port 80 or 443",
 *    "tcp port 80 or 443" (= tcp port 80 or tcp port 443). Only values that look
 *    like a number or an address are taken this way, and only while the last
 *    primitive was host/net/port/portrange; otherwise a bare value is an error.
 *  - "tcp", "udp", "ip" or "ip6" directly before a host/net/port/portrange
 *    primitive, and "ip"/"ip6" before "proto", mean "and": "tcp port 80",
 *    "ip6 src net fd00::/8", "ip proto 47".
 * "net ADDR" without a prefix length is a /32 (/128); bits set outside the
 * prefix ("net 10.0.0.1/8") are an error, as in tcpdump; "mask" must be a
 * contiguous prefix mask of the address's family.
 * A NAME (after "point" or "comm") is a word or a double-quoted string without
 * escapes, for names with blanks or ( ) ! & | in them: comm "Web Content".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include "query/filter_int.h"

/* TK_STR: "..." (pos/len include the quotes); only a NAME may be one. */
enum tok_kind { TK_END, TK_WORD, TK_STR, TK_LPAREN, TK_RPAREN, TK_NOT, TK_AND, TK_OR, TK_BAD };

struct tok {
	enum tok_kind kind;
	int pos;
	int len;
};

enum qual_kind { Q_NONE, Q_HOST, Q_NET, Q_PORT, Q_PORTRANGE };

/* The qualifiers of the last host/net/port/portrange, for tcpdump-style reuse. */
struct qual {
	enum qual_kind kind;
	enum pf_dir dir;
	int proto_tok;		/* index of a "tcp"/"udp"/"ip"/"ip6" prefix, or -1 */
};

struct parser {
	const char *s;
	struct tok *toks;	/* ntok entries, the last one TK_END */
	int ntok;
	int i;			/* current token */
	int depth;
	struct qual last;
	struct pt_filter_err *err;
	int rc;			/* 0, or the first error */
};

static const char *const qual_words[] = {
	[Q_HOST] = "host", [Q_NET] = "net", [Q_PORT] = "port", [Q_PORTRANGE] = "portrange",
};

/* Record the first error only; returns NULL so callers can "return fail(...)". */
static void *fail(struct parser *p, int pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void *fail(struct parser *p, int pos, const char *fmt, ...)
{
	va_list ap;

	if (p->rc)
		return NULL;
	p->rc = -EINVAL;
	p->err->pos = pos;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	return NULL;
}

static void *fail_nomem(struct parser *p)
{
	if (!p->rc) {
		p->rc = -ENOMEM;
		p->err->pos = 0;
		snprintf(p->err->msg, sizeof(p->err->msg), "out of memory");
	}
	return NULL;
}

static int is_op_char(char c)
{
	return c == '(' || c == ')' || c == '!' || c == '&' || c == '|';
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static enum tok_kind word_kind(const char *w, int len)
{
	if (len == 3 && !memcmp(w, "and", 3))
		return TK_AND;
	if (len == 2 && !memcmp(w, "or", 2))
		return TK_OR;
	if (len == 3 && !memcmp(w, "not", 3))
		return TK_NOT;
	return TK_WORD;
}

/* Length and kind of the operator token at s; a lone & or | is TK_BAD. */
static int op_len(const char *s, enum tok_kind *kind)
{
	switch (*s) {
	case '(': *kind = TK_LPAREN; return 1;
	case ')': *kind = TK_RPAREN; return 1;
	case '!': *kind = TK_NOT; return 1;
	}
	if (s[1] == *s) {
		*kind = *s == '&' ? TK_AND : TK_OR;
		return 2;
	}
	*kind = TK_BAD;
	return 1;
}

/* Length of the quoted string at s (quotes included), or 0 when it is never closed. */
static int str_len(const char *s)
{
	const char *end = strchr(s + 1, '"');

	return end ? (int)(end - s) + 1 : 0;
}

/* Split p->s into p->toks. Returns 0, -ENOMEM, or -EINVAL for an unclosed quote (error set). */
static int tokenize(struct parser *p)
{
	size_t n = strlen(p->s);
	int i = 0, len;

	p->toks = calloc(n + 1, sizeof(*p->toks));
	if (!p->toks)
		return fail_nomem(p), p->rc;
	while (p->s[i]) {
		struct tok *t = &p->toks[p->ntok];

		if (is_blank(p->s[i])) {
			i++;
			continue;
		}
		t->pos = i;
		if (is_op_char(p->s[i])) {
			len = op_len(p->s + i, &t->kind);
		} else if (p->s[i] == '"') {
			len = str_len(p->s + i);
			if (!len)
				return fail(p, i, "unterminated quoted name: no closing '\"'"), p->rc;
			t->kind = TK_STR;
		} else {
			for (len = 0; p->s[i + len] && !is_blank(p->s[i + len]) &&
			     !is_op_char(p->s[i + len]); len++)
				;
			t->kind = word_kind(p->s + i, len);
		}
		t->len = len;
		i += len;
		p->ntok++;
	}
	p->toks[p->ntok].kind = TK_END;
	p->toks[p->ntok].pos = i;
	p->ntok++;
	return 0;
}

static struct tok *cur(struct parser *p)
{
	return &p->toks[p->i];
}

static struct tok *peek(struct parser *p, int ahead)
{
	int i = p->i + ahead;

	return &p->toks[i < p->ntok ? i : p->ntok - 1];
}

static int tok_is(const struct parser *p, const struct tok *t, const char *w)
{
	return t->kind != TK_END && (int)strlen(w) == t->len && !memcmp(p->s + t->pos, w, t->len);
}

/* Quote a token for a message into buf: "word", "&", "end of expression"; a "string" as is. */
static const char *tok_desc(const struct parser *p, const struct tok *t, char *buf, size_t sz)
{
	if (t->kind == TK_END)
		return "end of expression";
	if (t->kind == TK_STR && t->len <= 40)
		snprintf(buf, sz, "%.*s", t->len, p->s + t->pos);
	else if (t->len > 40)
		snprintf(buf, sz, "\"%.37s...\"", p->s + t->pos);
	else
		snprintf(buf, sz, "\"%.*s\"", t->len, p->s + t->pos);
	return buf;
}

/* Copy a word token into buf (NUL-terminated). Returns 0, or -1 when it does not fit. */
static int tok_copy(const struct parser *p, const struct tok *t, char *buf, size_t sz)
{
	if (t->kind != TK_WORD || (size_t)t->len >= sz)
		return -1;
	memcpy(buf, p->s + t->pos, t->len);
	buf[t->len] = '\0';
	return 0;
}

/* Error for a token that cannot continue the expression here; what is what was expected. */
static void *unexpected(struct parser *p, const struct tok *t, const char *what)
{
	char got[48];

	if (t->kind == TK_BAD)
		return fail(p, t->pos, "expected \"%c%c\", got a single \"%c\"", p->s[t->pos], p->s[t->pos],
			    p->s[t->pos]);
	return fail(p, t->pos, "expected %s, got %s", what, tok_desc(p, t, got, sizeof(got)));
}

static struct pf_node *node_new(struct parser *p, enum pf_kind kind, int pos)
{
	struct pf_node *n = calloc(1, sizeof(*n));

	if (!n)
		return fail_nomem(p);
	n->kind = kind;
	n->pos = pos;
	return n;
}

/* Join l and r with a binary operator; frees both and returns NULL on failure. */
static struct pf_node *node_bin(struct parser *p, enum pf_kind kind, int pos,
				struct pf_node *l, struct pf_node *r)
{
	struct pf_node *n;

	if (!l || !r) {
		pf_node_free(l);
		pf_node_free(r);
		return NULL;
	}
	n = node_new(p, kind, pos);
	if (!n) {
		pf_node_free(l);
		pf_node_free(r);
		return NULL;
	}
	n->l = l;
	n->r = r;
	return n;
}

/*
 * Parse an unsigned decimal of at most max. Returns 0, -1 when str is not a
 * number, -2 when it is one but larger than max.
 */
static int parse_uint(const char *str, int len, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	int i;

	if (len <= 0)
		return -1;
	for (i = 0; i < len; i++)
		if (str[i] < '0' || str[i] > '9')
			return -1;
	for (i = 0; i < len; i++) {
		v = v * 10 + (str[i] - '0');
		if (v > max)
			return -2;
	}
	*out = v;
	return 0;
}

/* Parse an IPv4 or IPv6 address. Returns the family (4 or 6), or 0. */
static int parse_ip(const char *str, __u8 addr[16])
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, str, addr) == 1)
		return 4;
	if (inet_pton(AF_INET6, str, addr) == 1)
		return 6;
	return 0;
}

static void prefix_mask(int family, int plen, __u8 mask[16])
{
	int i;

	memset(mask, 0, 16);
	for (i = 0; i < (family == 4 ? 4 : 16) && plen > 0; i++, plen -= 8)
		mask[i] = plen >= 8 ? 0xff : (__u8)(0xff << (8 - plen));
}

/* Returns the prefix length of a contiguous mask, or -1. */
static int mask_plen(int family, const __u8 mask[16])
{
	__u8 want[16];
	int plen = 0, i, bytes = family == 4 ? 4 : 16;

	for (i = 0; i < bytes; i++)
		plen += __builtin_popcount(mask[i]);
	prefix_mask(family, plen, want);
	return memcmp(want, mask, 16) ? -1 : plen;
}

static struct pf_node *parse_host(struct parser *p, const struct qual *q, const struct tok *v)
{
	char word[64], got[48];
	struct pf_node *n;
	int fam;

	if (!tok_copy(p, v, word, sizeof(word)) && strchr(word, '/'))
		return fail(p, v->pos, "expected an address after \"host\", got %s (use \"net\" for a prefix)",
			    tok_desc(p, v, got, sizeof(got)));
	n = node_new(p, PF_ADDR, v->pos);
	if (!n)
		return NULL;
	fam = tok_copy(p, v, word, sizeof(word)) ? 0 : parse_ip(word, n->addr);
	if (!fam) {
		pf_node_free(n);
		return fail(p, v->pos, "expected an IPv4 or IPv6 address after \"host\", got %s",
			    tok_desc(p, v, got, sizeof(got)));
	}
	n->family = fam;
	n->dir = q->dir;
	prefix_mask(fam, fam == 4 ? 32 : 128, n->mask);
	return n;
}

/* "net A mask M" with "mask" current: fills n->mask, advances past M. Returns 0 or -1 (error set). */
static int parse_net_mask(struct parser *p, struct pf_node *n)
{
	struct tok *m = peek(p, 1);
	char word[64], got[48];
	int fam;

	fam = tok_copy(p, m, word, sizeof(word)) ? 0 : parse_ip(word, n->mask);
	if (!fam) {
		fail(p, m->pos, "expected a netmask after \"mask\", got %s", tok_desc(p, m, got, sizeof(got)));
		return -1;
	}
	if (fam != n->family) {
		fail(p, m->pos, "netmask %s is IPv%d but the address is IPv%d", word, fam, n->family);
		return -1;
	}
	if (mask_plen(fam, n->mask) < 0) {
		fail(p, m->pos, "netmask %s is not a contiguous prefix mask", word);
		return -1;
	}
	p->i += 2;
	return 0;
}

/* The "/len" part of "net A/len". Returns 0 or -1 (error set). */
static int parse_net_plen(struct parser *p, struct pf_node *n, const struct tok *v, const char *slash,
			  const char *word)
{
	int off = (int)(slash - word) + 1, max = n->family == 4 ? 32 : 128;
	unsigned long plen;
	int rc = parse_uint(slash + 1, (int)strlen(slash + 1), max, &plen);

	if (rc == -1) {
		fail(p, v->pos + off, "expected a prefix length after \"/\" in \"%s\"", word);
		return -1;
	}
	if (rc == -2) {
		fail(p, v->pos + off, "prefix length /%s out of range for IPv%d (0..%d)", slash + 1,
		     n->family, max);
		return -1;
	}
	prefix_mask(n->family, (int)plen, n->mask);
	return 0;
}

/* Error unless the address has no bits outside its mask. Returns 0 or -1. */
static int check_net_bits(struct parser *p, struct pf_node *n, const struct tok *v)
{
	char net[INET6_ADDRSTRLEN], got[48];
	__u8 masked[16];
	int i;

	for (i = 0; i < 16; i++)
		masked[i] = n->addr[i] & n->mask[i];
	if (!memcmp(masked, n->addr, 16))
		return 0;
	inet_ntop(n->family == 4 ? AF_INET : AF_INET6, masked, net, sizeof(net));
	fail(p, v->pos, "%s has host bits set outside the prefix (network is %s)",
	     tok_desc(p, v, got, sizeof(got)), net);
	return -1;
}

static struct pf_node *parse_net(struct parser *p, const struct qual *q, const struct tok *v)
{
	char word[64], got[48];
	struct pf_node *n;
	char *slash = NULL;
	int bad;

	bad = tok_copy(p, v, word, sizeof(word));
	if (!bad && (slash = strchr(word, '/')))
		*slash = '\0';
	n = node_new(p, PF_ADDR, v->pos);
	if (!n)
		return NULL;
	n->dir = q->dir;
	n->family = bad ? 0 : parse_ip(word, n->addr);
	if (!n->family) {
		pf_node_free(n);
		return fail(p, v->pos, "expected an IPv4 or IPv6 network after \"net\", got %s",
			    tok_desc(p, v, got, sizeof(got)));
	}
	if (slash) {
		*slash = '/';
		bad = parse_net_plen(p, n, v, slash, word);
	} else if (tok_is(p, cur(p), "mask")) {
		bad = parse_net_mask(p, n);
	} else {
		prefix_mask(n->family, n->family == 4 ? 32 : 128, n->mask);
	}
	if (bad || check_net_bits(p, n, v)) {
		pf_node_free(n);
		return NULL;
	}
	return n;
}

static struct pf_node *parse_port(struct parser *p, const struct qual *q, const struct tok *v)
{
	char got[48];
	unsigned long port;
	struct pf_node *n;
	int rc = v->kind == TK_WORD ? parse_uint(p->s + v->pos, v->len, 65535, &port) : -1;

	if (rc == -1)
		return fail(p, v->pos, "expected a port number after \"port\", got %s",
			    tok_desc(p, v, got, sizeof(got)));
	if (rc == -2)
		return fail(p, v->pos, "port %s out of range (0..65535)", tok_desc(p, v, got, sizeof(got)));
	n = node_new(p, PF_PORT, v->pos);
	if (!n)
		return NULL;
	n->dir = q->dir;
	n->lo = n->hi = (__u16)port;
	return n;
}

static struct pf_node *parse_portrange(struct parser *p, const struct qual *q, const struct tok *v)
{
	const char *s = p->s + v->pos, *dash = NULL;
	unsigned long lo = 0, hi = 0;
	struct pf_node *n;
	char got[48];
	int rc = -1;

	if (v->kind == TK_WORD)
		dash = memchr(s, '-', v->len);
	if (dash) {
		rc = parse_uint(s, (int)(dash - s), 65535, &lo);
		if (!rc || rc == -2)
			rc = parse_uint(dash + 1, v->len - (int)(dash - s) - 1, 65535, &hi) ?: rc;
	}
	if (rc == -1)
		return fail(p, v->pos, "expected a port range N-M after \"portrange\", got %s",
			    tok_desc(p, v, got, sizeof(got)));
	if (rc == -2)
		return fail(p, v->pos, "port range %s out of range (0..65535)", tok_desc(p, v, got, sizeof(got)));
	if (lo > hi)
		return fail(p, v->pos, "port range %s is reversed (%lu > %lu)", tok_desc(p, v, got, sizeof(got)),
			    lo, hi);
	n = node_new(p, PF_PORT, v->pos);
	if (!n)
		return NULL;
	n->dir = q->dir;
	n->lo = (__u16)lo;
	n->hi = (__u16)hi;
	return n;
}

/* tcp udp icmp icmp6 ip ip6 as a node; NULL (no error) when t is none of them. */
static struct pf_node *proto_word(struct parser *p, const struct tok *t)
{
	static const struct { const char *w; enum pf_kind kind; __u8 v; } words[] = {
		{ "tcp", PF_PROTO, IPPROTO_TCP }, { "udp", PF_PROTO, IPPROTO_UDP },
		{ "icmp", PF_PROTO, IPPROTO_ICMP }, { "icmp6", PF_PROTO, IPPROTO_ICMPV6 },
		{ "ip", PF_FAMILY, 4 }, { "ip6", PF_FAMILY, 6 },
	};
	struct pf_node *n;
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (!tok_is(p, t, words[i].w))
			continue;
		n = node_new(p, words[i].kind, t->pos);
		if (n && words[i].kind == PF_PROTO)
			n->proto = words[i].v;
		else if (n)
			n->family = words[i].v;
		return n;
	}
	return NULL;
}

/* The value token v for qualifiers q; prefixed by q's protocol word if any. */
static struct pf_node *parse_qual_value(struct parser *p, const struct qual *q, const struct tok *v)
{
	struct pf_node *n, *pn;

	if (v->kind != TK_END)
		p->i++;
	switch (q->kind) {
	case Q_HOST: n = parse_host(p, q, v); break;
	case Q_NET: n = parse_net(p, q, v); break;
	case Q_PORT: n = parse_port(p, q, v); break;
	default: n = parse_portrange(p, q, v); break;
	}
	if (!n)
		return NULL;
	if (q->proto_tok < 0)
		return n;
	pn = proto_word(p, &p->toks[q->proto_tok]);
	if (pn)
		pn->pos = n->pos;
	return node_bin(p, PF_AND, n->pos, pn, n);
}

static enum qual_kind qual_word(const struct parser *p, const struct tok *t)
{
	int k;

	for (k = Q_HOST; k <= Q_PORTRANGE; k++)
		if (tok_is(p, t, qual_words[k]))
			return k;
	return Q_NONE;
}

/* src, dst, "src or dst", "src and dst" (either order). Advances past them. */
static enum pf_dir parse_dir(struct parser *p)
{
	struct tok *t = cur(p), *op = peek(p, 1), *t2 = peek(p, 2);
	int src = tok_is(p, t, "src");

	if ((op->kind == TK_OR || op->kind == TK_AND) && tok_is(p, t2, src ? "dst" : "src")) {
		p->i += 3;
		return op->kind == TK_OR ? PF_DIR_EITHER : PF_DIR_BOTH;
	}
	p->i++;
	return src ? PF_DIR_SRC : PF_DIR_DST;
}

/* [src|dst...] host|net|port|portrange VALUE, after an optional protocol word at proto_tok. */
static struct pf_node *parse_qualified(struct parser *p, int proto_tok)
{
	struct qual q = { .dir = PF_DIR_EITHER, .proto_tok = proto_tok };
	char got[48];
	struct tok *t;

	if (tok_is(p, cur(p), "src") || tok_is(p, cur(p), "dst"))
		q.dir = parse_dir(p);
	t = cur(p);
	q.kind = qual_word(p, t);
	if (q.kind == Q_NONE)
		return fail(p, t->pos, "expected host, net, port or portrange after \"%.*s\", got %s",
			    p->toks[p->i - 1].len, p->s + p->toks[p->i - 1].pos,
			    tok_desc(p, t, got, sizeof(got)));
	p->i++;
	p->last = q;
	return parse_qual_value(p, &q, cur(p));
}

static int starts_qualified(const struct parser *p, const struct tok *t)
{
	return tok_is(p, t, "src") || tok_is(p, t, "dst") || qual_word(p, t) != Q_NONE;
}

static struct pf_node *parse_proto(struct parser *p, const struct tok *kw)
{
	static const char *const names[] = { "tcp", "udp", "icmp", "icmp6" };
	static const __u8 nums[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6 };
	struct tok *v = cur(p);
	unsigned long num;
	struct pf_node *n;
	char got[48];
	int rc = v->kind == TK_WORD ? parse_uint(p->s + v->pos, v->len, 255, &num) : -1;
	size_t i;

	for (i = 0; rc == -1 && i < sizeof(names) / sizeof(names[0]); i++)
		if (tok_is(p, v, names[i])) {
			num = nums[i];
			rc = 0;
		}
	if (rc == -1)
		return fail(p, v->pos, "expected a protocol number or tcp, udp, icmp, icmp6 after \"proto\", got %s",
			    tok_desc(p, v, got, sizeof(got)));
	if (rc == -2)
		return fail(p, v->pos, "protocol number %s out of range (0..255)", tok_desc(p, v, got, sizeof(got)));
	n = node_new(p, PF_PROTO, kw->pos);
	if (n)
		n->proto = (__u8)num;
	p->i++;
	return n;
}

static struct pf_node *parse_vni(struct parser *p, const struct tok *kw)
{
	struct tok *v = cur(p);
	unsigned long vni;
	struct pf_node *n;
	char got[48];
	int rc = v->kind == TK_WORD ? parse_uint(p->s + v->pos, v->len, 0xffffff, &vni) : -1;

	if (rc == -1)
		return fail(p, v->pos, "expected a VNI number after \"vni\", got %s", tok_desc(p, v, got, sizeof(got)));
	if (rc == -2)
		return fail(p, v->pos, "vni %s out of range (0..16777215)", tok_desc(p, v, got, sizeof(got)));
	n = node_new(p, PF_VNI, kw->pos);
	if (n)
		n->vni = (__u32)vni;
	p->i++;
	return n;
}

/*
 * The NAME after kw ("point": a capture point, "comm": a process name, cut to
 * the PT_COMM_LEN - 1 bytes the kernel keeps) as a node of kind.
 */
static struct pf_node *parse_name(struct parser *p, const struct tok *kw, enum pf_kind kind)
{
	const char *what = kind == PF_POINT ? "a capture point name" : "a process name";
	struct tok *v = cur(p);
	const char *s = p->s + v->pos;
	int len = v->len;
	struct pf_node *n;
	char got[48];

	if (v->kind != TK_WORD && v->kind != TK_STR)
		return fail(p, v->pos, "expected %s after \"%.*s\", got %s", what, kw->len, p->s + kw->pos,
			    tok_desc(p, v, got, sizeof(got)));
	if (v->kind == TK_STR) {
		s++;
		len -= 2;
	}
	if (!len)
		return fail(p, v->pos, "expected %s after \"%.*s\", got an empty name", what, kw->len,
			    p->s + kw->pos);
	if (kind == PF_COMM && len > PT_COMM_LEN - 1)
		len = PT_COMM_LEN - 1;
	n = node_new(p, kind, kw->pos);
	if (!n)
		return NULL;
	n->name = strndup(s, len);
	if (!n->name) {
		pf_node_free(n);
		return fail_nomem(p);
	}
	p->i++;
	return n;
}

/* The N after "pid" or "tid" (kw) as a node of kind. */
static struct pf_node *parse_id(struct parser *p, const struct tok *kw, enum pf_kind kind)
{
	const char *what = kind == PF_PID ? "process" : "thread";
	struct tok *v = cur(p);
	unsigned long id;
	struct pf_node *n;
	char got[48];
	int rc = v->kind == TK_WORD ? parse_uint(p->s + v->pos, v->len, PF_ID_MAX, &id) : -1;

	if (rc == -1)
		return fail(p, v->pos, "expected a %s id after \"%.*s\", got %s", what, kw->len, p->s + kw->pos,
			    tok_desc(p, v, got, sizeof(got)));
	if (rc == -2)
		return fail(p, v->pos, "%s id %s out of range (0..%d)", what, tok_desc(p, v, got, sizeof(got)),
			    PF_ID_MAX);
	n = node_new(p, kind, kw->pos);
	if (n)
		n->id = (__u32)id;
	p->i++;
	return n;
}

/* "comm", "pid" or "tid": the primitives "proc" may qualify. */
static int task_word(const struct parser *p, const struct tok *t)
{
	return tok_is(p, t, "comm") || tok_is(p, t, "pid") || tok_is(p, t, "tid");
}

/* "proc" alone, or [ "proc" ] comm NAME / pid N / tid N, with the first word current. */
static struct pf_node *parse_task(struct parser *p)
{
	struct tok *t = cur(p);

	p->i++;
	if (tok_is(p, t, "proc")) {
		if (!task_word(p, cur(p)))
			return node_new(p, PF_PROC, t->pos);
		t = cur(p);
		p->i++;
	}
	if (tok_is(p, t, "comm"))
		return parse_name(p, t, PF_COMM);
	return parse_id(p, t, tok_is(p, t, "pid") ? PF_PID : PF_TID);
}

/* A word that is no keyword: a value reusing the last qualifiers, or an error. */
static struct pf_node *parse_bare(struct parser *p, const struct tok *t)
{
	const char *w = p->s + t->pos;
	int value_like = (w[0] >= '0' && w[0] <= '9') || memchr(w, ':', t->len);
	char got[48];

	if (value_like && p->last.kind != Q_NONE)
		return parse_qual_value(p, &p->last, t);
	if (value_like)
		return fail(p, t->pos, "expected a filter primitive (host, net, port, tcp, ...) before %s",
			    tok_desc(p, t, got, sizeof(got)));
	return fail(p, t->pos, "%s is not supported by provtap filters", tok_desc(p, t, got, sizeof(got)));
}

/* "tcp", "udp", "ip", "ip6" may prefix a host/net/port/portrange primitive. */
static int can_prefix(const struct pf_node *n)
{
	return n->kind == PF_FAMILY || n->proto == IPPROTO_TCP || n->proto == IPPROTO_UDP;
}

/* After the protocol word n: "tcp port 80", "ip6 net fd00::/8", "ip proto 47" are conjunctions. */
static struct pf_node *parse_prefixed(struct parser *p, struct pf_node *n)
{
	struct tok *t = cur(p);

	if (can_prefix(n) && starts_qualified(p, t))
		return node_bin(p, PF_AND, n->pos, n, parse_qualified(p, p->i - 1));
	if (n->kind == PF_FAMILY && tok_is(p, t, "proto")) {
		p->i++;
		return node_bin(p, PF_AND, n->pos, n, parse_proto(p, t));
	}
	return n;
}

/* One primitive at a word token. */
static struct pf_node *parse_word(struct parser *p)
{
	struct tok *t = cur(p);
	struct pf_node *n;

	if (starts_qualified(p, t))
		return parse_qualified(p, -1);
	n = proto_word(p, t);
	if (p->rc)
		return NULL;
	if (n) {
		p->last.kind = Q_NONE;
		p->i++;
		return parse_prefixed(p, n);
	}
	if (tok_is(p, t, "proc") || task_word(p, t)) {
		p->last.kind = Q_NONE;
		return parse_task(p);
	}
	if (tok_is(p, t, "proto") || tok_is(p, t, "vni") || tok_is(p, t, "point")) {
		p->last.kind = Q_NONE;
		p->i++;
		if (tok_is(p, t, "proto"))
			return parse_proto(p, t);
		return tok_is(p, t, "vni") ? parse_vni(p, t) : parse_name(p, t, PF_POINT);
	}
	return parse_bare(p, t);
}

static struct pf_node *parse_or(struct parser *p);

/* "(" expr ")" with the "(" current. */
static struct pf_node *parse_group(struct parser *p)
{
	struct tok *open = cur(p), *t;
	struct pf_node *n;

	p->i++;
	if (cur(p)->kind == TK_RPAREN)
		return fail(p, cur(p)->pos, "empty parentheses: expected an expression before \")\"");
	n = parse_or(p);
	if (!n)
		return NULL;
	t = cur(p);
	if (t->kind == TK_RPAREN) {
		p->i++;
		return n;
	}
	pf_node_free(n);
	if (t->kind == TK_END)
		return fail(p, open->pos, "unbalanced parentheses: this \"(\" is never closed");
	return unexpected(p, t, "\"and\", \"or\" or \")\"");
}

static struct pf_node *parse_unary(struct parser *p)
{
	struct tok *t = cur(p), *prev = p->i ? &p->toks[p->i - 1] : NULL;
	struct pf_node *n, *l;
	char got[48];

	if (++p->depth > PF_MAX_DEPTH)
		return fail(p, t->pos, "expression nested too deeply (more than %d levels)", PF_MAX_DEPTH);
	switch (t->kind) {
	case TK_NOT:
		p->i++;
		l = parse_unary(p);
		n = l ? node_new(p, PF_NOT, t->pos) : NULL;
		if (n)
			n->l = l;
		else
			pf_node_free(l);
		break;
	case TK_LPAREN:
		n = parse_group(p);
		break;
	case TK_WORD:
		n = parse_word(p);
		break;
	default:
		if (!prev || t->kind == TK_BAD)
			return unexpected(p, t, "a filter primitive");
		return fail(p, t->pos, "expected a filter primitive after \"%.*s\", got %s", prev->len,
			    p->s + prev->pos, tok_desc(p, t, got, sizeof(got)));
	}
	p->depth--;
	return n;
}

/* Left-assoc chain of next() joined by op tokens. */
static struct pf_node *parse_chain(struct parser *p, enum tok_kind op, enum pf_kind kind,
				   struct pf_node *(*next)(struct parser *))
{
	struct pf_node *n = next(p);
	int pos, depth = p->depth;

	while (n && cur(p)->kind == op) {
		pos = cur(p)->pos;
		p->i++;
		if (++p->depth > PF_MAX_DEPTH) {
			pf_node_free(n);
			return fail(p, pos, "expression nested too deeply (more than %d levels)", PF_MAX_DEPTH);
		}
		n = node_bin(p, kind, pos, n, next(p));
	}
	p->depth = depth;
	return n;
}

static struct pf_node *parse_and(struct parser *p)
{
	return parse_chain(p, TK_AND, PF_AND, parse_unary);
}

static struct pf_node *parse_or(struct parser *p)
{
	return parse_chain(p, TK_OR, PF_OR, parse_and);
}

/* The whole expression; error on anything after it. */
static struct pf_node *parse_top(struct parser *p)
{
	struct pf_node *n;
	struct tok *t;

	if (cur(p)->kind == TK_END)
		return node_new(p, PF_TRUE, 0);
	n = parse_or(p);
	if (!n)
		return NULL;
	t = cur(p);
	if (t->kind == TK_END)
		return n;
	pf_node_free(n);
	if (t->kind == TK_RPAREN)
		return fail(p, t->pos, "unbalanced parentheses: \")\" without a matching \"(\"");
	return unexpected(p, t, "\"and\", \"or\" or end of expression");
}

/*
 * Parse expr (NULL is the empty filter). Returns 0 and sets *out, or -EINVAL
 * (syntax) / -ENOMEM with *err filled and *out unchanged.
 */
int pt_filter_parse(const char *expr, struct pt_filter **out, struct pt_filter_err *err)
{
	struct parser p = { .s = expr ? expr : "", .err = err, .last = { .kind = Q_NONE } };
	struct pt_filter *f = NULL;
	struct pf_node *root = NULL;

	memset(err, 0, sizeof(*err));
	if (!tokenize(&p))
		root = parse_top(&p);
	if (root) {
		f = calloc(1, sizeof(*f));
		if (f)
			f->text = strdup(p.s);
		if (!f || !f->text)
			fail_nomem(&p);
	}
	free(p.toks);
	if (p.rc) {
		pf_node_free(root);
		if (f)
			free(f->text);
		free(f);
		return p.rc;
	}
	f->root = root;
	*out = f;
	return 0;
}
