/*
 * runner_util.c - the pure decisions of the runner: serial batches, tag
 * selection, max_fail_percentage (unit-tested on their own).
 */
#include "kiso_common.h"

#include <errno.h>

#include "runner.h"

/* Ansible's pct_to_int(): "30%" of n (at least 1), or int(value). */
static int serial_one(const struct kiso_value *v, size_t n, long long *out)
{
	if (!v || v->type == KISO_NULL) {
		*out = 0;
		return 0;
	}
	if (v->type == KISO_INT) {
		*out = v->u.i;
		return 0;
	}
	if (v->type == KISO_FLOAT) {
		*out = (long long)v->u.f;
		return 0;
	}
	if (v->type != KISO_STR)
		return -1;
	{
		const char *s = v->u.s.ptr;
		char *end = NULL;
		long long x;

		while (*s == ' ')
			s++;
		errno = 0;
		x = strtoll(s, &end, 10);
		if (end == s || errno)
			return -1;
		while (*end == ' ')
			end++;
		if (*end == '%' && end[1] == '\0') {
			long long r = (long long)((double)x / 100.0 * (double)n);
			*out = r ? r : 1;
			return 0;
		}
		if (*end)
			return -1;
		*out = x;
		return 0;
	}
}

int kiso_serial_batches(const struct kiso_value *serial, size_t nhosts, size_t *sizes, size_t max)
{
	size_t left = nhosts, nb = 0, cur = 0, nlist = 1;
	const struct kiso_value *one = serial;

	if (serial && serial->type == KISO_LIST) {
		nlist = serial->u.list.len;
		if (nlist == 0)
			one = NULL, nlist = 1;
	}
	while (left > 0 && nb < max) {
		long long k;
		const struct kiso_value *v = one;

		if (serial && serial->type == KISO_LIST && serial->u.list.len)
			v = serial->u.list.items[cur];
		if (serial_one(v, nhosts, &k) < 0)
			return -1;
		if (k <= 0 || (size_t)k > left)
			k = (long long)left;
		sizes[nb++] = (size_t)k;
		left -= (size_t)k;
		if (cur + 1 < nlist)
			cur++;
	}
	return (int)nb;
}

static bool tag_in(const struct kiso_value *tags, const char *t)
{
	if (!tags)
		return false;
	for (size_t i = 0; i < tags->u.list.len; i++) {
		const struct kiso_value *x = tags->u.list.items[i];
		if (x->type == KISO_STR && strcmp(x->u.s.ptr, t) == 0)
			return true;
	}
	return false;
}

static bool disjoint(const struct kiso_value *x, const struct kiso_value *y)
{
	for (size_t i = 0; i < x->u.list.len; i++)
		if (x->u.list.items[i]->type == KISO_STR && tag_in(y, x->u.list.items[i]->u.s.ptr))
			return false;
	return true;
}

bool kiso_tags_should_run(const struct kiso_value *tags, const struct kiso_value *only,
			  const struct kiso_value *skip)
{
	bool untagged = !tags || tags->u.list.len == 0;
	bool run = true;

	if (only && only->u.list.len && !(only->u.list.len == 1 && tag_in(only, "all"))) {
		run = false;
		if (!untagged && tag_in(tags, "always"))
			run = true;
		else if (tag_in(only, "all") && (untagged || !tag_in(tags, "never")))
			run = true;
		else if (untagged ? tag_in(only, "untagged") : !disjoint(tags, only))
			run = true;
		else if (tag_in(only, "tagged") && !untagged && !tag_in(tags, "never"))
			run = true;
	} else {
		/* --tags all (the default): everything but 'never' */
		if (!untagged && tag_in(tags, "never") && !tag_in(tags, "always"))
			run = false;
	}
	if (run && skip && skip->u.list.len) {
		if (tag_in(skip, "all")) {
			if (untagged || !tag_in(tags, "always") || tag_in(skip, "always"))
				run = false;
		} else if (untagged ? tag_in(skip, "untagged") : !disjoint(tags, skip)) {
			run = false;
		} else if (tag_in(skip, "tagged") && !untagged) {
			run = false;
		}
	}
	return run;
}

bool kiso_max_fail_exceeded(size_t failed, size_t total, double pct)
{
	if (total == 0)
		return false;
	return (double)failed / (double)total > pct / 100.0;
}
