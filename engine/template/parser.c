/*
 * template/parser.c - Jinja2's grammar, recursive descent.
 *
 * Mirrors jinja2/parser.py function by function (parse_tuple,
 * parse_condexpr, parse_or ... parse_primary, parse_postfix,
 * parse_filter_expr, parse_subscript, parse_call, parse_filter,
 * parse_test; parse_if, parse_for, parse_set, parse_macro ...), so that
 * precedence and corner cases follow Jinja2: '**' is left-associative,
 * a filter binds tighter than unary minus's operand ('-x|abs' is
 * abs(-x)), 'x is t arg' takes one primary argument.
 *
 * Unknown filters and tests are reported here, as Jinja2's compile step
 * does ("no filter named 'foo'").
 */
#include "kiso_common.h"
#include "template/internal.h"

#include <stdarg.h>

struct parser {
	struct tmpl *t;
	struct kiso_arena *a;
	struct token *tk;
	size_t n, i;
	int depth;
	bool failed;
	const char *blocks[64]; /* end tags of the open blocks, innermost last */
	int nblocks;
};

struct vec {
	struct node **v;
	size_t n, cap;
};

static void vpush(struct parser *p, struct vec *v, struct node *x)
{
	if (v->n == v->cap) {
		size_t ncap = v->cap ? v->cap * 2 : 4;

		v->v = kiso_arena_grow(p->a, v->v, v->cap * sizeof(*v->v), ncap * sizeof(*v->v));
		v->cap = ncap;
	}
	v->v[v->n++] = x;
}

struct svec {
	const char **v;
	size_t n, cap;
};

static void spush(struct parser *p, struct svec *v, const char *x)
{
	if (v->n == v->cap) {
		size_t ncap = v->cap ? v->cap * 2 : 4;

		v->v = kiso_arena_grow(p->a, v->v, v->cap * sizeof(*v->v), ncap * sizeof(*v->v));
		v->cap = ncap;
	}
	v->v[v->n++] = x;
}

static struct node *perr(struct parser *p, uint32_t off, const char *fmt, ...) KISO_PRINTF(3, 4);

static struct node *perr(struct parser *p, uint32_t off, const char *fmt, ...)
{
	if (!p->failed) {
		char msg[512];
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		p->failed = true;
		p->t->ecode = KISO_ESYNTAX;
		p->t->eoff = off;
		p->t->emsg = kiso_arena_strdup(p->a, msg);
	}
	return NULL;
}

static struct token *cur(struct parser *p)
{
	return &p->tk[p->i];
}

static struct token *look(struct parser *p)
{
	return &p->tk[p->i + 1 < p->n ? p->i + 1 : p->n - 1];
}

static struct token *next(struct parser *p)
{
	struct token *t = &p->tk[p->i];

	if (p->i + 1 < p->n)
		p->i++;
	return t;
}

static bool is_op(const struct token *t, enum op op)
{
	return t->type == TK_OP && t->op == op;
}

static bool is_name(const struct token *t, const char *name)
{
	return t->type == TK_NAME && strcmp(t->s, name) == 0;
}

static bool skip_op(struct parser *p, enum op op)
{
	if (is_op(cur(p), op)) {
		next(p);
		return true;
	}
	return false;
}

static bool skip_name(struct parser *p, const char *name)
{
	if (is_name(cur(p), name)) {
		next(p);
		return true;
	}
	return false;
}

/* jinja2 TokenStream.expect: "expected token 'X', got 'Y'". */
static struct token *expect_op(struct parser *p, enum op op)
{
	struct token *t = cur(p);

	if (is_op(t, op))
		return next(p);
	if (t->type == TK_EOF)
		perr(p, t->off, "unexpected end of template, expected '%s'", tmpl_op_str(op));
	else
		perr(p, t->off, "expected token '%s', got '%s'", tmpl_op_str(op), tmpl_tok_describe(t));
	return NULL;
}

static struct token *expect_type(struct parser *p, enum tok_type type)
{
	struct token *t = cur(p);

	if (t->type == type)
		return next(p);
	struct token want = { .type = type };

	if (t->type == TK_EOF)
		perr(p, t->off, "unexpected end of template, expected '%s'", tmpl_tok_describe(&want));
	else if (type == TK_NAME)
		perr(p, t->off, "expected token 'name', got '%s'", tmpl_tok_describe(t));
	else
		perr(p, t->off, "expected token '%s', got '%s'", tmpl_tok_describe(&want),
		     tmpl_tok_describe(t));
	return NULL;
}

static struct token *expect_name(struct parser *p, const char *name)
{
	struct token *t = cur(p);

	if (is_name(t, name))
		return next(p);
	if (t->type == TK_EOF)
		perr(p, t->off, "unexpected end of template, expected '%s'", name);
	else
		perr(p, t->off, "expected token '%s', got '%s'", name, tmpl_tok_describe(t));
	return NULL;
}

static struct node *mk(struct parser *p, enum node_kind kind, uint32_t off)
{
	struct node *n = kiso_arena_zalloc(p->a, sizeof(*n));

	n->kind = kind;
	n->off = off;
	return n;
}

static struct node *parse_expression(struct parser *p, bool with_condexpr);
static struct node *parse_unary(struct parser *p, bool with_filter);
static struct node *parse_primary(struct parser *p);
static struct node *parse_postfix(struct parser *p, struct node *node);
static struct node *parse_filter(struct parser *p, struct node *node, bool start_inline);

static bool enter(struct parser *p, uint32_t off)
{
	if (++p->depth > tmpl_limits.max_depth) {
		perr(p, off, "expression nested too deeply");
		return false;
	}
	return true;
}

/* ---- expressions ---- */

static bool is_tuple_end(struct parser *p, const char *extra)
{
	struct token *t = cur(p);

	if (t->type == TK_VAR_END || t->type == TK_BLOCK_END || t->type == TK_EOF ||
	    is_op(t, OP_RPAREN))
		return true;
	return extra && is_name(t, extra);
}

/*
 * parse_tuple: 'simplified' parses only primaries (assignment targets);
 * 'explicit' is for '(' ... ')'.
 */
static struct node *parse_tuple(struct parser *p, bool simplified, bool with_condexpr,
				const char *extra_end, bool explicit)
{
	uint32_t off = cur(p)->off;
	struct vec args = { 0 };
	bool is_tuple = false;

	for (;;) {
		if (args.n && !expect_op(p, OP_COMMA))
			return NULL;
		if (is_tuple_end(p, extra_end))
			break;
		struct node *e = simplified ? parse_primary(p) : parse_expression(p, with_condexpr);

		if (!e)
			return NULL;
		vpush(p, &args, e);
		if (is_op(cur(p), OP_COMMA))
			is_tuple = true;
		else
			break;
	}
	if (!is_tuple) {
		if (args.n)
			return args.v[0];
		if (!explicit)
			return perr(p, cur(p)->off, "expected an expression, got '%s'",
				    tmpl_tok_describe(cur(p)));
	}
	struct node *n = mk(p, N_TUPLE, off);

	n->list = args.v;
	n->n = args.n;
	return n;
}

static struct node *parse_or(struct parser *p);

static struct node *parse_condexpr(struct parser *p)
{
	struct node *e1 = parse_or(p);

	while (e1 && is_name(cur(p), "if")) {
		uint32_t off = next(p)->off;
		struct node *e2 = parse_or(p), *e3 = NULL;

		if (!e2)
			return NULL;
		if (skip_name(p, "else")) {
			e3 = parse_condexpr(p);
			if (!e3)
				return NULL;
		}
		struct node *n = mk(p, N_COND, off);

		n->a = e2;
		n->b = e1;
		n->c = e3;
		e1 = n;
	}
	return e1;
}

static struct node *parse_expression(struct parser *p, bool with_condexpr)
{
	if (!enter(p, cur(p)->off))
		return NULL;
	struct node *n = with_condexpr ? parse_condexpr(p) : parse_or(p);

	p->depth--;
	return n;
}

static struct node *parse_and(struct parser *p);
static struct node *parse_not(struct parser *p);
static struct node *parse_compare(struct parser *p);

static struct node *parse_or(struct parser *p)
{
	struct node *l = parse_and(p);

	while (l && is_name(cur(p), "or")) {
		uint32_t off = next(p)->off;
		struct node *r = parse_and(p);

		if (!r)
			return NULL;
		struct node *n = mk(p, N_OR, off);

		n->a = l;
		n->b = r;
		l = n;
	}
	return l;
}

static struct node *parse_and(struct parser *p)
{
	struct node *l = parse_not(p);

	while (l && is_name(cur(p), "and")) {
		uint32_t off = next(p)->off;
		struct node *r = parse_not(p);

		if (!r)
			return NULL;
		struct node *n = mk(p, N_AND, off);

		n->a = l;
		n->b = r;
		l = n;
	}
	return l;
}

static struct node *parse_not(struct parser *p)
{
	if (is_name(cur(p), "not")) {
		uint32_t off = next(p)->off;

		if (!enter(p, off))
			return NULL;
		struct node *a = parse_not(p);

		p->depth--;
		if (!a)
			return NULL;
		struct node *n = mk(p, N_UNARY, off);

		n->op = OP_NOT;
		n->a = a;
		return n;
	}
	return parse_compare(p);
}

static struct node *parse_math1(struct parser *p);

static struct node *parse_compare(struct parser *p)
{
	uint32_t off = cur(p)->off;
	struct node *e = parse_math1(p);
	struct vec rhs = { 0 };
	enum op *ops = NULL;
	size_t nops = 0, cap = 0;

	if (!e)
		return NULL;
	for (;;) {
		struct token *t = cur(p);
		enum op op = OP_NONE;

		if (t->type == TK_OP && t->op >= OP_EQ && t->op <= OP_GE) {
			op = t->op;
			next(p);
		} else if (is_name(t, "in")) {
			op = OP_IN;
			next(p);
		} else if (is_name(t, "not") && is_name(look(p), "in")) {
			op = OP_NOTIN;
			next(p);
			next(p);
		} else {
			break;
		}
		struct node *r = parse_math1(p);

		if (!r)
			return NULL;
		if (nops == cap) {
			size_t ncap = cap ? cap * 2 : 2;

			ops = kiso_arena_grow(p->a, ops, cap * sizeof(*ops), ncap * sizeof(*ops));
			cap = ncap;
		}
		ops[nops++] = op;
		vpush(p, &rhs, r);
	}
	if (!nops)
		return e;
	struct node *n = mk(p, N_COMPARE, off);

	n->a = e;
	n->ops = ops;
	n->list = rhs.v;
	n->n = rhs.n;
	return n;
}

static struct node *binop(struct parser *p, enum op op, uint32_t off, struct node *l,
			  struct node *r)
{
	struct node *n = mk(p, op == OP_TILDE ? N_CONCAT : N_BINOP, off);

	n->op = op;
	n->a = l;
	n->b = r;
	return n;
}

static struct node *parse_concat(struct parser *p);
static struct node *parse_math2(struct parser *p);
static struct node *parse_pow(struct parser *p);

static struct node *parse_math1(struct parser *p)
{
	struct node *l = parse_concat(p);

	while (l && (is_op(cur(p), OP_ADD) || is_op(cur(p), OP_SUB))) {
		struct token *t = next(p);
		struct node *r = parse_concat(p);

		if (!r)
			return NULL;
		l = binop(p, t->op, t->off, l, r);
	}
	return l;
}

static struct node *parse_concat(struct parser *p)
{
	struct node *l = parse_math2(p);

	while (l && is_op(cur(p), OP_TILDE)) {
		struct token *t = next(p);
		struct node *r = parse_math2(p);

		if (!r)
			return NULL;
		l = binop(p, OP_TILDE, t->off, l, r);
	}
	return l;
}

static struct node *parse_math2(struct parser *p)
{
	struct node *l = parse_pow(p);

	while (l && (is_op(cur(p), OP_MUL) || is_op(cur(p), OP_DIV) ||
		     is_op(cur(p), OP_FLOORDIV) || is_op(cur(p), OP_MOD))) {
		struct token *t = next(p);
		struct node *r = parse_pow(p);

		if (!r)
			return NULL;
		l = binop(p, t->op, t->off, l, r);
	}
	return l;
}

static struct node *parse_pow(struct parser *p)
{
	struct node *l = parse_unary(p, true);

	while (l && is_op(cur(p), OP_POW)) {
		struct token *t = next(p);
		struct node *r = parse_unary(p, true);

		if (!r)
			return NULL;
		l = binop(p, OP_POW, t->off, l, r);
	}
	return l;
}

static struct node *parse_filter_expr(struct parser *p, struct node *node);

static struct node *parse_unary(struct parser *p, bool with_filter)
{
	struct token *t = cur(p);
	struct node *node;

	if (!enter(p, t->off))
		return NULL;
	if (is_op(t, OP_SUB) || is_op(t, OP_ADD)) {
		next(p);
		struct node *a = parse_unary(p, false);

		if (!a) {
			p->depth--;
			return NULL;
		}
		node = mk(p, N_UNARY, t->off);
		node->op = t->op == OP_SUB ? OP_NEG : OP_POS;
		node->a = a;
	} else {
		node = parse_primary(p);
	}
	if (node)
		node = parse_postfix(p, node);
	if (node && with_filter)
		node = parse_filter_expr(p, node);
	p->depth--;
	return node;
}

static struct kiso_value *cval(struct parser *p, struct kiso_value *v)
{
	(void)p;
	return v;
}

static struct node *mk_const(struct parser *p, uint32_t off, struct kiso_value *v)
{
	struct node *n = mk(p, N_CONST, off);

	n->v = cval(p, v);
	return n;
}

static struct node *parse_list(struct parser *p, uint32_t off)
{
	struct vec items = { 0 };

	while (!is_op(cur(p), OP_RBRACKET)) {
		if (items.n && !expect_op(p, OP_COMMA))
			return NULL;
		if (is_op(cur(p), OP_RBRACKET))
			break;
		struct node *e = parse_expression(p, true);

		if (!e)
			return NULL;
		vpush(p, &items, e);
	}
	if (!expect_op(p, OP_RBRACKET))
		return NULL;
	struct node *n = mk(p, N_LIST, off);

	n->list = items.v;
	n->n = items.n;
	return n;
}

static struct node *parse_dict(struct parser *p, uint32_t off)
{
	struct vec keys = { 0 }, vals = { 0 };

	while (!is_op(cur(p), OP_RBRACE)) {
		if (keys.n && !expect_op(p, OP_COMMA))
			return NULL;
		if (is_op(cur(p), OP_RBRACE))
			break;
		struct node *k = parse_expression(p, true);

		if (!k || !expect_op(p, OP_COLON))
			return NULL;
		struct node *v = parse_expression(p, true);

		if (!v)
			return NULL;
		vpush(p, &keys, k);
		vpush(p, &vals, v);
	}
	if (!expect_op(p, OP_RBRACE))
		return NULL;
	struct node *n = mk(p, N_DICT, off);

	n->list = keys.v;
	n->n = keys.n;
	n->list2 = vals.v;
	n->n2 = vals.n;
	return n;
}

static struct node *parse_primary(struct parser *p)
{
	struct token *t = cur(p);
	struct kiso_arena *a = p->a;

	switch (t->type) {
	case TK_NAME:
		next(p);
		if (!strcmp(t->s, "true") || !strcmp(t->s, "True") || !strcmp(t->s, "false") ||
		    !strcmp(t->s, "False"))
			return mk_const(p, t->off, kiso_bool(a, t->s[0] == 't' || t->s[0] == 'T',
							     KISO_POS_NONE));
		if (!strcmp(t->s, "none") || !strcmp(t->s, "None"))
			return mk_const(p, t->off, kiso_null(a, KISO_POS_NONE));
		struct node *n = mk(p, N_NAME, t->off);

		n->s = t->s;
		return n;
	case TK_STRING: {
		struct kiso_buf b = KISO_BUF_INIT;
		uint32_t off = t->off;

		while (cur(p)->type == TK_STRING) {
			kiso_buf_add(&b, cur(p)->s, cur(p)->slen);
			next(p);
		}
		struct kiso_value *v = kiso_strn(a, b.ptr ? b.ptr : "", b.len, KISO_POS_NONE);

		kiso_buf_release(&b);
		return mk_const(p, off, v);
	}
	case TK_INT:
		next(p);
		return mk_const(p, t->off, kiso_int(a, t->i, KISO_POS_NONE));
	case TK_FLOAT:
		next(p);
		return mk_const(p, t->off, kiso_float(a, t->f, KISO_POS_NONE));
	case TK_OP:
		if (t->op == OP_LPAREN) {
			next(p);
			struct node *n2 = parse_tuple(p, false, true, NULL, true);

			if (!n2 || !expect_op(p, OP_RPAREN))
				return NULL;
			return n2;
		}
		if (t->op == OP_LBRACKET) {
			next(p);
			return parse_list(p, t->off);
		}
		if (t->op == OP_LBRACE) {
			next(p);
			return parse_dict(p, t->off);
		}
		break;
	default:
		break;
	}
	if (t->type == TK_EOF)
		return perr(p, t->off, "unexpected end of template");
	return perr(p, t->off, "unexpected '%s'", tmpl_tok_describe(t));
}

/* Arguments of a call: '(' already current. */
static bool parse_call_args(struct parser *p, struct node *n)
{
	struct vec args = { 0 }, kwv = { 0 };
	struct svec kwn = { 0 };
	bool need_comma = false;

	if (!expect_op(p, OP_LPAREN))
		return false;
	while (!is_op(cur(p), OP_RPAREN)) {
		if (need_comma) {
			if (!expect_op(p, OP_COMMA))
				return false;
			if (is_op(cur(p), OP_RPAREN))
				break;
		}
		if (is_op(cur(p), OP_MUL) || is_op(cur(p), OP_POW)) {
			perr(p, cur(p)->off, "'*args' and '**kwargs' calls are not supported");
			return false;
		}
		if (cur(p)->type == TK_NAME && is_op(look(p), OP_ASSIGN)) {
			const char *key = next(p)->s;

			next(p);
			struct node *v = parse_expression(p, true);

			if (!v)
				return false;
			spush(p, &kwn, key);
			vpush(p, &kwv, v);
		} else {
			if (kwv.n) {
				perr(p, cur(p)->off, "invalid syntax for function call expression");
				return false;
			}
			struct node *v = parse_expression(p, true);

			if (!v)
				return false;
			vpush(p, &args, v);
		}
		need_comma = true;
	}
	if (!expect_op(p, OP_RPAREN))
		return false;
	n->list = args.v;
	n->n = args.n;
	n->list2 = kwv.v;
	n->n2 = kwv.n;
	n->names = kwn.v;
	n->nnames = kwn.n;
	return true;
}

static struct node *parse_call(struct parser *p, struct node *node)
{
	struct node *n = mk(p, N_CALL, cur(p)->off);

	n->a = node;
	if (!parse_call_args(p, n))
		return NULL;
	return n;
}

static struct node *parse_subscribed(struct parser *p)
{
	uint32_t off = cur(p)->off;
	struct node *args[3] = { NULL, NULL, NULL };

	if (is_op(cur(p), OP_COLON)) {
		next(p);
	} else {
		struct node *e = parse_expression(p, true);

		if (!e)
			return NULL;
		if (!is_op(cur(p), OP_COLON))
			return e;
		next(p);
		args[0] = e;
	}
	if (!is_op(cur(p), OP_COLON) && !is_op(cur(p), OP_RBRACKET) && !is_op(cur(p), OP_COMMA)) {
		if (!(args[1] = parse_expression(p, true)))
			return NULL;
	}
	if (is_op(cur(p), OP_COLON)) {
		next(p);
		if (!is_op(cur(p), OP_RBRACKET) && !is_op(cur(p), OP_COMMA)) {
			if (!(args[2] = parse_expression(p, true)))
				return NULL;
		}
	}
	struct node *n = mk(p, N_SLICE, off);

	n->b = args[0];
	n->c = args[1];
	n->d = args[2];
	return n;
}

static struct node *parse_subscript(struct parser *p, struct node *node)
{
	struct token *t = next(p);

	if (t->op == OP_DOT) {
		struct token *at = next(p);

		if (at->type == TK_NAME) {
			struct node *n = mk(p, N_GETATTR, at->off);

			n->a = node;
			n->s = at->s;
			return n;
		}
		if (at->type == TK_INT) {
			struct node *n = mk(p, N_GETITEM, at->off);

			n->a = node;
			n->b = mk_const(p, at->off, kiso_int(p->a, at->i, KISO_POS_NONE));
			return n;
		}
		if (at->type == TK_EOF)
			return perr(p, at->off, "unexpected end of template, expected name or number");
		return perr(p, at->off, "expected name or number");
	}
	/* '[' */
	struct vec args = { 0 };

	while (!is_op(cur(p), OP_RBRACKET)) {
		if (args.n && !expect_op(p, OP_COMMA))
			return NULL;
		struct node *e = parse_subscribed(p);

		if (!e)
			return NULL;
		vpush(p, &args, e);
	}
	if (!expect_op(p, OP_RBRACKET))
		return NULL;
	if (args.n == 0)
		return perr(p, t->off, "expected an expression, got ']'");
	struct node *arg;

	if (args.n == 1) {
		arg = args.v[0];
	} else {
		for (size_t i = 0; i < args.n; i++)
			if (args.v[i]->kind == N_SLICE)
				return perr(p, args.v[i]->off, "slices in a tuple subscript are not supported");
		arg = mk(p, N_TUPLE, t->off);
		arg->list = args.v;
		arg->n = args.n;
	}
	if (arg->kind == N_SLICE) {
		arg->a = node;
		return arg;
	}
	struct node *n = mk(p, N_GETITEM, t->off);

	n->a = node;
	n->b = arg;
	return n;
}

static struct node *parse_postfix(struct parser *p, struct node *node)
{
	while (node) {
		struct token *t = cur(p);

		if (is_op(t, OP_DOT) || is_op(t, OP_LBRACKET))
			node = parse_subscript(p, node);
		else if (is_op(t, OP_LPAREN))
			node = parse_call(p, node);
		else
			break;
	}
	return node;
}

/* A dotted name after '|' or 'is' ('ansible.builtin.to_json'). */
static const char *dotted_name(struct parser *p, uint32_t *off)
{
	struct token *t = expect_type(p, TK_NAME);

	if (!t)
		return NULL;
	*off = t->off;
	const char *name = t->s;

	while (is_op(cur(p), OP_DOT) && look(p)->type == TK_NAME) {
		next(p);
		name = kiso_arena_sprintf(p->a, "%s.%s", name, next(p)->s);
	}
	return name;
}

static struct node *parse_filter(struct parser *p, struct node *node, bool start_inline)
{
	while (is_op(cur(p), OP_PIPE) || start_inline) {
		if (!start_inline)
			next(p);
		start_inline = false;
		uint32_t off;
		const char *name = dotted_name(p, &off);

		if (!name)
			return NULL;
		const struct kiso_tmpl_filter *f = kiso_tmpl_filter_find(name);

		if (!f)
			return perr(p, off, "no filter named '%s'", name);
		struct node *n = mk(p, N_FILTER, off);

		n->a = node;
		n->s = name;
		n->filter = f;
		if (is_op(cur(p), OP_LPAREN) && !parse_call_args(p, n))
			return NULL;
		node = n;
	}
	return node;
}

static struct node *parse_test(struct parser *p, struct node *node)
{
	next(p); /* 'is' */
	bool negated = skip_name(p, "not");
	uint32_t off;
	const char *name = dotted_name(p, &off);

	if (!name)
		return NULL;
	const struct kiso_tmpl_test *tt = kiso_tmpl_test_find(name);

	if (!tt)
		return perr(p, off, "no test named '%s'", name);
	struct node *n = mk(p, N_TEST, off);

	n->a = node;
	n->s = name;
	n->test = tt;
	n->op = negated ? OP_NOT : OP_NONE;
	struct token *t = cur(p);

	if (is_op(t, OP_LPAREN)) {
		if (!parse_call_args(p, n))
			return NULL;
	} else if ((t->type == TK_NAME || t->type == TK_STRING || t->type == TK_INT ||
		    t->type == TK_FLOAT || is_op(t, OP_LPAREN) || is_op(t, OP_LBRACKET) ||
		    is_op(t, OP_LBRACE)) &&
		   !is_name(t, "else") && !is_name(t, "or") && !is_name(t, "and")) {
		if (is_name(t, "is"))
			return perr(p, t->off, "you cannot chain multiple tests with is");
		struct node *arg = parse_primary(p);

		if (arg)
			arg = parse_postfix(p, arg);
		if (!arg)
			return NULL;
		n->list = kiso_arena_alloc(p->a, sizeof(*n->list));
		n->list[0] = arg;
		n->n = 1;
	}
	return n;
}

static struct node *parse_filter_expr(struct parser *p, struct node *node)
{
	while (node) {
		struct token *t = cur(p);

		if (is_op(t, OP_PIPE))
			node = parse_filter(p, node, false);
		else if (is_name(t, "is"))
			node = parse_test(p, node);
		else if (is_op(t, OP_LPAREN))
			node = parse_call(p, node);
		else
			break;
	}
	return node;
}

/* ---- statements ---- */

static bool parse_body(struct parser *p, struct vec *body, const char *const *end_tags);

static const char *const kw_all_ends[] = { "endif", "endfor", "endset", "endmacro", "endfilter",
					   "endwith", "elif", "else", "endraw", "endcall",
					   "endblock", NULL };

static bool in_list(const char *s, const char *const *list)
{
	for (; list && *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

static void end_tags_text(char *buf, size_t size, const char *const *tags)
{
	size_t k = 0;

	buf[0] = 0;
	for (; tags && *tags; tags++)
		k += (size_t)snprintf(buf + k, k < size ? size - k : 0, "%s'%s'",
				      k ? " or " : "", *tags);
}

/*
 * parse_statements: block end, then the body until one of end_tags (the
 * tag name is left current, or skipped with 'drop').
 */
static bool parse_statements(struct parser *p, struct vec *body, const char *const *end_tags,
			     bool drop)
{
	skip_op(p, OP_COLON);
	if (!expect_type(p, TK_BLOCK_END))
		return false;
	if (!parse_body(p, body, end_tags))
		return false;
	if (cur(p)->type == TK_EOF) {
		char tags[256];

		end_tags_text(tags, sizeof(tags), end_tags);
		perr(p, cur(p)->off, "unexpected end of template, expected %s", tags);
		return false;
	}
	if (drop)
		next(p);
	return true;
}

static bool valid_target(struct parser *p, struct node *t, struct svec *names)
{
	if (t->kind == N_NAME) {
		if (!strcmp(t->s, "true") || !strcmp(t->s, "false") || !strcmp(t->s, "none") ||
		    !strcmp(t->s, "True") || !strcmp(t->s, "False") || !strcmp(t->s, "None")) {
			perr(p, t->off, "can't assign to 'const'");
			return false;
		}
		spush(p, names, t->s);
		return true;
	}
	if (t->kind == N_TUPLE) {
		for (size_t i = 0; i < t->n; i++) {
			if (t->list[i]->kind != N_NAME) {
				perr(p, t->list[i]->off, "can't assign to '%s'",
				     t->list[i]->kind == N_CONST ? "const" : "expression");
				return false;
			}
			spush(p, names, t->list[i]->s);
		}
		return true;
	}
	perr(p, t->off, "can't assign to '%s'",
	     t->kind == N_CONST ? "const" : t->kind == N_LIST ? "list" : "expression");
	return false;
}

static struct node *parse_if(struct parser *p, uint32_t off)
{
	static const char *const ends[] = { "elif", "else", "endif", NULL };
	static const char *const endif[] = { "endif", NULL };
	struct node *root = mk(p, S_IF, off), *node = root;

	for (;;) {
		struct vec body = { 0 };

		node->a = parse_tuple(p, false, false, NULL, false);
		if (!node->a || !parse_statements(p, &body, ends, false))
			return NULL;
		node->list = body.v;
		node->n = body.n;
		struct token *t = next(p);

		if (is_name(t, "elif")) {
			struct node *n = mk(p, S_IF, t->off);

			node->list2 = kiso_arena_alloc(p->a, sizeof(*node->list2));
			node->list2[0] = n;
			node->n2 = 1;
			node = n;
			continue;
		}
		if (is_name(t, "else")) {
			struct vec eb = { 0 };

			if (!parse_statements(p, &eb, endif, true))
				return NULL;
			node->list2 = eb.v;
			node->n2 = eb.n;
		}
		break;
	}
	return root;
}

static struct node *parse_for(struct parser *p, uint32_t off)
{
	static const char *const ends[] = { "endfor", "else", NULL };
	static const char *const endfor[] = { "endfor", NULL };
	struct node *n = mk(p, S_FOR, off);
	struct svec names = { 0 };
	struct node *target = parse_tuple(p, true, true, "in", false);

	if (!target || !valid_target(p, target, &names))
		return NULL;
	n->names = names.v;
	n->nnames = names.n;
	n->flag = target->kind == N_TUPLE;
	if (!expect_name(p, "in"))
		return NULL;
	if (!(n->a = parse_tuple(p, false, false, "recursive", false)))
		return NULL;
	if (skip_name(p, "if") && !(n->b = parse_expression(p, true)))
		return NULL;
	if (skip_name(p, "recursive"))
		n->recursive = true;
	struct vec body = { 0 };

	if (!parse_statements(p, &body, ends, false))
		return NULL;
	n->list = body.v;
	n->n = body.n;
	if (is_name(next(p), "else")) {
		struct vec eb = { 0 };

		if (!parse_statements(p, &eb, endfor, true))
			return NULL;
		n->list2 = eb.v;
		n->n2 = eb.n;
	}
	return n;
}

static struct node *parse_set(struct parser *p, uint32_t off)
{
	static const char *const endset[] = { "endset", NULL };
	struct token *t = cur(p);

	/* namespace attribute: {% set ns.x = ... %} */
	if (t->type == TK_NAME && is_op(look(p), OP_DOT)) {
		struct node *n = mk(p, S_SET, off);
		struct node *ns = mk(p, N_NAME, t->off);

		ns->s = next(p)->s;
		next(p);
		struct token *at = expect_type(p, TK_NAME);

		if (!at || !expect_op(p, OP_ASSIGN))
			return NULL;
		n->c = ns;
		n->s = at->s;
		if (!(n->a = parse_tuple(p, false, true, NULL, false)))
			return NULL;
		return n;
	}
	struct svec names = { 0 };
	struct node *target = parse_tuple(p, true, true, NULL, false);

	if (!target || !valid_target(p, target, &names))
		return NULL;
	if (skip_op(p, OP_ASSIGN)) {
		struct node *n = mk(p, S_SET, off);

		n->names = names.v;
		n->nnames = names.n;
		n->flag = target->kind == N_TUPLE;
		if (!(n->a = parse_tuple(p, false, true, NULL, false)))
			return NULL;
		return n;
	}
	if (names.n != 1 || target->kind != N_NAME)
		return perr(p, cur(p)->off, "expected token '=', got '%s'", tmpl_tok_describe(cur(p)));
	struct node *n = mk(p, S_SETBLOCK, off);

	n->names = names.v;
	n->nnames = 1;
	if (is_op(cur(p), OP_PIPE)) {
		n->b = parse_filter(p, NULL, false);
		if (!n->b)
			return NULL;
	}
	struct vec body = { 0 };

	if (!parse_statements(p, &body, endset, true))
		return NULL;
	n->list = body.v;
	n->n = body.n;
	return n;
}

/* A macro's parameters: '(' a, b=default ... ')'. */
static bool parse_signature(struct parser *p, struct node *n)
{
	struct svec params = { 0 };
	struct vec defs = { 0 };

	if (!expect_op(p, OP_LPAREN))
		return false;
	while (!is_op(cur(p), OP_RPAREN)) {
		if (params.n && !expect_op(p, OP_COMMA))
			return false;
		struct token *a = expect_type(p, TK_NAME);

		if (!a)
			return false;
		spush(p, &params, a->s);
		if (skip_op(p, OP_ASSIGN)) {
			struct node *d = parse_expression(p, true);

			if (!d)
				return false;
			vpush(p, &defs, d);
		} else if (defs.n && defs.v[defs.n - 1]) {
			perr(p, a->off, "non-default argument follows default argument");
			return false;
		} else {
			vpush(p, &defs, NULL);
		}
	}
	next(p);
	n->names = params.v;
	n->nnames = params.n;
	n->list2 = defs.v;
	n->n2 = defs.n;
	return true;
}

static struct node *parse_macro(struct parser *p, uint32_t off)
{
	static const char *const endmacro[] = { "endmacro", NULL };
	struct token *nt = expect_type(p, TK_NAME);
	struct node *n = mk(p, S_MACRO, off);

	if (!nt || !parse_signature(p, n))
		return NULL;
	n->s = nt->s;
	struct vec body = { 0 };

	if (!parse_statements(p, &body, endmacro, true))
		return NULL;
	n->list = body.v;
	n->n = body.n;
	return n;
}

/* {% call(args) macro(...) %} body {% endcall %}: the body is the macro's caller(). */
static struct node *parse_call_block(struct parser *p, uint32_t off)
{
	static const char *const endcall[] = { "endcall", NULL };
	struct node *n = mk(p, S_CALLBLOCK, off);

	n->s = "caller";
	if (is_op(cur(p), OP_LPAREN) && !parse_signature(p, n))
		return NULL;
	uint32_t eoff = cur(p)->off;
	struct node *e = parse_expression(p, true);

	if (!e)
		return NULL;
	if (e->kind != N_CALL)
		return perr(p, eoff, "expected call");
	n->a = e;
	struct vec body = { 0 };

	if (!parse_statements(p, &body, endcall, true))
		return NULL;
	n->list = body.v;
	n->n = body.n;
	return n;
}

static struct node *parse_include(struct parser *p, uint32_t off)
{
	struct node *n = mk(p, S_INCLUDE, off);

	if (!(n->a = parse_expression(p, true)))
		return NULL;
	if (is_name(cur(p), "ignore") && is_name(look(p), "missing")) {
		next(p);
		next(p);
		n->flag = true;
	}
	if ((is_name(cur(p), "with") || is_name(cur(p), "without")) &&
	    is_name(look(p), "context")) {
		next(p);
		next(p);
	}
	return n;
}

static void skip_context(struct parser *p, struct node *n)
{
	if ((is_name(cur(p), "with") || is_name(cur(p), "without")) &&
	    is_name(look(p), "context")) {
		n->flag = is_name(cur(p), "with");
		next(p);
		next(p);
	}
}

/* {% block name [scoped] [required] %} body {% endblock [name] %} */
static struct node *parse_block(struct parser *p, uint32_t off)
{
	static const char *const ends[] = { "endblock", NULL };
	struct node *n = mk(p, S_BLOCK, off);
	struct token *t = expect_type(p, TK_NAME);

	if (!t)
		return NULL;
	n->s = t->s;
	for (size_t i = 0; i < p->t->nblocks; i++)
		if (!strcmp(p->t->blocks[i]->s, n->s))
			return perr(p, off, "block '%s' defined twice", n->s);
	p->t->blocks = kiso_arena_grow(p->a, p->t->blocks, p->t->nblocks * sizeof(*p->t->blocks),
				       (p->t->nblocks + 1) * sizeof(*p->t->blocks));
	p->t->blocks[p->t->nblocks++] = n;
	if (skip_name(p, "scoped"))
		n->flag = true;
	if (skip_name(p, "required"))
		n->required = true;
	struct vec body = { 0 };

	if (!parse_statements(p, &body, ends, true))
		return NULL;
	for (size_t i = 0; n->required && i < body.n; i++) {
		const struct node *x = body.v[i];
		bool blank = x->kind == S_DATA;

		for (size_t k = 0; blank && k < x->slen; k++)
			blank = strchr(" \t\r\n\f\v", x->s[k]) != NULL;
		if (!blank)
			return perr(p, off, "required blocks can only contain comments or whitespace");
	}
	n->list = body.v;
	n->n = body.n;
	if (cur(p)->type == TK_NAME && !strcmp(cur(p)->s, n->s))
		next(p);
	return n;
}

static struct node *parse_extends(struct parser *p, uint32_t off)
{
	struct node *n = mk(p, S_EXTENDS, off);

	if (!(n->a = parse_expression(p, true)))
		return NULL;
	return n;
}

/* {% import expr as name [with|without context] %} */
static struct node *parse_import(struct parser *p, uint32_t off)
{
	struct node *n = mk(p, S_IMPORT, off);

	if (!(n->a = parse_expression(p, true)) || !expect_name(p, "as"))
		return NULL;
	struct token *t = expect_type(p, TK_NAME);

	if (!t)
		return NULL;
	n->s = t->s;
	skip_context(p, n);
	return n;
}

/* {% from expr import a, b as c [with|without context] %} */
static struct node *parse_from(struct parser *p, uint32_t off)
{
	struct node *n = mk(p, S_FROMIMPORT, off);
	struct svec names = { 0 };

	if (!(n->a = parse_expression(p, true)) || !expect_name(p, "import"))
		return NULL;
	for (;;) {
		if (names.n) {
			if (!expect_op(p, OP_COMMA))
				return NULL;
		}
		if ((is_name(cur(p), "with") || is_name(cur(p), "without")) &&
		    is_name(look(p), "context")) {
			if (!names.n)
				return perr(p, cur(p)->off, "expected token 'name', got '%s'",
					    tmpl_tok_describe(cur(p)));
			skip_context(p, n);
			break;
		}
		if (names.n && cur(p)->type == TK_BLOCK_END)
			break;
		struct token *t = cur(p);

		if (t->type != TK_NAME)
			return perr(p, t->off, "expected token 'name', got '%s'",
				    tmpl_tok_describe(t));
		if (t->s[0] == '_')
			return perr(p, t->off, "names starting with an underline can not be imported");
		next(p);
		spush(p, &names, t->s);
		if (skip_name(p, "as")) {
			struct token *al = expect_type(p, TK_NAME);

			if (!al)
				return NULL;
			spush(p, &names, al->s);
		} else {
			spush(p, &names, t->s);
		}
		if (!is_op(cur(p), OP_COMMA)) {
			skip_context(p, n);
			break;
		}
	}
	n->names = names.v;
	n->nnames = names.n;
	return n;
}

static struct node *parse_filter_block(struct parser *p, uint32_t off)
{
	static const char *const ends[] = { "endfilter", NULL };
	struct node *n = mk(p, S_FILTERBLOCK, off);

	if (!(n->b = parse_filter(p, NULL, true)))
		return NULL;
	struct vec body = { 0 };

	if (!parse_statements(p, &body, ends, true))
		return NULL;
	n->list = body.v;
	n->n = body.n;
	return n;
}

static struct node *parse_with(struct parser *p, uint32_t off)
{
	static const char *const ends[] = { "endwith", NULL };
	struct node *n = mk(p, S_WITH, off);
	struct svec names = { 0 };
	struct vec vals = { 0 };

	while (cur(p)->type != TK_BLOCK_END) {
		if (names.n && !expect_op(p, OP_COMMA))
			return NULL;
		struct token *t = expect_type(p, TK_NAME);

		if (!t || !expect_op(p, OP_ASSIGN))
			return NULL;
		struct node *v = parse_expression(p, true);

		if (!v)
			return NULL;
		spush(p, &names, t->s);
		vpush(p, &vals, v);
	}
	n->names = names.v;
	n->nnames = names.n;
	n->list2 = vals.v;
	n->n2 = vals.n;
	struct vec body = { 0 };

	if (!parse_statements(p, &body, ends, true))
		return NULL;
	n->list = body.v;
	n->n = body.n;
	return n;
}

static struct node *parse_statement(struct parser *p, const char *const *end_tags)
{
	struct token *t = cur(p);

	if (t->type != TK_NAME) {
		if (t->type == TK_EOF)
			return perr(p, t->off, "unexpected end of template, expected a tag name");
		return perr(p, t->off, "tag name expected");
	}
	if (!enter(p, t->off))
		return NULL;
	next(p);
	struct node *n = NULL;
	const char *s = t->s;

	if (!strcmp(s, "if"))
		n = parse_if(p, t->off);
	else if (!strcmp(s, "for"))
		n = parse_for(p, t->off);
	else if (!strcmp(s, "set"))
		n = parse_set(p, t->off);
	else if (!strcmp(s, "macro"))
		n = parse_macro(p, t->off);
	else if (!strcmp(s, "include"))
		n = parse_include(p, t->off);
	else if (!strcmp(s, "filter"))
		n = parse_filter_block(p, t->off);
	else if (!strcmp(s, "with"))
		n = parse_with(p, t->off);
	else if (!strcmp(s, "call"))
		n = parse_call_block(p, t->off);
	else if (!strcmp(s, "block"))
		n = parse_block(p, t->off);
	else if (!strcmp(s, "extends"))
		n = parse_extends(p, t->off);
	else if (!strcmp(s, "import"))
		n = parse_import(p, t->off);
	else if (!strcmp(s, "from"))
		n = parse_from(p, t->off);
	else if (end_tags && end_tags[0]) {
		char tags[256];

		end_tags_text(tags, sizeof(tags), end_tags);
		n = perr(p, t->off, "encountered unknown tag '%s', expected %s", s, tags);
	} else if (in_list(s, kw_all_ends)) {
		n = perr(p, t->off, "encountered unknown tag '%s'", s);
	} else {
		n = perr(p, t->off, "encountered unknown tag '%s'", s);
	}
	p->depth--;
	return n;
}

static bool parse_body(struct parser *p, struct vec *body, const char *const *end_tags)
{
	for (;;) {
		struct token *t = cur(p);

		switch (t->type) {
		case TK_EOF:
			return true;
		case TK_DATA: {
			struct node *n = mk(p, S_DATA, t->off);

			n->s = t->s;
			n->slen = t->slen;
			vpush(p, body, n);
			next(p);
			break;
		}
		case TK_VAR_BEGIN: {
			next(p);
			struct node *n = mk(p, S_OUTPUT, cur(p)->off);

			if (!(n->a = parse_tuple(p, false, true, NULL, false)))
				return false;
			if (!expect_type(p, TK_VAR_END))
				return false;
			vpush(p, body, n);
			break;
		}
		case TK_BLOCK_BEGIN: {
			next(p);
			if (end_tags && cur(p)->type == TK_NAME && in_list(cur(p)->s, end_tags))
				return true;
			struct node *n = parse_statement(p, end_tags);

			if (!n)
				return false;
			vpush(p, body, n);
			if (!expect_type(p, TK_BLOCK_END))
				return false;
			break;
		}
		default:
			perr(p, t->off, "unexpected '%s'", tmpl_tok_describe(t));
			return false;
		}
	}
}

int tmpl_parse(struct tmpl *t, struct tokens *toks)
{
	struct parser p = { .t = t, .a = t->arena, .tk = toks->v, .n = toks->n };

	if (t->flags & LEX_EXPR) {
		struct node *e = parse_tuple(&p, false, true, NULL, false);

		if (e && cur(&p)->type != TK_EOF)
			perr(&p, cur(&p)->off, "unexpected '%s'", tmpl_tok_describe(cur(&p)));
		t->expr = e;
	} else {
		struct vec body = { 0 };

		if (parse_body(&p, &body, NULL)) {
			t->body = body.v;
			t->nbody = body.n;
		}
	}
	return p.failed ? t->ecode : 0;
}
