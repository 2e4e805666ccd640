/*
 * Unit tests for engine/facts.c: parsing the facts script's output into
 * Ansible's facts, and setup's gather_subset/filter. The sample output is
 * what the script printed on a Debian 12 lab host; the expected values
 * are what ansible's setup module reported on the same host.
 */
#include "kiso_common.h"
#include "facts.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

static struct kiso_arena *A;

static int setup(void **state)
{
	(void)state;
	A = kiso_arena_new();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	kiso_arena_free(A);
	return 0;
}

static const char sample[] =
	"u.s=Linux\nu.r=6.1.0-18-amd64\nu.v=#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1\n"
	"u.m=x86_64\nu.n=web1.example.org\nfqdn=web1.example.org\n"
	"id.un=root\nid.u=0\nid.g=0\nid.gn=root\n"
	"osr.PRETTY_NAME=Debian GNU/Linux 12 (bookworm)\nosr.NAME=Debian GNU/Linux\n"
	"osr.VERSION_ID=12\nosr.VERSION=12 (bookworm)\nosr.VERSION_CODENAME=bookworm\nosr.ID=debian\n"
	"debver=12.11\n"
	"cpu.n=4\ncpu.sockets=1\ncpu.cores=2\ncpu.hv=4\n"
	"mem.total=8124116\nmem.free=1000000\nmem.swap=0\n"
	"p1=systemd\nsd.run=1\ninitd=1\n"
	"pkg.apt-get=1\n"
	"rt4=8.8.8.8 via 192.0.2.1 dev eth0 src 192.0.2.7 uid 0 \n"
	"if.addr=2: eth0    inet 192.0.2.7/24 brd 192.0.2.255 scope global eth0\\       valid_lft forever\n"
	"if.mac=52:54:00:12:34:56\nif.mtu=1500\nif.type=1\n"
	"ctr=\n"
	"dmi.product=Standard PC (Q35 + ICH9, 2009)\ndmi.vendor=QEMU\n"
	"--env--\nHOME=/root\0SHELL=/bin/bash\0MULTI=a\nb\0";

static const char *str(const struct kiso_value *m, const char *k)
{
	const struct kiso_value *v = kiso_map_get(m, k);
	assert_non_null(v);
	assert_int_equal(v->type, KISO_STR);
	return v->u.s.ptr;
}

static int64_t num(const struct kiso_value *m, const char *k)
{
	const struct kiso_value *v = kiso_map_get(m, k);
	assert_non_null(v);
	assert_int_equal(v->type, KISO_INT);
	return v->u.i;
}

static void test_engine_facts__parse(void **state)
{
	struct kiso_value *f = kiso_facts_parse(A, sample, sizeof(sample) - 1);
	struct kiso_value *ip, *env;

	(void)state;
	assert_string_equal(str(f, "hostname"), "web1");
	assert_string_equal(str(f, "fqdn"), "web1.example.org");
	assert_string_equal(str(f, "domain"), "example.org");
	assert_string_equal(str(f, "distribution"), "Debian");
	assert_string_equal(str(f, "distribution_version"), "12.11");
	assert_string_equal(str(f, "distribution_major_version"), "12");
	assert_string_equal(str(f, "distribution_release"), "bookworm");
	assert_string_equal(str(f, "os_family"), "Debian");
	assert_string_equal(str(f, "kernel"), "6.1.0-18-amd64");
	assert_string_equal(str(f, "architecture"), "x86_64");
	assert_int_equal(num(f, "processor_vcpus"), 4);
	assert_int_equal(num(f, "processor_cores"), 2);
	assert_int_equal(num(f, "processor_threads_per_core"), 2);
	assert_int_equal(num(f, "memtotal_mb"), 7933);
	assert_string_equal(str(f, "service_mgr"), "systemd");
	assert_string_equal(str(f, "pkg_mgr"), "apt");
	assert_string_equal(str(f, "virtualization_type"), "kvm");
	assert_string_equal(str(f, "virtualization_role"), "guest");
	assert_string_equal(str(f, "user_id"), "root");
	assert_int_equal(num(f, "user_uid"), 0);
	ip = kiso_map_get(f, "default_ipv4");
	assert_non_null(ip);
	assert_string_equal(str(ip, "address"), "192.0.2.7");
	assert_string_equal(str(ip, "gateway"), "192.0.2.1");
	assert_string_equal(str(ip, "interface"), "eth0");
	assert_string_equal(str(ip, "netmask"), "255.255.255.0");
	assert_string_equal(str(ip, "network"), "192.0.2.0");
	assert_string_equal(str(ip, "prefix"), "24");
	assert_string_equal(str(ip, "broadcast"), "192.0.2.255");
	assert_string_equal(str(ip, "macaddress"), "52:54:00:12:34:56");
	assert_int_equal(num(ip, "mtu"), 1500);
	assert_string_equal(str(ip, "type"), "ether");
	env = kiso_map_get(f, "env");
	assert_string_equal(str(env, "HOME"), "/root");
	assert_string_equal(str(env, "MULTI"), "a\nb");
	assert_string_equal(str(f, "user_dir"), "/root");
}

static void test_engine_facts__parse_sparse(void **state)
{
	/* no os-release, no route, pid 1 a shell: Ansible's fallbacks */
	static const char s[] = "u.n=box\np1=bash\ninitd=1\nctr=lxc\n--env--\n";
	struct kiso_value *f = kiso_facts_parse(A, s, sizeof(s) - 1);

	(void)state;
	assert_string_equal(str(f, "hostname"), "box");
	assert_string_equal(str(f, "fqdn"), "box");
	assert_string_equal(str(f, "service_mgr"), "sysvinit");
	assert_string_equal(str(f, "virtualization_type"), "lxc");
	assert_string_equal(str(f, "distribution"), "NA");
	assert_int_equal(kiso_map_get(f, "default_ipv4")->u.map.len, 0);
	/* garbage is ignored */
	f = kiso_facts_parse(A, "\n\n=\nx\n\0\0", 7);
	assert_non_null(kiso_map_get(f, "hostname"));
}

static void test_engine_facts__filter(void **state)
{
	struct kiso_value *f = kiso_facts_parse(A, sample, sizeof(sample) - 1);
	struct kiso_value *g, *l;

	(void)state;
	g = kiso_facts_filter(A, f, NULL, kiso_str(A, "ansible_distribution*", KISO_POS_NONE));
	assert_int_equal(g->u.map.len, 5);
	assert_non_null(kiso_map_get(g, "distribution_release"));
	assert_null(kiso_map_get(g, "kernel"));
	g = kiso_facts_filter(A, f, kiso_str(A, "min", KISO_POS_NONE), NULL);
	assert_null(kiso_map_get(g, "memtotal_mb"));
	assert_null(kiso_map_get(g, "default_ipv4"));
	assert_non_null(kiso_map_get(g, "hostname"));
	l = kiso_list_new(A, KISO_POS_NONE);
	kiso_list_push(A, l, kiso_str(A, "all", KISO_POS_NONE));
	kiso_list_push(A, l, kiso_str(A, "!hardware", KISO_POS_NONE));
	g = kiso_facts_filter(A, f, l, NULL);
	assert_null(kiso_map_get(g, "processor_vcpus"));
	assert_non_null(kiso_map_get(g, "default_ipv4"));
	g = kiso_facts_filter(A, f, kiso_str(A, "network", KISO_POS_NONE), NULL);
	assert_non_null(kiso_map_get(g, "default_ipv4"));
	assert_null(kiso_map_get(g, "memtotal_mb"));
	g = kiso_facts_filter(A, f, NULL, NULL);
	assert_int_equal(g->u.map.len, f->u.map.len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_facts__parse),
		cmocka_unit_test(test_engine_facts__parse_sparse),
		cmocka_unit_test(test_engine_facts__filter),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
