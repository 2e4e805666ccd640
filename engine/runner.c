/*
 * runner.c - plays, batches, host threads, the linear and free strategies,
 * blocks, handlers and the failure policy. One task on one host is
 * runner_task.c's job.
 *
 * Threads: one per host of a batch. Under the linear strategy the hosts
 * meet at a barrier before each task (so every host finished task N
 * before any starts N+1); a host that fails, is unreachable or ends
 * leaves the barrier. Hosts that have nothing to do at a step (another
 * host is in a rescue section, a handler it was not notified for) still
 * pass the barrier, so every host meets the same barriers in the same
 * order. The last host to arrive at a barrier applies the batch's failure
 * policy (any_errors_fatal, max_fail_percentage). 'forks' bounds how many
 * hosts do work at once (a counting semaphore around each task's work).
 */
#include "kiso_common.h"

#include <fnmatch.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "runner_priv.h"

/* ------------------------------------------------------------ barrier */

void rn_barrier(struct rn_batch *b, struct rn_host *h)
{
	unsigned long gen;

	if (!b->linear || h->left)
		return;
	pthread_mutex_lock(&b->mu);
	gen = b->gen;
	if (++b->arrived >= b->participants) {
		rn_batch_policy(b);
		b->arrived = 0;
		b->gen++;
		pthread_cond_broadcast(&b->cv);
	} else {
		while (gen == b->gen)
			pthread_cond_wait(&b->cv, &b->mu);
	}
	pthread_mutex_unlock(&b->mu);
}

/* The host stops taking part in the batch's barriers. */
void rn_leave(struct rn_batch *b, struct rn_host *h)
{
	if (h->left)
		return;
	h->left = true;
	if (!b->linear)
		return;
	pthread_mutex_lock(&b->mu);
	b->participants--;
	if (b->arrived && b->arrived >= b->participants) {
		rn_batch_policy(b);
		b->arrived = 0;
		b->gen++;
		pthread_cond_broadcast(&b->cv);
	}
	pthread_mutex_unlock(&b->mu);
}

/* Called with b->mu held by the last host to arrive. */
void rn_batch_policy(struct rn_batch *b)
{
	size_t failed = 0;

	for (size_t i = 0; i < b->n; i++)
		if (b->h[i]->failed || b->h[i]->unreachable)
			failed++;
	if (b->fatal_failure)
		b->abort = true;
	if (b->has_max_fail && kiso_max_fail_exceeded(failed, b->n, b->max_fail)) {
		b->abort = true;
		b->r->stop = true;
	}
}

void rn_fork_acquire(struct rn_batch *b)
{
	pthread_mutex_lock(&b->fmu);
	while (b->busy >= b->forks)
		pthread_cond_wait(&b->fcv, &b->fmu);
	b->busy++;
	pthread_mutex_unlock(&b->fmu);
}

void rn_fork_release(struct rn_batch *b)
{
	pthread_mutex_lock(&b->fmu);
	b->busy--;
	pthread_cond_signal(&b->fcv);
	pthread_mutex_unlock(&b->fmu);
}

/* ------------------------------------------------------------- output */

void rn_out_lock(struct rn_run *r)
{
	pthread_mutex_lock(&r->out);
}

void rn_out_unlock(struct rn_run *r)
{
	pthread_mutex_unlock(&r->out);
}

/* Prints the TASK header once per step (caller holds the output lock). */
void rn_header(struct rn_host *h, const struct kiso_taskdef *td, const char *kind,
	       const char *name)
{
	struct rn_batch *b = h->b;
	struct rn_run *r = b->r;

	if (b->hdr_task == td && b->hdr_step == h->step)
		return;
	b->hdr_task = td;
	b->hdr_step = h->step;
	{
		char *path = td && td->pos.file ? kiso_xasprintf("%s:%d", td->pos.file, td->pos.line)
						 : NULL;
		for (size_t i = 0; i < r->o->nreports; i++)
			if (r->o->reports[i].ops->task_start)
				r->o->reports[i].ops->task_start(r->o->reports[i].self, kind, name, path);
		free(path);
	}
}

void rn_emit(struct rn_host *h, const struct kiso_task_result *res)
{
	struct rn_run *r = h->b->r;

	for (size_t i = 0; i < r->o->nreports; i++)
		if (r->o->reports[i].ops->result)
			r->o->reports[i].ops->result(r->o->reports[i].self, h->hr->name, res);
}

static void emit_play(struct rn_run *r, const char *name)
{
	for (size_t i = 0; i < r->o->nreports; i++)
		if (r->o->reports[i].ops->play_start)
			r->o->reports[i].ops->play_start(r->o->reports[i].self, name);
}

static void emit_note(struct rn_run *r, const char *text)
{
	for (size_t i = 0; i < r->o->nreports; i++)
		if (r->o->reports[i].ops->play_note)
			r->o->reports[i].ops->play_note(r->o->reports[i].self, text);
}

/* ----------------------------------------------------------- handlers */

static void collect_handlers(struct rn_batch *b, const struct kiso_tasklist *l);

static void collect_one(struct rn_batch *b, struct kiso_taskdef *t)
{
	switch (t->kind) {
	case KISO_TD_BLOCK:
		collect_handlers(b, &t->block);
		collect_handlers(b, &t->rescue);
		collect_handlers(b, &t->always);
		return;
	case KISO_TD_IMPORT_TASKS:
		collect_handlers(b, &t->body);
		return;
	case KISO_TD_MODULE:
	case KISO_TD_META:
		if (b->nhandlers == b->caphandlers) {
			b->caphandlers = b->caphandlers ? 2 * b->caphandlers : 16;
			b->handlers = kiso_xrealloc(b->handlers,
						    b->caphandlers * sizeof(*b->handlers));
		}
		b->handlers[b->nhandlers++] = t;
		return;
	default:
		return;
	}
}

static void collect_handlers(struct rn_batch *b, const struct kiso_tasklist *l)
{
	for (size_t i = 0; i < l->len; i++)
		collect_one(b, l->items[i]);
}

static void collect_role_handlers(struct rn_batch *b, const struct kiso_role *r)
{
	for (size_t i = 0; i < r->ndeps; i++)
		collect_role_handlers(b, r->deps[i]);
	if (!r->same_as || r->allow_duplicates)
		collect_handlers(b, &r->handlers);
}

/* Roles reached by import_role/include_role: their handlers too. */
static void collect_included_roles(struct rn_batch *b, const struct kiso_tasklist *l)
{
	for (size_t i = 0; i < l->len; i++) {
		const struct kiso_taskdef *t = l->items[i];

		if ((t->kind == KISO_TD_IMPORT_ROLE || t->kind == KISO_TD_INCLUDE_ROLE) && t->inc_role)
			collect_role_handlers(b, t->inc_role);
		if (t->kind == KISO_TD_BLOCK) {
			collect_included_roles(b, &t->block);
			collect_included_roles(b, &t->rescue);
			collect_included_roles(b, &t->always);
		}
		if (t->kind == KISO_TD_IMPORT_TASKS || t->kind == KISO_TD_INCLUDE_TASKS)
			collect_included_roles(b, &t->body);
	}
}

static bool str_eq_value(const struct kiso_value *v, const char *s)
{
	return v && v->type == KISO_STR && strcmp(v->u.s.ptr, s) == 0;
}

/* Marks the handlers that 'name' names (a handler's name, "role : name"
 * or a listen topic). Returns how many matched. */
size_t rn_notify(struct rn_host *h, const char *name)
{
	struct rn_batch *b = h->b;
	size_t n = 0;

	for (size_t i = 0; i < b->nhandlers; i++) {
		const struct kiso_taskdef *t = b->handlers[i];
		bool hit = false;

		if (t->name && strcmp(t->name, name) == 0)
			hit = true;
		if (!hit && t->name && t->role) {
			size_t rl = strlen(t->role->name);
			if (strncmp(name, t->role->name, rl) == 0 && strncmp(name + rl, " : ", 3) == 0 &&
			    strcmp(name + rl + 3, t->name) == 0)
				hit = true;
		}
		if (!hit && t->listen && t->listen->type == KISO_LIST)
			for (size_t j = 0; j < t->listen->u.list.len && !hit; j++)
				hit = str_eq_value(t->listen->u.list.items[j], name);
		if (hit) {
			h->notified[i] = true;
			n++;
		}
	}
	return n;
}

/*
 * Ansible (with its default private_role_vars = False) exposes the
 * defaults and the vars of every role of a play to the whole play, below
 * the running role's own: merges them, dependencies before the role that
 * pulls them in, later roles winning. Maps in arena a.
 */
static void merge_role_maps(struct kiso_arena *a, struct kiso_value *out,
			    const struct kiso_role *role, bool defaults)
{
	const struct kiso_value *maps[2];

	for (size_t i = 0; i < role->ndeps; i++)
		merge_role_maps(a, out, role->deps[i], defaults);
	maps[0] = defaults ? role->defaults : role->use_vars;
	maps[1] = defaults ? NULL : role->vars;
	for (size_t k = 0; k < 2; k++) {
		const struct kiso_value *m = maps[k];
		if (!m || m->type != KISO_MAP)
			continue;
		for (size_t i = 0; i < m->u.map.len; i++)
			kiso_map_setv(a, out, m->u.map.items[i].key, m->u.map.items[i].val);
	}
}

static struct kiso_value *play_roles_map(struct kiso_arena *a, const struct kiso_play *p,
					 bool defaults)
{
	struct kiso_value *out = kiso_map_new(a, p->pos);

	for (size_t i = 0; i < p->nroles; i++)
		merge_role_maps(a, out, p->roles[i], defaults);
	return out;
}

static void role_vars_push(struct kiso_vars *v, const struct kiso_role *role)
{
	kiso_vars_push(v, KISO_VARS_ROLE_DEFAULTS, role->defaults);
	kiso_vars_push(v, KISO_VARS_ROLE_VARS, role->use_vars);
	kiso_vars_push(v, KISO_VARS_ROLE_VARS, role->vars);
	kiso_vars_push(v, KISO_VARS_ROLE_PARAMS, role->params);
}

static void role_vars_pop(struct kiso_vars *v)
{
	kiso_vars_pop(v, KISO_VARS_ROLE_PARAMS);
	kiso_vars_pop(v, KISO_VARS_ROLE_VARS);
	kiso_vars_pop(v, KISO_VARS_ROLE_VARS);
	kiso_vars_pop(v, KISO_VARS_ROLE_DEFAULTS);
}

/* A role's handler runs with its role's defaults, vars and parameters in
 * scope, as the role's tasks do (Ansible's task._role). */
static int rn_handler(struct rn_host *h, struct kiso_taskdef *t)
{
	int r;

	if (t->role)
		role_vars_push(h->hr->vars, t->role);
	r = rn_task(h, t, false);
	if (t->role)
		role_vars_pop(h->hr->vars);
	return r;
}

/* Runs the notified handlers of the batch, in definition order. */
void rn_flush_handlers(struct rn_host *h)
{
	struct rn_batch *b = h->b;

	for (int pass = 0; pass < 4; pass++) {
		bool again = false;

		for (size_t i = 0; i < b->nhandlers; i++) {
			bool run = h->notified[i] && !h->left && !b->abort;

			if (b->abort && !h->left)
				rn_leave(b, h);
			h->step++;
			rn_barrier(b, h);
			if (b->abort || b->end_play) {
				rn_leave(b, h);
				return;
			}
			if (!run)
				continue;
			h->notified[i] = false;
			if (rn_handler(h, b->handlers[i]) == RN_FAILED)
				rn_host_failed(h);
		}
		for (size_t i = 0; i < b->nhandlers; i++)
			if (h->notified[i] && !h->left)
				again = true;
		/* every host must agree on another pass: use the batch's view */
		pthread_mutex_lock(&b->mu);
		if (again)
			b->handlers_again = true;
		pthread_mutex_unlock(&b->mu);
		h->step++;
		rn_barrier(b, h);
		pthread_mutex_lock(&b->mu);
		again = b->handlers_again;
		pthread_mutex_unlock(&b->mu);
		h->step++;
		rn_barrier(b, h);
		if (!b->linear)
			again = false;
		for (size_t i = 0; i < b->nhandlers && !again; i++)
			again = h->notified[i] && !h->left;
		pthread_mutex_lock(&b->mu);
		b->handlers_again = false;
		pthread_mutex_unlock(&b->mu);
		if (!again)
			break;
	}
}

/* A failure that reached the top of a section: the host is out. */
void rn_host_failed(struct rn_host *h)
{
	if (h->failed)
		return;
	h->failed = true;
	h->hr->failed = true;
	if (h->b->r->o->force_handlers && !h->left) {
		bool any = false;
		for (size_t i = 0; i < h->b->nhandlers; i++)
			any = any || h->notified[i];
		if (any) {
			/* run them now, out of step with the others */
			rn_leave(h->b, h);
			h->left = false;
			h->forced = true;
			for (size_t i = 0; i < h->b->nhandlers; i++) {
				if (!h->notified[i])
					continue;
				h->notified[i] = false;
				rn_handler(h, h->b->handlers[i]);
			}
			h->left = true;
			h->forced = false;
			return;
		}
	}
	rn_leave(h->b, h);
}

/* --------------------------------------------------------------- lists */

/* Runs (or, with noop, only steps through) a list of tasks. */
int rn_list(struct rn_host *h, const struct kiso_tasklist *l, bool noop)
{
	int rc = RN_OK;

	for (size_t i = 0; i < l->len; i++) {
		int r;

		if (h->left && !h->forced)
			return RN_STOP;
		r = rn_task(h, l->items[i], noop);
		if (r == RN_STOP)
			return RN_STOP;
		if (r == RN_FAILED) {
			rc = RN_FAILED;
			noop = true;
			if (h->depth == 0) {
				if (i + 1 < l->len)
					h->more_left = true;
				rn_host_failed(h);
				return RN_FAILED;
			}
		}
	}
	return rc;
}

void rn_role(struct rn_host *h, struct kiso_role *role, bool noop, int *rc)
{
	struct kiso_vars *v = h->hr->vars;

	if (role->same_as && !role->allow_duplicates)
		return;
	for (size_t i = 0; i < role->ndeps && *rc != RN_STOP; i++)
		rn_role(h, role->deps[i], noop, rc);
	if (*rc == RN_STOP || (h->left && !h->forced))
		return;
	if (!noop)
		role_vars_push(v, role);
	{
		int r = rn_list(h, &role->tasks, noop);
		if (r == RN_STOP || r == RN_FAILED)
			*rc = r;
	}
	if (!noop)
		role_vars_pop(v);
}

/* --------------------------------------------------------- connections */

static const char *var_str(struct rn_host *h, const char *name)
{
	struct kiso_value *v = NULL;
	struct kiso_error err = KISO_ERROR_INIT;

	if (kiso_vars_get(&v, h->hr->vars, name, &err) < 0 || !v || v->type == KISO_NULL)
		return NULL;
	if (v->type == KISO_STR)
		return v->u.s.ptr;
	{
		struct kiso_buf b = KISO_BUF_INIT;
		const char *s;
		kiso_value_str(&b, v);
		s = kiso_arena_strdup(kiso_vars_arena(h->hr->vars), kiso_buf_cstr(&b));
		kiso_buf_release(&b);
		return s;
	}
}

static struct rn_hostrec *hostrec(struct rn_run *r, const char *name);

/*
 * The connection options of a host from its variables, as ansible reads
 * them: computed once, in the main thread (a host's variables belong to
 * its own thread once the batch runs), before the threads start.
 */
static int conn_opts_compute(struct rn_run *r, struct rn_host *vh, struct kiso_conn_opts *o,
			     struct kiso_error *err)
{
	const char *name = vh->hr->name;
	const char *conn = var_str(vh, "ansible_connection");
	const char *host = var_str(vh, "ansible_host");
	const char *port = var_str(vh, "ansible_port");
	const char *user = var_str(vh, "ansible_user");
	const char *key = var_str(vh, "ansible_ssh_private_key_file");
	const char *cargs = var_str(vh, "ansible_ssh_common_args");
	const char *xargs = var_str(vh, "ansible_ssh_extra_args");
	const char *kjump = var_str(vh, "kiso_jump");

	kiso_conn_opts_init(o);
	kiso_conn_opts_set(&o->name, name);
	if (conn) {
		if (kiso_conn_kind_parse(&o->kind, conn, err) < 0)
			return KISO_EINVALID;
	} else if (!host && (!strcmp(name, "localhost") || !strcmp(name, "127.0.0.1") ||
			     !strcmp(name, "::1"))) {
		o->kind = KISO_CONN_LOCAL;
	}
	kiso_conn_opts_set(&o->host, host ? host : name);
	if (port)
		o->port = atoi(port);
	if (!user)
		user = var_str(vh, "ansible_ssh_user");
	if (user)
		kiso_conn_opts_set(&o->user, user);
	if (key)
		kiso_conn_opts_add_identity(o, key);
	if (r->o->private_key)
		kiso_conn_opts_add_identity(o, r->o->private_key);
	if (r->o->ssh_accept_new)
		o->hostkey = KISO_HOSTKEY_ACCEPT_NEW;
	if (r->o->timeout_s > 0)
		o->connect_timeout_ms = r->o->timeout_s * 1000;
	if (cargs && kiso_sshopts_parse(o, cargs, err) < 0)
		return KISO_EINVALID;
	if (xargs && kiso_sshopts_parse(o, xargs, err) < 0)
		return KISO_EINVALID;
	vh->hr->kjump = kjump ? kiso_xstrdup(kjump) : NULL;
	return 0;
}

static void prepare_conn(struct rn_run *r, struct rn_hostrec *hr)
{
	struct rn_host tmp = { 0 };

	if (hr->copts_ready)
		return;
	tmp.hr = hr;
	hr->copts_rc = conn_opts_compute(r, &tmp, &hr->copts, &hr->copts_err);
	hr->copts_ready = true;
}

/* The options to reach host vh (prepared), its jump session opened. */
static int conn_opts_for(struct rn_run *r, struct rn_host *vh, struct kiso_conn_opts *o,
			 struct kiso_conn **jump, struct kiso_error *err)
{
	const char *name = vh->hr->name;
	const char *kjump = vh->hr->kjump;

	*jump = NULL;
	if (!vh->hr->copts_ready)
		KISO_BUG("connection options of '%s' not prepared", name);
	kiso_conn_opts_copy(o, &vh->hr->copts);
	if (vh->hr->copts_rc < 0) {
		kiso_error_set(err, vh->hr->copts_rc, KISO_POS_NONE, "%s", vh->hr->copts_err.msg);
		return vh->hr->copts_rc;
	}
	if (o->kind == KISO_CONN_SSH && kjump && strcmp(kjump, name) != 0) {
		/*
		 * A session of its own to the jump host, used only for tunnels
		 * (never for the jump host's own tasks: a command on a session
		 * that also carries tunnels can hang in transport_ssh.c).
		 */
		struct rn_hostrec *jr = hostrec(r, kjump);
		struct rn_jump *j = NULL;
		char jkey[256];

		if (!jr)
			return kiso_error_set(err, KISO_EUNREACHABLE, KISO_POS_NONE,
					      "jump host '%s' of '%s' is not in the inventory", kjump,
					      name);
		snprintf(jkey, sizeof(jkey), "=%s", kjump);
		pthread_mutex_lock(&r->jmu);
		for (size_t k = 0; k < r->njumps; k++)
			if (!strcmp(r->jumps[k]->key, jkey))
				j = r->jumps[k];
		if (!j) {
			struct rn_host tmp = { 0 };
			struct kiso_conn_opts jo;
			struct kiso_conn *jj = NULL;
			struct kiso_error jerr = KISO_ERROR_INIT;
			int jrc;

			tmp.hr = jr;
			jrc = conn_opts_for(r, &tmp, &jo, &jj, &jerr);
			r->jumps = kiso_xrealloc(r->jumps, (r->njumps + 1) * sizeof(*r->jumps));
			j = r->jumps[r->njumps++] = kiso_xcalloc(1, sizeof(*j));
			j->key = kiso_xstrdup(jkey);
			j->via = jj;
			jo.jump = jj;
			j->conn = kiso_conn_new(&jo);
			j->rc = jrc < 0 ? jrc : kiso_conn_open(j->conn);
			if (jrc < 0)
				kiso_conn_fail(j->conn, KISO_EUNREACHABLE, "%s", jerr.msg);
			kiso_conn_opts_release(&jo);
		}
		pthread_mutex_unlock(&r->jmu);
		if (j->rc < 0)
			return kiso_error_set(err, KISO_EUNREACHABLE, KISO_POS_NONE,
					      "cannot reach '%s' through '%s': %s", name, kjump,
					      kiso_conn_error(j->conn)->msg);
		*jump = j->conn;
	} else if (o->kind == KISO_CONN_SSH && o->n_jumps) {
		struct kiso_conn *prev = NULL;

		pthread_mutex_lock(&r->jmu);
		for (size_t i = 0; i < o->n_jumps; i++) {
			struct kiso_conn_opts jo;
			struct rn_jump *j = NULL;

			kiso_conn_opts_for_jump(&jo, o, i);
			jo.jump = prev;
			for (size_t k = 0; k < r->njumps; k++)
				if (!strcmp(r->jumps[k]->key, jo.name) && r->jumps[k]->via == prev)
					j = r->jumps[k];
			if (!j) {
				r->jumps = kiso_xrealloc(r->jumps, (r->njumps + 1) * sizeof(*r->jumps));
				j = r->jumps[r->njumps++] = kiso_xcalloc(1, sizeof(*j));
				j->key = kiso_xstrdup(jo.name);
				j->via = prev;
				j->conn = kiso_conn_new(&jo);
				j->rc = kiso_conn_open(j->conn);
			}
			kiso_conn_opts_release(&jo);
			if (j->rc < 0) {
				kiso_error_set(err, KISO_EUNREACHABLE, KISO_POS_NONE, "%s",
					       kiso_conn_error(j->conn)->msg);
				pthread_mutex_unlock(&r->jmu);
				return KISO_EUNREACHABLE;
			}
			prev = j->conn;
		}
		pthread_mutex_unlock(&r->jmu);
		*jump = prev;
	}
	return 0;
}

/* Opens (once) the connection of a host record. Thread-safe per record. */
int rn_open_rec(struct rn_run *r, struct rn_hostrec *hr, struct kiso_error *err)
{
	int rc = 0;

	pthread_mutex_lock(&hr->mu);
	if (hr->conn && hr->conn->open) {
		pthread_mutex_unlock(&hr->mu);
		return 0;
	}
	if (hr->open_failed) {
		kiso_error_set(err, KISO_EUNREACHABLE, KISO_POS_NONE, "%s", hr->open_err.msg);
		pthread_mutex_unlock(&hr->mu);
		return KISO_EUNREACHABLE;
	}
	{
		struct rn_host tmp = { 0 };
		struct kiso_conn_opts o;
		struct kiso_conn *jump = NULL;

		tmp.hr = hr;
		rc = conn_opts_for(r, &tmp, &o, &jump, &hr->open_err);
		if (rc == 0) {
			o.jump = jump;
			kiso_conn_free(hr->conn);
			hr->conn = kiso_conn_new(&o);
			/* tunnelled sessions are opened one at a time (see runner.h) */
			if (jump)
				pthread_mutex_lock(&r->tunnel_mu);
			rc = kiso_conn_open(hr->conn);
			if (jump)
				pthread_mutex_unlock(&r->tunnel_mu);
			if (rc < 0)
				kiso_error_set(&hr->open_err, rc, KISO_POS_NONE, "%s",
					       kiso_conn_error(hr->conn)->msg);
		}
		kiso_conn_opts_release(&o);
		if (rc < 0) {
			hr->open_failed = true;
			kiso_error_set(err, KISO_EUNREACHABLE, KISO_POS_NONE, "%s", hr->open_err.msg);
			rc = KISO_EUNREACHABLE;
		}
	}
	pthread_mutex_unlock(&hr->mu);
	return rc;
}

/*
 * The connection for a task: the host's own, or a delegate's (kept per
 * host thread). NULL with err set when it cannot be opened.
 */
struct kiso_conn *rn_conn(struct rn_host *h, const char *delegate, struct kiso_error *err)
{
	struct rn_run *r = h->b->r;

	if (!delegate || !strcmp(delegate, h->hr->name)) {
		if (rn_open_rec(r, h->hr, err) < 0)
			return NULL;
		return h->hr->conn;
	}
	for (size_t i = 0; i < h->ndeleg; i++)
		if (!strcmp(h->deleg[i].name, delegate))
			return h->deleg[i].conn;
	{
		struct rn_hostrec *dr = hostrec(r, delegate);
		struct kiso_conn_opts o;
		struct kiso_conn *jump = NULL, *c;
		struct rn_host tmp = { 0 };

		if (!dr) {
			if (strcmp(delegate, "localhost") && strcmp(delegate, "127.0.0.1")) {
				kiso_error_set(err, KISO_EUNREACHABLE, KISO_POS_NONE,
					       "delegate_to host '%s' is not in the inventory", delegate);
				return NULL;
			}
			kiso_conn_opts_init(&o);
			o.kind = KISO_CONN_LOCAL;
			kiso_conn_opts_set(&o.name, delegate);
			kiso_conn_opts_set(&o.host, delegate);
		} else {
			tmp.hr = dr;
			if (conn_opts_for(r, &tmp, &o, &jump, err) < 0) {
				kiso_conn_opts_release(&o);
				return NULL;
			}
			o.jump = jump;
		}
		c = kiso_conn_new(&o);
		kiso_conn_opts_release(&o);
		if (jump)
			pthread_mutex_lock(&r->tunnel_mu);
		int orc = kiso_conn_open(c);
		if (jump)
			pthread_mutex_unlock(&r->tunnel_mu);
		if (orc < 0) {
			kiso_error_set(err, KISO_EUNREACHABLE, KISO_POS_NONE, "%s",
				       kiso_conn_error(c)->msg);
			kiso_conn_free(c);
			return NULL;
		}
		h->deleg = kiso_xrealloc(h->deleg, (h->ndeleg + 1) * sizeof(*h->deleg));
		h->deleg[h->ndeleg].name = kiso_xstrdup(delegate);
		h->deleg[h->ndeleg].conn = c;
		h->ndeleg++;
		return c;
	}
}

/* ---------------------------------------------------------------- hosts */

static struct rn_hostrec *hostrec(struct rn_run *r, const char *name)
{
	for (size_t i = 0; i < r->nhosts; i++)
		if (!strcmp(r->hosts[i]->name, name))
			return r->hosts[i];
	return NULL;
}

/* The record of host 'name', created (with its variables) on first use.
 * Only called from the main thread. */
static struct rn_hostrec *hostrec_get(struct rn_run *r, const char *name, struct kiso_error *err)
{
	struct rn_hostrec *hr = hostrec(r, name);

	if (hr)
		return hr;
	hr = kiso_xcalloc(1, sizeof(*hr));
	if (kiso_vars_host(&hr->vars, r->vr, name, err) < 0) {
		free(hr);
		return NULL;
	}
	hr->name = kiso_xstrdup(name);
	hr->st.host = hr->name;
	pthread_mutex_init(&hr->mu, NULL);
	r->hosts = kiso_xrealloc(r->hosts, (r->nhosts + 1) * sizeof(*r->hosts));
	r->hosts[r->nhosts++] = hr;
	return hr;
}

/* ---------------------------------------------------------------- plays */

static void *host_main(void *arg)
{
	struct rn_host *h = arg;
	struct rn_batch *b = h->b;
	struct kiso_play *p = b->play;
	int rc = RN_OK;

	if (b->gather)
		rc = rn_gather(h);
	if (rc == RN_OK && !h->left) {
		const struct kiso_tasklist *sections[3] = { &p->pre_tasks, &p->tasks, &p->post_tasks };

		for (int s = 0; s < 3; s++) {
			if (h->left || b->abort || b->end_play)
				break;
			if (s == 1) {
				for (size_t i = 0; i < p->nroles && !h->left; i++) {
					int r = RN_OK;
					rn_role(h, p->roles[i], false, &r);
					if (r == RN_FAILED)
						rn_host_failed(h);
					if (r == RN_STOP)
						break;
				}
			}
			if (h->left)
				break;
			rn_list(h, sections[s], false);
			if (h->left)
				break;
			if (!h->left)
				rn_flush_handlers(h);
		}
	}
	rn_leave(b, h);
	return NULL;
}

static const char *render_str(struct rn_run *r, struct kiso_arena *a, const struct kiso_value *v,
			      struct kiso_vars *vars, struct kiso_error *err)
{
	struct kiso_tmpl_ctx ctx;
	struct kiso_value *out = NULL;
	struct kiso_buf b = KISO_BUF_INIT;
	const char *s;

	(void)r;
	if (!v)
		return NULL;
	kiso_vars_tmpl_ctx(&ctx, vars, a);
	if (kiso_tmpl_render_value(&out, &ctx, v, err) < 0)
		return NULL;
	kiso_value_str(&b, out);
	s = kiso_arena_strdup(a, kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return s;
}

static int cmp_name(const void *x, const void *y)
{
	const char *const *a = x, *const *b = y;
	return strcmp(*a, *b);
}

/* The play's hosts: pattern & limit, minus hosts failed earlier, in 'order'. */
static int play_hosts(struct rn_run *r, struct kiso_play *p, const char ***out, size_t *n,
		      struct kiso_error *err)
{
	struct kiso_value *hosts = p->hosts, *list;
	struct kiso_inv_hostlist hl = { 0 };
	struct kiso_buf pat = KISO_BUF_INIT;
	const char *order;
	const char **names;
	size_t k = 0;
	int rc;

	if (hosts && (hosts->type == KISO_STR || hosts->type == KISO_LIST)) {
		struct kiso_tmpl_ctx ctx = { 0 };
		struct kiso_value *x = NULL;
		struct kiso_vars *any = NULL;

		/* play 'hosts' sees the extra vars (and run magic) only */
		if (kiso_vars_host(&any, r->vr, "localhost", err) < 0)
			return -1;
		kiso_vars_tmpl_ctx(&ctx, any, r->a);
		if (kiso_tmpl_render_value(&x, &ctx, hosts, err) < 0)
			return -1;
		hosts = x;
	}
	list = kiso_list_new(r->a, p->pos);
	kiso_play_hosts_split(r->a, list, hosts);
	for (size_t i = 0; i < list->u.list.len; i++)
		kiso_buf_printf(&pat, "%s%s", i ? "," : "", list->u.list.items[i]->u.s.ptr);
	rc = 0;
	if (list->u.list.len)
		rc = kiso_inventory_match(&hl, r->a, r->o->inv, kiso_buf_cstr(&pat), r->o->limit, err);
	kiso_buf_release(&pat);
	if (rc < 0)
		return rc;
	names = kiso_arena_zalloc(r->a, (hl.len + 1) * sizeof(*names));
	for (size_t i = 0; i < hl.len; i++) {
		struct rn_hostrec *hr = hostrec(r, hl.items[i]->name);
		if (hr && (hr->failed || hr->unreachable))
			continue;
		names[k++] = hl.items[i]->name;
	}
	order = render_str(r, r->a, kiso_map_get(p->kw, "order"), r->hosts && r->nhosts ?
			   r->hosts[0]->vars : NULL, err);
	if (order && (!strcmp(order, "sorted") || !strcmp(order, "reverse_sorted")))
		qsort(names, k, sizeof(*names), cmp_name);
	if (order && (!strcmp(order, "reverse_sorted") || !strcmp(order, "reverse_inventory")))
		for (size_t i = 0; i < k / 2; i++) {
			const char *t = names[i];
			names[i] = names[k - 1 - i];
			names[k - 1 - i] = t;
		}
	if (order && !strcmp(order, "shuffle"))
		for (size_t i = k; i > 1; i--) {
			size_t j = (size_t)rand() % i;
			const char *t = names[i - 1];
			names[i - 1] = names[j];
			names[j] = t;
		}
	*out = names;
	*n = k;
	return 0;
}

static bool kw_bool(struct rn_run *r, const struct kiso_value *v, struct kiso_vars *vars, bool dflt)
{
	struct kiso_error err = KISO_ERROR_INIT;
	const char *s;

	if (!v || v->type == KISO_NULL)
		return dflt;
	if (v->type == KISO_BOOL)
		return v->u.b;
	if (v->type == KISO_INT)
		return v->u.i != 0;
	s = render_str(r, r->a, v, vars, &err);
	if (!s)
		return dflt;
	return !strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcmp(s, "1") ||
	       !strcasecmp(s, "on") || !strcasecmp(s, "y");
}

/* Loads the play's vars_files for one host; a missing file is an error. */
static int load_vars_files(struct rn_run *r, struct kiso_play *p, struct rn_hostrec *hr,
			   struct kiso_value **out, struct kiso_error *err)
{
	struct kiso_arena *a = kiso_vars_arena(hr->vars);
	struct kiso_value *acc = kiso_map_new(a, p->pos);

	for (size_t i = 0; i < p->vars_files->u.list.len; i++) {
		const struct kiso_value *ent = p->vars_files->u.list.items[i];
		const struct kiso_value *const *cands = &ent;
		size_t nc = 1;
		bool found = false;

		if (ent->type == KISO_LIST) {
			cands = (const struct kiso_value *const *)ent->u.list.items;
			nc = ent->u.list.len;
		}
		for (size_t j = 0; j < nc && !found; j++) {
			const char *name = render_str(r, a, cands[j], hr->vars, err);
			char *path;
			struct kiso_value *m = NULL;

			if (!name)
				return -1;
			path = name[0] == '/' ? kiso_xstrdup(name)
					      : kiso_xasprintf("%s/%s", p->basedir, name);
			if (access(path, R_OK) == 0) {
				found = true;
				if (kiso_yaml_load_file(&m, a, path, err) < 0) {
					free(path);
					return -1;
				}
				if (m && m->type == KISO_MAP)
					for (size_t k = 0; k < m->u.map.len; k++)
						kiso_map_setv(a, acc, m->u.map.items[k].key,
							      m->u.map.items[k].val);
			}
			free(path);
		}
		if (!found)
			return kiso_error_set(err, KISO_ENOTFOUND, ent->pos,
					      "vars file not found for host '%s'", hr->name);
	}
	*out = acc;
	return 0;
}

static int run_batch(struct rn_run *r, struct kiso_play *p, const char *const *names, size_t n,
		     const struct kiso_value *all_hosts, const struct kiso_value *play_hosts_v,
		     const char *pname)
{
	struct rn_batch b;
	struct kiso_value *batchv = kiso_list_new(r->a, p->pos);
	struct kiso_vars *v0;
	struct kiso_value *play_defaults, *play_role_vars;
	const char *strategy;
	int rc = 0;

	memset(&b, 0, sizeof(b));
	b.r = r;
	b.play = p;
	b.n = n;
	b.h = kiso_xcalloc(n, sizeof(*b.h));
	pthread_mutex_init(&b.mu, NULL);
	pthread_cond_init(&b.cv, NULL);
	pthread_mutex_init(&b.fmu, NULL);
	pthread_cond_init(&b.fcv, NULL);
	for (size_t i = 0; i < n; i++)
		kiso_list_push(r->a, batchv, kiso_str(r->a, names[i], KISO_POS_NONE));
	kiso_vars_run_set_play(r->vr, pname, all_hosts, play_hosts_v, batchv);

	v0 = hostrec(r, names[0])->vars;
	strategy = render_str(r, r->a, kiso_map_get(p->kw, "strategy"), v0, &(struct kiso_error)KISO_ERROR_INIT);
	b.linear = !(strategy && !strcmp(strategy, "free"));
	b.gather = kw_bool(r, kiso_map_get(p->kw, "gather_facts"), v0, true);
	b.gather_subset = kiso_map_get(p->kw, "gather_subset");
	b.any_errors_fatal = kw_bool(r, kiso_map_get(p->kw, "any_errors_fatal"), v0, false);
	{
		const struct kiso_value *mf = kiso_map_get(p->kw, "max_fail_percentage");
		if (mf && (mf->type == KISO_INT || mf->type == KISO_FLOAT)) {
			b.has_max_fail = true;
			b.max_fail = mf->type == KISO_INT ? (double)mf->u.i : mf->u.f;
		} else if (mf && mf->type == KISO_STR) {
			b.has_max_fail = true;
			b.max_fail = atof(mf->u.s.ptr);
		}
	}
	b.forks = r->o->forks > 0 ? (size_t)r->o->forks : (n < 200 ? n : 200);
	if (b.forks == 0)
		b.forks = 1;
	b.participants = n;

	/* handlers: the roles' first, then the play's (Ansible's order) */
	for (size_t i = 0; i < p->nroles; i++)
		collect_role_handlers(&b, p->roles[i]);
	collect_included_roles(&b, &p->pre_tasks);
	collect_included_roles(&b, &p->tasks);
	collect_included_roles(&b, &p->post_tasks);
	for (size_t i = 0; i < p->nroles; i++)
		collect_included_roles(&b, &p->roles[i]->tasks);
	collect_handlers(&b, &p->handlers);
	play_defaults = play_roles_map(r->a, p, true);
	play_role_vars = play_roles_map(r->a, p, false);

	for (size_t i = 0; i < n; i++) {
		struct rn_host *h = kiso_xcalloc(1, sizeof(*h));
		struct kiso_error err = KISO_ERROR_INIT;
		struct kiso_value *vf = NULL;

		h->b = &b;
		h->hr = hostrec(r, names[i]);
		h->hr->seen = true;
		h->idx = i;
		h->notified = kiso_xcalloc(b.nhandlers + 1, sizeof(*h->notified));
		h->ta = kiso_arena_new();
		b.h[i] = h;
		kiso_vars_push(h->hr->vars, KISO_VARS_PLAY, p->vars);
		kiso_vars_push(h->hr->vars, KISO_VARS_ROLE_DEFAULTS, play_defaults);
		kiso_vars_push(h->hr->vars, KISO_VARS_ROLE_VARS, play_role_vars);
		if (load_vars_files(r, p, h->hr, &vf, &err) < 0) {
			kiso_error_print(stderr, &err);
			rc = -1;
			vf = NULL;
		}
		kiso_vars_push(h->hr->vars, KISO_VARS_VARS_FILES, vf);
	}
	if (rc < 0) {
		r->stop = true;
		r->hard_error = true;
		goto out;
	}
	for (size_t i = 0; i < r->nhosts; i++)
		prepare_conn(r, r->hosts[i]);
	if (n == 1) {
		host_main(b.h[0]);
	} else {
		for (size_t i = 0; i < n; i++)
			if (pthread_create(&b.h[i]->th, NULL, host_main, b.h[i]) != 0)
				KISO_BUG("cannot create a thread");
		for (size_t i = 0; i < n; i++)
			pthread_join(b.h[i]->th, NULL);
	}
	if (b.abort)
		r->stop = true;
	{
		size_t alive = 0;
		for (size_t i = 0; i < n; i++)
			if (!b.h[i]->failed && !b.h[i]->unreachable)
				alive++;
		bool more = false;
		for (size_t i = 0; i < n; i++)
			more = more || b.h[i]->more_left;
		if (alive == 0 && !b.end_play && more)
			b.all_failed = true;
	}
	if (b.all_failed || b.abort)
		emit_note(r, "NO MORE HOSTS LEFT");
out:
	for (size_t i = 0; i < n; i++) {
		struct rn_host *h = b.h[i];
		if (!h)
			continue;
		kiso_vars_pop(h->hr->vars, KISO_VARS_VARS_FILES);
		kiso_vars_pop(h->hr->vars, KISO_VARS_ROLE_VARS);
		kiso_vars_pop(h->hr->vars, KISO_VARS_ROLE_DEFAULTS);
		kiso_vars_pop(h->hr->vars, KISO_VARS_PLAY);
		for (size_t k = 0; k < h->ndeleg; k++) {
			kiso_conn_free(h->deleg[k].conn);
			free(h->deleg[k].name);
		}
		free(h->deleg);
		free(h->notified);
		kiso_arena_free(h->ta);
		free(h);
	}
	free(b.h);
	free(b.handlers);
	free(b.once);
	pthread_mutex_destroy(&b.mu);
	pthread_cond_destroy(&b.cv);
	pthread_mutex_destroy(&b.fmu);
	pthread_cond_destroy(&b.fcv);
	return rc;
}

static int run_play(struct rn_run *r, struct kiso_play *p)
{
	const char **names = NULL;
	size_t n = 0, *sizes, nb;
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_value *all, *remaining;
	const char *pname;
	int k;

	if (play_hosts(r, p, &names, &n, &err) < 0) {
		kiso_error_print(stderr, &err);
		r->hard_error = true;
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (!hostrec_get(r, names[i], &err)) {
			kiso_error_print(stderr, &err);
			r->hard_error = true;
			return -1;
		}
	}
	/* the play's name (without one: its hosts, joined by ','), templated
	 * with the first host's view, as Ansible's post_validate does */
	{
		const struct kiso_value *nv = kiso_map_get(p->kw, "name");
		struct kiso_vars *vv = NULL;

		if (!nv || nv->type == KISO_NULL) {
			struct kiso_value *list = kiso_list_new(r->a, p->pos);
			struct kiso_buf b = KISO_BUF_INIT;
			kiso_play_hosts_split(r->a, list, p->hosts);
			for (size_t i = 0; i < list->u.list.len; i++)
				kiso_buf_printf(&b, "%s%s", i ? "," : "", list->u.list.items[i]->u.s.ptr);
			nv = kiso_str(r->a, kiso_buf_cstr(&b), p->pos);
			kiso_buf_release(&b);
		}
		if (n)
			vv = hostrec(r, names[0])->vars;
		else
			kiso_vars_host(&vv, r->vr, "localhost", &err);
		pname = vv ? render_str(r, r->a, nv, vv, &err) : NULL;
		if (!pname) {
			struct kiso_buf b = KISO_BUF_INIT;
			kiso_value_str(&b, nv);
			pname = kiso_arena_strdup(r->a, kiso_buf_cstr(&b));
			kiso_buf_release(&b);
		}
	}
	emit_play(r, pname);
	if (n == 0) {
		emit_note(r, "skipping: no hosts matched");
		return 0;
	}
	all = kiso_list_new(r->a, p->pos);
	for (size_t i = 0; i < n; i++)
		kiso_list_push(r->a, all, kiso_str(r->a, names[i], KISO_POS_NONE));
	sizes = kiso_xcalloc(n, sizeof(*sizes));
	k = kiso_serial_batches(kiso_map_get(p->kw, "serial"), n, sizes, n);
	if (k < 0) {
		fprintf(stderr, "%s:%d:%d: the field 'serial' has an invalid value\n",
			p->pos.file ? p->pos.file : "", p->pos.line, p->pos.col);
		free(sizes);
		r->hard_error = true;
		return -1;
	}
	nb = (size_t)k;
	remaining = all;
	for (size_t bi = 0, off = 0; bi < nb && !r->stop; off += sizes[bi], bi++) {
		if (bi > 0) {
			emit_play(r, pname);
			/* ansible_play_hosts: the hosts not failed so far */
			remaining = kiso_list_new(r->a, p->pos);
			for (size_t i = 0; i < n; i++) {
				struct rn_hostrec *hr = hostrec(r, names[i]);
				if (!hr->failed && !hr->unreachable)
					kiso_list_push(r->a, remaining, kiso_str(r->a, names[i], KISO_POS_NONE));
			}
		}
		if (run_batch(r, p, names + off, sizes[bi], all, remaining, pname) < 0)
			break;
	}
	free(sizes);
	kiso_vars_run_set_play(r->vr, NULL, NULL, NULL, NULL);
	return 0;
}

static void init_recursive(pthread_mutex_t *m)
{
	pthread_mutexattr_t at;

	pthread_mutexattr_init(&at);
	pthread_mutexattr_settype(&at, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(m, &at);
	pthread_mutexattr_destroy(&at);
}

/* Records (and variables) for every inventory host, so that threads can
 * find jump and delegate hosts without creating anything. */
static void init_hosts(struct rn_run *r)
{
	for (size_t i = 0; r->o->inv && i < r->o->inv->nhosts; i++) {
		struct kiso_error err = KISO_ERROR_INIT;
		hostrec_get(r, r->o->inv->hosts[i]->name, &err);
	}
}

static void free_hosts(struct rn_run *r)
{
	/* connections tunnelled through another host's go first */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < r->nhosts; i++) {
			struct kiso_conn *c = r->hosts[i]->conn;
			if (c && (pass == 1 || c->opts.jump)) {
				kiso_conn_free(c);
				r->hosts[i]->conn = NULL;
			}
		}
	for (size_t i = 0; i < r->nhosts; i++) {
		kiso_conn_opts_release(&r->hosts[i]->copts);
		free(r->hosts[i]->kjump);
		pthread_mutex_destroy(&r->hosts[i]->mu);
		free((char *)r->hosts[i]->name);
		free(r->hosts[i]);
	}
	for (size_t i = r->njumps; i > 0; i--) {
		kiso_conn_free(r->jumps[i - 1]->conn);
		free(r->jumps[i - 1]->key);
		free(r->jumps[i - 1]);
	}
	free(r->jumps);
	free(r->hosts);
}

struct facts_job {
	struct rn_run *r;
	struct rn_hostrec *hr;
	struct kiso_arena *a;
	struct kiso_value *facts;
	struct kiso_error err;
	int rc;
	pthread_t th;
};

static void *facts_main(void *arg)
{
	struct facts_job *j = arg;

	j->rc = rn_open_rec(j->r, j->hr, &j->err);
	if (j->rc == 0)
		j->rc = kiso_facts_gather(&j->facts, j->a, j->hr->conn, &j->err);
	return NULL;
}

int kiso_run_facts(struct kiso_value **out, struct kiso_arena *a, const char *pattern,
		   const struct kiso_run_opts *o)
{
	struct rn_run r;
	struct kiso_inv_hostlist hl = { 0 };
	struct kiso_error err = KISO_ERROR_INIT;
	struct facts_job *jobs;
	int rc = 0;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.a = kiso_arena_new();
	pthread_mutex_init(&r.out, NULL);
	init_recursive(&r.jmu);
	pthread_mutex_init(&r.tunnel_mu, NULL);
	r.vr = kiso_vars_run_new(o->inv, o->extra, NULL);
	init_hosts(&r);
	*out = NULL;
	if (kiso_inventory_match(&hl, r.a, o->inv, pattern, o->limit, &err) < 0) {
		kiso_error_print(stderr, &err);
		rc = 1;
		goto out;
	}
	jobs = kiso_xcalloc(hl.len + 1, sizeof(*jobs));
	for (size_t i = 0; i < hl.len; i++) {
		jobs[i].r = &r;
		jobs[i].hr = hostrec_get(&r, hl.items[i]->name, &jobs[i].err);
		jobs[i].a = kiso_arena_new();
	}
	for (size_t i = 0; i < r.nhosts; i++)
		prepare_conn(&r, r.hosts[i]);
	for (size_t i = 0; i < hl.len; i++)
		if (jobs[i].hr && pthread_create(&jobs[i].th, NULL, facts_main, &jobs[i]) != 0)
			KISO_BUG("cannot create a thread");
	for (size_t i = 0; i < hl.len; i++)
		if (jobs[i].hr)
			pthread_join(jobs[i].th, NULL);
	*out = kiso_map_new(a, KISO_POS_NONE);
	for (size_t i = 0; i < hl.len; i++) {
		struct kiso_value *m = kiso_map_new(a, KISO_POS_NONE);
		if (jobs[i].hr && jobs[i].rc == 0) {
			struct kiso_value *f = kiso_map_new(a, KISO_POS_NONE);
			for (size_t k = 0; k < jobs[i].facts->u.map.len; k++)
				kiso_map_set(a, f, kiso_arena_sprintf(a, "ansible_%s",
						jobs[i].facts->u.map.items[k].key->u.s.ptr),
					     kiso_value_copy(a, jobs[i].facts->u.map.items[k].val));
			kiso_map_set(a, m, "ansible_facts", f);
		} else {
			kiso_map_set(a, m, "unreachable", kiso_bool(a, true, KISO_POS_NONE));
			kiso_map_set(a, m, "msg", kiso_str(a, jobs[i].err.msg, KISO_POS_NONE));
			rc = 3;
		}
		kiso_map_set(a, *out, hl.items[i]->name, m);
		kiso_arena_free(jobs[i].a);
	}
	free(jobs);
out:
	free_hosts(&r);
	kiso_vars_run_free(r.vr);
	kiso_arena_free(r.a);
	pthread_mutex_destroy(&r.out);
	pthread_mutex_destroy(&r.jmu);
	pthread_mutex_destroy(&r.tunnel_mu);
	return rc;
}

int kiso_run_playbooks(struct kiso_playbook *const *pbs, size_t n, const struct kiso_run_opts *o)
{
	struct rn_run r;
	struct kiso_vars_opts vo = { 0 };
	const char *run_tags[64] = { NULL }, *skip_tags[64] = { NULL };
	int exit_rc = 0;
	bool any_failed = false, any_unreach = false;
	struct kiso_host_stats *st;
	size_t nst = 0;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.a = kiso_arena_new();
	pthread_mutex_init(&r.out, NULL);
	init_recursive(&r.jmu);
	pthread_mutex_init(&r.tunnel_mu, NULL);
	r.start_found = !o->start_at_task;

	vo.check_mode = o->check;
	vo.diff_mode = o->diff;
	vo.forks = o->forks ? o->forks : 5;
	vo.verbosity = o->verbosity;
	vo.playbook_dir = n ? pbs[0]->dir : NULL;
	vo.limit = o->limit;
	vo.inventory_sources = o->inventory_sources;
	for (size_t i = 0; o->only_tags && i < o->only_tags->u.list.len && i < 63; i++)
		run_tags[i] = o->only_tags->u.list.items[i]->u.s.ptr;
	for (size_t i = 0; o->skip_tags && i < o->skip_tags->u.list.len && i < 63; i++)
		skip_tags[i] = o->skip_tags->u.list.items[i]->u.s.ptr;
	vo.run_tags = run_tags;
	vo.skip_tags = skip_tags;
	r.vr = kiso_vars_run_new(o->inv, o->extra, &vo);
	init_hosts(&r);

	for (size_t i = 0; i < n && !r.stop; i++) {
		for (size_t k = 0; k < o->nreports; k++)
			if (o->reports[k].ops->playbook_start)
				o->reports[k].ops->playbook_start(o->reports[k].self, pbs[i]->path);
		for (size_t j = 0; j < pbs[i]->nplays && !r.stop; j++)
			run_play(&r, pbs[i]->plays[j]);
	}

	st = kiso_xcalloc(r.nhosts + 1, sizeof(*st));
	for (size_t i = 0, k = 0; i < r.nhosts; i++) {
		if (!r.hosts[i]->seen)
			continue;
		st[k] = r.hosts[i]->st;
		nst = ++k;
		if (st[k - 1].failed)
			any_failed = true;
		if (st[k - 1].unreachable)
			any_unreach = true;
	}
	for (size_t k = 0; k < o->nreports; k++)
		if (o->reports[k].ops->recap)
			o->reports[k].ops->recap(o->reports[k].self, st, nst);
	free(st);

	if (r.hard_error)
		exit_rc = 1;
	else if (any_failed || r.abort_failed)
		exit_rc = 2;
	else if (any_unreach)
		exit_rc = 3;

	free_hosts(&r);
	kiso_vars_run_free(r.vr);
	kiso_arena_free(r.a);
	pthread_mutex_destroy(&r.out);
	pthread_mutex_destroy(&r.jmu);
	pthread_mutex_destroy(&r.tunnel_mu);
	return exit_rc;
}
