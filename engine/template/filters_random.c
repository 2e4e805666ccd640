/*
 * template/filters_random.c - Ansible's random and shuffle filters.
 *
 * With a seed ('{{ 59 | random(seed=inventory_hostname) }}', the usual way
 * to spread cron jobs over hosts) the result must be the one Ansible gives,
 * so this is Python's random.Random: MT19937 seeded by init_by_array() from
 * the seed as Python turns it into an integer (a string s becomes the
 * big-endian integer of s + sha512(s), version 2 seeding), and randrange(),
 * choice() and shuffle() drawing with _randbelow(), i.e. getrandbits(k)
 * until the value is below n. Without a seed the generator is seeded from
 * the system's random source, as SystemRandom would be.
 */
#include "kiso_common.h"

#include <openssl/evp.h>
#include <sys/random.h>

#include "template/filters.h"

#define MT_N 624
#define MT_M 397

struct mt {
	uint32_t s[MT_N];
	int i;
};

static void mt_init(struct mt *m, uint32_t seed)
{
	m->s[0] = seed;
	for (int i = 1; i < MT_N; i++)
		m->s[i] = 1812433253u * (m->s[i - 1] ^ (m->s[i - 1] >> 30)) + (uint32_t)i;
	m->i = MT_N;
}

/* The reference init_by_array(), as CPython's _randommodule.c has it. */
static void mt_init_array(struct mt *m, const uint32_t *key, size_t len)
{
	size_t i = 1, j = 0, k = MT_N > len ? MT_N : len;

	mt_init(m, 19650218u);
	for (; k; k--) {
		m->s[i] = (m->s[i] ^ ((m->s[i - 1] ^ (m->s[i - 1] >> 30)) * 1664525u)) + key[j] +
			  (uint32_t)j;
		i++;
		j++;
		if (i >= MT_N) {
			m->s[0] = m->s[MT_N - 1];
			i = 1;
		}
		if (j >= len)
			j = 0;
	}
	for (k = MT_N - 1; k; k--) {
		m->s[i] = (m->s[i] ^ ((m->s[i - 1] ^ (m->s[i - 1] >> 30)) * 1566083941u)) - (uint32_t)i;
		i++;
		if (i >= MT_N) {
			m->s[0] = m->s[MT_N - 1];
			i = 1;
		}
	}
	m->s[0] = 0x80000000u;
}

static uint32_t mt_next(struct mt *m)
{
	static const uint32_t mag[2] = { 0, 0x9908b0dfu };
	uint32_t y;

	if (m->i >= MT_N) {
		int k;

		for (k = 0; k < MT_N - MT_M; k++) {
			y = (m->s[k] & 0x80000000u) | (m->s[k + 1] & 0x7fffffffu);
			m->s[k] = m->s[k + MT_M] ^ (y >> 1) ^ mag[y & 1];
		}
		for (; k < MT_N - 1; k++) {
			y = (m->s[k] & 0x80000000u) | (m->s[k + 1] & 0x7fffffffu);
			m->s[k] = m->s[k + (MT_M - MT_N)] ^ (y >> 1) ^ mag[y & 1];
		}
		y = (m->s[MT_N - 1] & 0x80000000u) | (m->s[0] & 0x7fffffffu);
		m->s[MT_N - 1] = m->s[MT_M - 1] ^ (y >> 1) ^ mag[y & 1];
		m->i = 0;
	}
	y = m->s[m->i++];
	y ^= y >> 11;
	y ^= (y << 7) & 0x9d2c5680u;
	y ^= (y << 15) & 0xefc60000u;
	y ^= y >> 18;
	return y;
}

/* getrandbits(k) for 0 < k <= 64: words from least significant up. */
static uint64_t mt_bits(struct mt *m, int k)
{
	uint64_t r;

	if (k <= 32)
		return mt_next(m) >> (32 - k);
	r = mt_next(m);
	r |= (uint64_t)(mt_next(m) >> (64 - k)) << 32;
	return r;
}

/* _randbelow(n) for n > 0. */
static uint64_t mt_below(struct mt *m, uint64_t n)
{
	int k = 64 - __builtin_clzll(n);
	uint64_t r = mt_bits(m, k);

	while (r >= n)
		r = mt_bits(m, k);
	return r;
}

/* Little-endian 32-bit words of a big-endian magnitude (init_by_array's key). */
static int seed_bytes(struct mt *m, const unsigned char *be, size_t n)
{
	size_t start = 0, words;
	uint32_t *key;

	while (start < n && be[start] == 0)
		start++;
	n -= start;
	be += start;
	words = n ? (n + 3) / 4 : 1;
	key = kiso_xcalloc(words, sizeof(*key));
	for (size_t i = 0; i < n; i++) {
		size_t le = n - 1 - i;          /* byte index from the least significant */

		key[le / 4] |= (uint32_t)be[i] << (8 * (le % 4));
	}
	mt_init_array(m, key, words);
	free(key);
	return 0;
}

/* random.Random(seed): None, int, float (by its hash: ints only here), str. */
static int seed_mt(struct mt *m, struct kiso_tmpl_call *c, const struct kiso_value *seed)
{
	if (!seed || seed->type == KISO_NULL) {
		uint32_t key[MT_N];

		if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key))
			return kiso_ferr(c, "cannot read the system's random source");
		mt_init_array(m, key, MT_N);
		return 0;
	}
	if (seed->type == KISO_INT || seed->type == KISO_BOOL) {
		uint64_t v = seed->type == KISO_BOOL ? seed->u.b :
			     seed->u.i < 0 ? (uint64_t)0 - (uint64_t)seed->u.i : (uint64_t)seed->u.i;
		unsigned char be[8];

		for (int i = 0; i < 8; i++)
			be[i] = (unsigned char)(v >> (8 * (7 - i)));
		return seed_bytes(m, be, 8);
	}
	if (seed->type == KISO_STR) {
		size_t n = seed->u.s.len;
		unsigned char *buf = kiso_xmalloc(n + EVP_MAX_MD_SIZE);
		unsigned int dlen = 0;
		int rc;

		memcpy(buf, seed->u.s.ptr, n);
		if (!EVP_Digest(seed->u.s.ptr, n, buf + n, &dlen, EVP_sha512(), NULL)) {
			free(buf);
			return kiso_ferr(c, "cannot compute the seed");
		}
		rc = seed_bytes(m, buf, n + dlen);
		free(buf);
		return rc;
	}
	return kiso_ferr(c, "kiso supports only string and integer seeds, not %s",
			 kiso_value_type_name(seed));
}

static int f_random(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	static const char *const names[] = { "start", "step", "seed" };
	struct kiso_value *a[3], *end = c->input, *l;
	struct mt *m;
	int64_t start = 0, step = 1, width, n;
	int rc;

	if ((rc = kiso_fbind(c, "random", names, 3, a)) < 0)
		return rc;
	m = kiso_arena_alloc(c->arena, sizeof(*m));
	if ((rc = seed_mt(m, c, a[2])) < 0)
		return rc;
	if (end->type == KISO_INT) {
		if (a[0] && kiso_value_truthy(a[0]) && (rc = kiso_fint(&start, c, a[0], "start")) < 0)
			return rc;
		if (a[1] && kiso_value_truthy(a[1]) && (rc = kiso_fint(&step, c, a[1], "step")) < 0)
			return rc;
		if (__builtin_sub_overflow(end->u.i, start, &width))
			return kiso_ferr(c, "range too large");
		if (step == 1) {
			if (width <= 0)
				return kiso_ferr(c, "empty range for randrange() (%lld, %lld, %lld)",
						 (long long)start, (long long)end->u.i, (long long)width);
			*out = kiso_int(c->arena, start + (int64_t)mt_below(m, (uint64_t)width), c->pos);
			return 0;
		}
		if (step == 0)
			return kiso_ferr(c, "zero step for randrange()");
		n = step > 0 ? (width + step - 1) / step : (width + step + 1) / step;
		if (n <= 0)
			return kiso_ferr(c, "empty range for randrange() (%lld, %lld, %lld)",
					 (long long)start, (long long)end->u.i, (long long)step);
		*out = kiso_int(c->arena, start + step * (int64_t)mt_below(m, (uint64_t)n), c->pos);
		return 0;
	}
	if (end->type == KISO_LIST || end->type == KISO_STR || end->type == KISO_MAP) {
		if ((a[0] && kiso_value_truthy(a[0])) || (a[1] && kiso_value_truthy(a[1])))
			return kiso_ferr(c, "start and step can only be used with integer values");
		if (end->type == KISO_MAP)
			return kiso_ferr(c, "kiso cannot pick a random item of a dict");
		if ((rc = kiso_fiter(&l, c, end)) < 0)
			return rc;
		if (l->u.list.len == 0)
			return kiso_ferr(c, "Cannot choose from an empty sequence");
		*out = l->u.list.items[mt_below(m, l->u.list.len)];
		return 0;
	}
	return kiso_ferr(c, "random can only be used on sequences and integers");
}

static int f_shuffle(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	static const char *const names[] = { "seed" };
	struct kiso_value *a[1], *l, *r;
	struct mt *m;
	int rc;

	if ((rc = kiso_fbind(c, "shuffle", names, 1, a)) < 0)
		return rc;
	if (c->input->type != KISO_LIST && c->input->type != KISO_STR &&
	    c->input->type != KISO_MAP) {
		/* Ansible returns the input as it is when it cannot be listed */
		*out = c->input;
		return 0;
	}
	if ((rc = kiso_fiter(&l, c, c->input)) < 0)
		return rc;
	m = kiso_arena_alloc(c->arena, sizeof(*m));
	/* Ansible: a false seed means no seed */
	if ((rc = seed_mt(m, c, a[0] && kiso_value_truthy(a[0]) ? a[0] : NULL)) < 0)
		return rc;
	r = kiso_list_new(c->arena, c->pos);
	for (size_t i = 0; i < l->u.list.len; i++)
		kiso_list_push(c->arena, r, l->u.list.items[i]);
	for (size_t i = r->u.list.len; i > 1; i--) {
		size_t j = (size_t)mt_below(m, i);
		struct kiso_value *t = r->u.list.items[i - 1];

		r->u.list.items[i - 1] = r->u.list.items[j];
		r->u.list.items[j] = t;
	}
	*out = r;
	return 0;
}

const struct kiso_tmpl_filter kiso_filters_random[] = {
	{ "random", f_random, 0 },
	{ "shuffle", f_shuffle, 0 },
	{ NULL, NULL, 0 },
};
