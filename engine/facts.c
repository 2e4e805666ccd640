/*
 * facts.c - facts gathering in one round trip.
 *
 * The script prints "key=value" lines, then a line "--env--" and the
 * environment as `env -0` gives it. Every probe is guarded so that a
 * missing tool leaves its fact out instead of failing the whole run.
 */
#include "kiso_common.h"

#include <fnmatch.h>

#include "facts.h"
#include "transport.h"

const char kiso_facts_script[] =
	"exec 2>/dev/null\n( export LC_ALL=C\n"
	"echo \"u.s=$(uname -s)\"; echo \"u.r=$(uname -r)\"; echo \"u.v=$(uname -v)\"\n"
	"echo \"u.m=$(uname -m)\"; echo \"u.n=$(uname -n)\"\n"
	"echo \"fqdn=$(hostname -f || uname -n)\"\n"
	"echo \"id.un=$(id -un)\"; echo \"id.u=$(id -u)\"; echo \"id.g=$(id -g)\"; echo \"id.gn=$(id -gn)\"\n"
	"if [ -r /etc/os-release ]; then sed -n 's/^\\([A-Z_]*\\)=\"\\{0,1\\}\\([^\"]*\\)\"\\{0,1\\}$/osr.\\1=\\2/p' /etc/os-release; fi\n"
	"[ -r /etc/debian_version ] && echo \"debver=$(cat /etc/debian_version)\"\n"
	"[ -r /etc/redhat-release ] && echo \"rhrel=$(cat /etc/redhat-release)\"\n"
	"echo \"cpu.n=$(grep -c '^processor' /proc/cpuinfo)\"\n"
	"echo \"cpu.sockets=$(grep '^physical id' /proc/cpuinfo | sort -u | wc -l)\"\n"
	"echo \"cpu.cores=$(grep -m1 '^cpu cores' /proc/cpuinfo | sed 's/.*: //')\"\n"
	"echo \"cpu.hv=$(grep -c '^flags.* hypervisor' /proc/cpuinfo)\"\n"
	"sed -n 's/^MemTotal: *\\([0-9]*\\).*/mem.total=\\1/p; s/^MemFree: *\\([0-9]*\\).*/mem.free=\\1/p; s/^SwapTotal: *\\([0-9]*\\).*/mem.swap=\\1/p' /proc/meminfo\n"
	"echo \"p1=$(cat /proc/1/comm)\"\n"
	"[ -d /run/systemd/system ] && echo sd.run=1\n"
	"[ -e /sbin/openrc ] && echo openrc=1\n"
	"[ -L /sbin/init ] && echo \"sbininit=$(readlink /sbin/init)\"\n"
	"[ -d /etc/init.d ] && echo initd=1\n"
	"for p in apt-get dnf yum zypper apk pacman; do command -v $p >/dev/null && echo \"pkg.$p=1\"; done\n"
	"r=$(ip -4 route get 8.8.8.8 | head -n1); echo \"rt4=$r\"\n"
	"d=$(echo \"$r\" | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p')\n"
	"if [ -n \"$d\" ]; then echo \"if.addr=$(ip -o -4 addr show dev $d | head -n1)\"; "
	"echo \"if.mac=$(cat /sys/class/net/$d/address)\"; echo \"if.mtu=$(cat /sys/class/net/$d/mtu)\"; "
	"echo \"if.type=$(cat /sys/class/net/$d/type)\"; fi\n"
	"echo \"ctr=$(tr '\\0' '\\n' </proc/1/environ | sed -n 's/^container=//p')\"\n"
	"[ -e /.dockerenv ] && echo dockerenv=1\n"
	"[ -r /run/systemd/container ] && echo \"sdctr=$(cat /run/systemd/container)\"\n"
	"echo \"dmi.product=$(cat /sys/class/dmi/id/product_name)\"\n"
	"echo \"dmi.vendor=$(cat /sys/class/dmi/id/sys_vendor)\"\n"
	"[ -e /dev/kvm ] && echo devkvm=1\n"
	") ; echo --env--; env -0\n";

struct kv {
	const char *k;
	const char *v;
};

struct parsed {
	struct kv *items;
	size_t n;
	const char *env;
	size_t envlen;
};

static const char *get(const struct parsed *p, const char *k)
{
	for (size_t i = p->n; i > 0; i--)
		if (!strcmp(p->items[i - 1].k, k))
			return p->items[i - 1].v;
	return NULL;
}

static bool has(const struct parsed *p, const char *k)
{
	const char *v = get(p, k);
	return v && *v;
}

static struct kiso_value *S(struct kiso_arena *a, const char *s)
{
	return kiso_str(a, s ? s : "", KISO_POS_NONE);
}

static struct kiso_value *I(struct kiso_arena *a, long long i)
{
	return kiso_int(a, i, KISO_POS_NONE);
}

/* os-release ID to Ansible's distribution name and family */
static void distro(struct kiso_arena *a, struct kiso_value *f, const struct parsed *p)
{
	static const struct {
		const char *id, *name, *family;
	} map[] = {
		{ "debian", "Debian", "Debian" },     { "ubuntu", "Ubuntu", "Debian" },
		{ "linuxmint", "Linux Mint", "Debian" }, { "raspbian", "Debian", "Debian" },
		{ "kali", "Kali", "Debian" },         { "devuan", "Devuan", "Debian" },
		{ "centos", "CentOS", "RedHat" },     { "rhel", "RedHat", "RedHat" },
		{ "rocky", "Rocky", "RedHat" },       { "almalinux", "AlmaLinux", "RedHat" },
		{ "fedora", "Fedora", "RedHat" },     { "ol", "OracleLinux", "RedHat" },
		{ "amzn", "Amazon", "RedHat" },       { "alpine", "Alpine", "Alpine" },
		{ "arch", "Archlinux", "Archlinux" }, { "sles", "SLES", "Suse" },
		{ "opensuse-leap", "openSUSE Leap", "Suse" },
		{ "opensuse-tumbleweed", "openSUSE Tumbleweed", "Suse" },
		{ "gentoo", "Gentoo", "Gentoo" },
	};
	const char *id = get(p, "osr.ID");
	const char *name = NULL, *family = NULL;
	const char *ver = get(p, "osr.VERSION_ID");
	const char *rel = get(p, "osr.VERSION_CODENAME");
	char major[64] = "";

	for (size_t i = 0; id && i < KISO_ARRAY_SIZE(map); i++)
		if (!strcmp(id, map[i].id)) {
			name = map[i].name;
			family = map[i].family;
		}
	if (!name) {
		name = get(p, "osr.NAME");
		family = name;
	}
	if (id && !strcmp(id, "debian") && has(p, "debver")) {
		const char *dv = get(p, "debver");
		/* Ansible: a numeric /etc/debian_version is the full version */
		if (dv[0] >= '0' && dv[0] <= '9')
			ver = dv;
	}
	if (ver) {
		size_t k = strcspn(ver, ".");
		if (k >= sizeof(major))
			k = sizeof(major) - 1;
		memcpy(major, ver, k);
		major[k] = '\0';
	}
	if (!rel || !*rel)
		rel = get(p, "osr.UBUNTU_CODENAME");
	kiso_map_set(a, f, "distribution", S(a, name ? name : "NA"));
	kiso_map_set(a, f, "distribution_version", S(a, ver ? ver : "NA"));
	kiso_map_set(a, f, "distribution_major_version", S(a, ver ? major : "NA"));
	kiso_map_set(a, f, "distribution_release", S(a, rel && *rel ? rel : "NA"));
	kiso_map_set(a, f, "os_family", S(a, family ? family : "NA"));
	if (has(p, "osr.ID"))
		kiso_map_set(a, f, "distribution_file_variety", S(a, family ? family : name));
}

static void service_mgr(struct kiso_arena *a, struct kiso_value *f, const struct parsed *p)
{
	const char *c = get(p, "p1");
	const char *m = NULL;
	size_t n = c ? strlen(c) : 0;

	if (c && *c && strcmp(c, "init") && !(n >= 2 && !strcmp(c + n - 2, "sh"))) {
		m = c;
		if (!strcmp(c, "systemd"))
			m = "systemd";
	} else if (has(p, "sd.run")) {
		m = "systemd";
	} else if (has(p, "openrc")) {
		m = "openrc";
	} else if (has(p, "sbininit") && strstr(get(p, "sbininit"), "systemd")) {
		m = "systemd";
	} else if (has(p, "initd")) {
		m = "sysvinit";
	} else {
		m = "service";
	}
	kiso_map_set(a, f, "service_mgr", S(a, m));
}

static void pkg_mgr(struct kiso_arena *a, struct kiso_value *f, const struct parsed *p)
{
	const char *fam = kiso_map_get(f, "os_family")->u.s.ptr;
	const char *m = "unknown";

	if (!strcmp(fam, "Debian") && has(p, "pkg.apt-get"))
		m = "apt";
	else if (!strcmp(fam, "RedHat") && has(p, "pkg.dnf"))
		m = "dnf";
	else if (!strcmp(fam, "RedHat") && has(p, "pkg.yum"))
		m = "yum";
	else if (has(p, "pkg.apt-get"))
		m = "apt";
	else if (has(p, "pkg.dnf"))
		m = "dnf";
	else if (has(p, "pkg.yum"))
		m = "yum";
	else if (has(p, "pkg.zypper"))
		m = "zypper";
	else if (has(p, "pkg.apk"))
		m = "apk";
	else if (has(p, "pkg.pacman"))
		m = "pacman";
	kiso_map_set(a, f, "pkg_mgr", S(a, m));
}

static void default_ipv4(struct kiso_arena *a, struct kiso_value *f, const struct parsed *p)
{
	struct kiso_value *d = kiso_map_new(a, KISO_POS_NONE);
	const char *rt = get(p, "rt4");
	char word[8][64];
	int nw = 0;

	if (rt && *rt) {
		const char *s = rt;
		char tok[128];
		const char *gw = NULL, *dev = NULL, *src = NULL;
		char gwb[128] = "", devb[128] = "", srcb[128] = "";
		int state = 0;

		(void)word;
		(void)nw;
		while (sscanf(s, "%127s", tok) == 1) {
			s = strstr(s, tok) + strlen(tok);
			if (state == 1) { snprintf(gwb, sizeof(gwb), "%s", tok); gw = gwb; }
			if (state == 2) { snprintf(devb, sizeof(devb), "%s", tok); dev = devb; }
			if (state == 3) { snprintf(srcb, sizeof(srcb), "%s", tok); src = srcb; }
			state = !strcmp(tok, "via") ? 1 : !strcmp(tok, "dev") ? 2 : !strcmp(tok, "src") ? 3 : 0;
		}
		if (dev) {
			const char *ad = get(p, "if.addr");
			kiso_map_set(a, d, "gateway", S(a, gw ? gw : ""));
			kiso_map_set(a, d, "interface", S(a, dev));
			kiso_map_set(a, d, "address", S(a, src ? src : ""));
			kiso_map_set(a, d, "alias", S(a, dev));
			if (ad) {
				const char *in = strstr(ad, " inet ");
				const char *bc = strstr(ad, " brd ");
				unsigned b0, b1, b2, b3, pfx;
				if (in && sscanf(in, " inet %u.%u.%u.%u/%u", &b0, &b1, &b2, &b3, &pfx) == 5 &&
				    pfx <= 32) {
					uint32_t ip = (b0 << 24) | (b1 << 16) | (b2 << 8) | b3;
					uint32_t mask = pfx ? 0xffffffffu << (32 - pfx) : 0;
					uint32_t net = ip & mask;
					char buf[32];
					snprintf(buf, sizeof(buf), "%u.%u.%u.%u", mask >> 24, (mask >> 16) & 255,
						 (mask >> 8) & 255, mask & 255);
					kiso_map_set(a, d, "netmask", S(a, buf));
					snprintf(buf, sizeof(buf), "%u.%u.%u.%u", net >> 24, (net >> 16) & 255,
						 (net >> 8) & 255, net & 255);
					kiso_map_set(a, d, "network", S(a, buf));
					snprintf(buf, sizeof(buf), "%u", pfx);
					kiso_map_set(a, d, "prefix", S(a, buf));
				}
				if (bc) {
					char buf[64];
					if (sscanf(bc, " brd %63s", buf) == 1)
						kiso_map_set(a, d, "broadcast", S(a, buf));
				}
			}
			if (has(p, "if.mac"))
				kiso_map_set(a, d, "macaddress", S(a, get(p, "if.mac")));
			if (has(p, "if.mtu"))
				kiso_map_set(a, d, "mtu", I(a, atoll(get(p, "if.mtu"))));
			if (has(p, "if.type")) {
				const char *t = get(p, "if.type");
				kiso_map_set(a, d, "type", S(a, !strcmp(t, "1") ? "ether" :
							      !strcmp(t, "772") ? "loopback" : "unknown"));
			}
		}
	}
	kiso_map_set(a, f, "default_ipv4", d);
}

static void virt(struct kiso_arena *a, struct kiso_value *f, const struct parsed *p)
{
	const char *type = "NA", *role = "NA";
	const char *ctr = get(p, "ctr");
	const char *prod = get(p, "dmi.product");
	const char *vend = get(p, "dmi.vendor");

	if (ctr && *ctr) {
		type = ctr;
		role = "guest";
	} else if (has(p, "dockerenv")) {
		type = "docker";
		role = "guest";
	} else if (has(p, "sdctr")) {
		type = get(p, "sdctr");
		role = "guest";
	} else if ((prod && (strstr(prod, "KVM") || strstr(prod, "Standard PC") ||
			     strstr(prod, "OpenStack"))) ||
		   (vend && strstr(vend, "QEMU"))) {
		type = "kvm";
		role = "guest";
	} else if (prod && strstr(prod, "VMware")) {
		type = "VMware";
		role = "guest";
	} else if (prod && strstr(prod, "VirtualBox")) {
		type = "virtualbox";
		role = "guest";
	} else if (has(p, "devkvm")) {
		type = "kvm";
		role = "host";
	}
	kiso_map_set(a, f, "virtualization_type", S(a, type));
	kiso_map_set(a, f, "virtualization_role", S(a, role));
}

struct kiso_value *kiso_facts_parse(struct kiso_arena *a, const char *text, size_t len)
{
	struct parsed p = { 0 };
	size_t cap = 0;
	const char *s = text, *end = text + len;
	struct kiso_value *f = kiso_map_new(a, KISO_POS_NONE);

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
		const char *eq = memchr(s, '=', n);

		if (n == 7 && !memcmp(s, "--env--", 7)) {
			p.env = nl ? nl + 1 : end;
			p.envlen = (size_t)(end - p.env);
			break;
		}
		if (eq) {
			if (p.n == cap) {
				size_t nc = cap ? 2 * cap : 64;
				p.items = kiso_arena_grow(a, p.items, cap * sizeof(*p.items),
							  nc * sizeof(*p.items));
				cap = nc;
			}
			p.items[p.n].k = kiso_arena_strndup(a, s, (size_t)(eq - s));
			p.items[p.n].v = kiso_arena_strndup(a, eq + 1, (size_t)(s + n - eq - 1));
			p.n++;
		}
		s += n + (nl ? 1 : 0);
	}

	{
		const char *node = get(&p, "u.n");
		const char *fq = get(&p, "fqdn");
		char *hn = kiso_arena_strdup(a, node ? node : "");
		char *dot = strchr(hn, '.');
		if (dot)
			*dot = '\0';
		kiso_map_set(a, f, "hostname", S(a, hn));
		kiso_map_set(a, f, "nodename", S(a, node));
		kiso_map_set(a, f, "fqdn", S(a, fq && *fq ? fq : node));
		{
			const char *d = fq ? strchr(fq, '.') : NULL;
			kiso_map_set(a, f, "domain", S(a, d ? d + 1 : ""));
		}
	}
	kiso_map_set(a, f, "system", S(a, get(&p, "u.s")));
	kiso_map_set(a, f, "kernel", S(a, get(&p, "u.r")));
	kiso_map_set(a, f, "kernel_version", S(a, get(&p, "u.v")));
	kiso_map_set(a, f, "architecture", S(a, get(&p, "u.m")));
	kiso_map_set(a, f, "machine", S(a, get(&p, "u.m")));
	distro(a, f, &p);
	{
		long long n = has(&p, "cpu.n") ? atoll(get(&p, "cpu.n")) : 0;
		long long so = has(&p, "cpu.sockets") ? atoll(get(&p, "cpu.sockets")) : 0;
		long long co = has(&p, "cpu.cores") ? atoll(get(&p, "cpu.cores")) : 0;
		if (so <= 0)
			so = 1;
		if (co <= 0)
			co = n / so;
		kiso_map_set(a, f, "processor_vcpus", I(a, n));
		kiso_map_set(a, f, "processor_count", I(a, so));
		kiso_map_set(a, f, "processor_cores", I(a, co));
		kiso_map_set(a, f, "processor_threads_per_core",
			     I(a, co > 0 && so > 0 && n / (co * so) > 0 ? n / (co * so) : 1));
		kiso_map_set(a, f, "processor_nproc", I(a, n));
	}
	if (has(&p, "mem.total"))
		kiso_map_set(a, f, "memtotal_mb", I(a, atoll(get(&p, "mem.total")) / 1024));
	if (has(&p, "mem.free"))
		kiso_map_set(a, f, "memfree_mb", I(a, atoll(get(&p, "mem.free")) / 1024));
	if (has(&p, "mem.swap"))
		kiso_map_set(a, f, "swaptotal_mb", I(a, atoll(get(&p, "mem.swap")) / 1024));
	service_mgr(a, f, &p);
	pkg_mgr(a, f, &p);
	default_ipv4(a, f, &p);
	virt(a, f, &p);
	kiso_map_set(a, f, "user_id", S(a, get(&p, "id.un")));
	if (has(&p, "id.u"))
		kiso_map_set(a, f, "user_uid", I(a, atoll(get(&p, "id.u"))));
	if (has(&p, "id.g"))
		kiso_map_set(a, f, "user_gid", I(a, atoll(get(&p, "id.g"))));
	{
		struct kiso_value *env = kiso_map_new(a, KISO_POS_NONE);
		const char *e = p.env, *ee = p.env ? p.env + p.envlen : NULL;
		while (e && e < ee) {
			const char *z = memchr(e, '\0', (size_t)(ee - e));
			size_t n = z ? (size_t)(z - e) : (size_t)(ee - e);
			const char *eq = memchr(e, '=', n);
			if (eq && eq > e)
				kiso_map_set(a, env, kiso_arena_strndup(a, e, (size_t)(eq - e)),
					     kiso_strn(a, eq + 1, (size_t)(e + n - eq - 1), KISO_POS_NONE));
			e += n + 1;
		}
		kiso_map_set(a, f, "env", env);
		{
			struct kiso_value *h = kiso_map_get(env, "HOME");
			struct kiso_value *sh = kiso_map_get(env, "SHELL");
			if (h)
				kiso_map_set(a, f, "user_dir", h);
			if (sh)
				kiso_map_set(a, f, "user_shell", sh);
		}
	}
	return f;
}

int kiso_facts_gather(struct kiso_value **out, struct kiso_arena *a, struct kiso_conn *c,
		      struct kiso_error *err)
{
	struct kiso_exec_req req;
	struct kiso_exec_result res = KISO_EXEC_RESULT_INIT;
	int rc;

	memset(&req, 0, sizeof(req));
	req.cmd = "/bin/sh -c \"$(cat)\"";
	req.in = kiso_facts_script;
	req.in_len = strlen(kiso_facts_script);
	req.no_become = true;
	rc = kiso_transport_exec(c, &req, &res);
	if (rc < 0) {
		kiso_error_set(err, rc, KISO_POS_NONE, "%s", kiso_conn_error(c)->msg);
		kiso_exec_result_release(&res);
		return rc;
	}
	*out = kiso_facts_parse(a, res.out.ptr ? res.out.ptr : "", res.out.len);
	kiso_exec_result_release(&res);
	return 0;
}

static bool in_list(const struct kiso_value *l, const char *s)
{
	if (!l)
		return false;
	if (l->type == KISO_STR) {
		/* "a,b" as Ansible's list conversion */
		const char *p = l->u.s.ptr;
		size_t n = strlen(s);
		while (*p) {
			size_t k = strcspn(p, ",");
			const char *q = p;
			size_t kk = k;
			while (kk && *q == ' ') q++, kk--;
			while (kk && q[kk - 1] == ' ') kk--;
			if (kk == n && !memcmp(q, s, n))
				return true;
			p += k + (p[k] ? 1 : 0);
		}
		return false;
	}
	if (l->type != KISO_LIST)
		return false;
	for (size_t i = 0; i < l->u.list.len; i++)
		if (l->u.list.items[i]->type == KISO_STR && !strcmp(l->u.list.items[i]->u.s.ptr, s))
			return true;
	return false;
}

/* which subset a fact belongs to (min facts: NULL) */
static const char *subset_of(const char *k)
{
	if (!strncmp(k, "processor", 9) || !strncmp(k, "mem", 3) || !strncmp(k, "swap", 4))
		return "hardware";
	if (!strcmp(k, "default_ipv4"))
		return "network";
	if (!strncmp(k, "virtualization", 14))
		return "virtual";
	return NULL;
}

struct kiso_value *kiso_facts_filter(struct kiso_arena *a, const struct kiso_value *facts,
				     const struct kiso_value *subset,
				     const struct kiso_value *filter)
{
	struct kiso_value *out = kiso_map_new(a, KISO_POS_NONE);
	bool all = !subset || in_list(subset, "all") || in_list(subset, "min") == false;

	if (subset && (in_list(subset, "!all") || in_list(subset, "min")))
		all = false;
	if (subset && !in_list(subset, "all") && !in_list(subset, "!all") && !in_list(subset, "min"))
		all = false;
	if (!subset)
		all = true;
	for (size_t i = 0; i < facts->u.map.len; i++) {
		const char *k = facts->u.map.items[i].key->u.s.ptr;
		const char *sub = subset_of(k);
		bool keep = true;

		if (sub) {
			char neg[32];
			snprintf(neg, sizeof(neg), "!%s", sub);
			keep = (all || in_list(subset, sub)) && !in_list(subset, neg);
		}
		if (keep && filter && !(filter->type == KISO_LIST && filter->u.list.len == 0) &&
		    !(filter->type == KISO_STR && !*filter->u.s.ptr)) {
			char name[256];
			bool hit = false;
			snprintf(name, sizeof(name), "ansible_%s", k);
			if (filter->type == KISO_STR)
				hit = fnmatch(filter->u.s.ptr, name, 0) == 0;
			else if (filter->type == KISO_LIST)
				for (size_t j = 0; j < filter->u.list.len && !hit; j++)
					hit = filter->u.list.items[j]->type == KISO_STR &&
					      fnmatch(filter->u.list.items[j]->u.s.ptr, name, 0) == 0;
			keep = hit;
		}
		if (keep)
			kiso_map_setv(a, out, facts->u.map.items[i].key, facts->u.map.items[i].val);
	}
	return out;
}
