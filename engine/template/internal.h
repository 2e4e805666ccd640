/*
 * template/internal.h - what the pieces of the Jinja2 engine share:
 * tokens (lexer.c), the syntax tree (parser.c), compiled templates and
 * their cache (cache.c), the evaluator's values and scopes (eval.c,
 * render.c), Python methods (methods.c), globals and lookups
 * (globals.c) and Python literals (literal.c).
 *
 * Not a public header: only the engine/template sources and the template unit
 * tests and fuzz target include it.
 *
 * Positions: the syntax tree stores byte offsets into the template's
 * source; line:col is computed only when an error is reported, from the
 * position the caller gave for the start of the source (so one compiled
 * template serves every place the same text appears).
 */
#ifndef KISO_TEMPLATE_INTERNAL_H
#define KISO_TEMPLATE_INTERNAL_H

#include "kiso_common.h"
#include "arena.h"
#include "buf.h"
#include "error.h"
#include "value.h"
#include "template.h"
#include "template/builtins.h"

/* ---- limits (settable by tests and the fuzz target) ---- */

struct tmpl_limits {
	size_t max_items;      /* items of one list built by range(), '*', ... */
	size_t max_str;        /* bytes of one string built by '*', '~', output */
	size_t max_steps;      /* loop iterations + macro calls in one render */
	int max_depth;         /* parser nesting and macro/include recursion */
};

extern struct tmpl_limits tmpl_limits;

/* ---- tokens ---- */

enum tok_type {
	TK_EOF,
	TK_DATA,        /* template text; s/slen already processed */
	TK_VAR_BEGIN,
	TK_VAR_END,
	TK_BLOCK_BEGIN,
	TK_BLOCK_END,
	TK_NAME,
	TK_STRING,
	TK_INT,
	TK_FLOAT,
	TK_OP,
};

enum op {
	OP_NONE,
	OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_FLOORDIV, OP_MOD, OP_POW, OP_TILDE,
	OP_LPAREN, OP_RPAREN, OP_LBRACKET, OP_RBRACKET, OP_LBRACE, OP_RBRACE,
	OP_COMMA, OP_DOT, OP_COLON, OP_PIPE, OP_ASSIGN, OP_SEMICOLON,
	OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
	/* not lexer operators: used by the tree */
	OP_IN, OP_NOTIN, OP_NOT, OP_NEG, OP_POS,
};

struct token {
	enum tok_type type;
	enum op op;
	uint32_t off;           /* byte offset of the token in the source */
	uint32_t end;           /* offset just past the token */
	const char *s;          /* NAME, STRING, DATA: arena string */
	size_t slen;
	int64_t i;
	double f;
	bool big;               /* INT too large for int64 (kept as float) */
};

struct tokens {
	struct token *v;
	size_t n, cap;
};

/* Lexer options. */
#define LEX_EXPR 0x01           /* the source is a bare expression */
#define LEX_ESCAPE_BS 0x02      /* Ansible's _escape_backslashes: '\' literal in {{ }} strings */
/* set by a '#jinja2: trim_blocks: False, ...' first line (not cache keys) */
#define LEX_NO_TRIM 0x100       /* trim_blocks off */
#define LEX_LSTRIP 0x200        /* lstrip_blocks on */
#define LEX_KEEP_NL 0x400       /* keep_trailing_newline on */

/*
 * Tokenises src into toks (arena a). On a syntax error returns
 * KISO_ESYNTAX with *eoff/emsg set (emsg: arena string).
 */
int tmpl_lex(struct tokens *toks, struct kiso_arena *a, const char *src, size_t len,
	     unsigned flags, uint32_t *eoff, const char **emsg);

/* Jinja2's description of a token for messages: "'x'" style text without quotes. */
const char *tmpl_tok_describe(const struct token *t);
const char *tmpl_op_str(enum op op);

/* ---- syntax tree ---- */

enum node_kind {
	/* expressions */
	N_CONST,        /* v: constant value (in the template's arena) */
	N_NAME,         /* s: variable name */
	N_GETATTR,      /* a.s */
	N_GETITEM,      /* a[b] */
	N_SLICE,        /* a[b:c:d] (any may be NULL) */
	N_BINOP,        /* a op b */
	N_UNARY,        /* op a */
	N_AND, N_OR,    /* a and b, a or b */
	N_COMPARE,      /* a ops[0] list[0] ops[1] list[1] ... */
	N_COND,         /* b if a else c (c may be NULL) */
	N_FILTER,       /* a | filter(list..., kw...) ; a NULL in {% filter %} */
	N_TEST,         /* a is [not] test(list...) ; op == OP_NOT when negated */
	N_CALL,         /* a(list..., kw...) */
	N_LIST, N_TUPLE,/* list */
	N_DICT,         /* list: keys, list2: values */
	N_CONCAT,       /* a ~ b */
	/* statements */
	S_DATA,         /* s/slen text */
	S_OUTPUT,       /* {{ a }} */
	S_IF,           /* if a: list else list2 */
	S_FOR,          /* for names in a [if b]: list else list2 */
	S_SET,          /* set names = a, or ns.attr = a (c: namespace expr, s attr) */
	S_SETBLOCK,     /* set names[0] (filters in b, input a NULL) : list */
	S_MACRO,        /* macro s(names=list2 defaults): list */
	S_INCLUDE,      /* include a; op 1: ignore missing */
	S_FILTERBLOCK,  /* filter b: list */
	S_WITH,         /* with names = list2 values: list */
	S_CALLBLOCK,    /* call(names=list2 defaults) a: list (the body is 'caller') */
	S_BLOCK,        /* block s: list; flag: scoped */
	S_EXTENDS,      /* extends a */
	S_IMPORT,       /* import a as s; flag: with context */
	S_FROMIMPORT,   /* from a import names[2k] as names[2k+1]; flag: with context */
};

struct node {
	enum node_kind kind;
	enum op op;
	uint32_t off;
	bool flag;              /* N_TEST: has parens; S_FOR/N_NAME ... misc */
	bool recursive;         /* S_FOR: a recursive loop */
	bool required;          /* S_BLOCK: must be overridden */
	struct node *a, *b, *c, *d;
	struct node **list;     /* args, items, body */
	size_t n;
	struct node **list2;    /* kwargs values, dict values, else body */
	size_t n2;
	const char **names;     /* kwarg names, assignment targets, params */
	size_t nnames;
	enum op *ops;           /* N_COMPARE */
	const char *s;          /* name, attribute, data */
	size_t slen;
	struct kiso_value *v;   /* N_CONST */
	const struct kiso_tmpl_filter *filter;
	const struct kiso_tmpl_test *test;
};

/* A compiled template: immutable once in the cache. */
struct tmpl {
	struct tmpl *next;      /* hash chain */
	uint64_t hash;
	unsigned flags;         /* LEX_* */
	char *src;              /* the source, newlines normalised */
	size_t len;
	const char *orig;       /* the source as given (cache key) */
	size_t origlen;
	struct kiso_arena *arena;
	struct node **body;     /* statements (or NULL for an expression) */
	size_t nbody;
	struct node *expr;      /* LEX_EXPR: the expression */
	int trailing_nl;        /* newlines at the end of the source */
	/* syntax error, if any */
	int ecode;
	uint32_t eoff;
	const char *emsg;
	const char *file;       /* for includes: interned file name, else NULL */
	struct node **blocks;   /* S_BLOCK nodes at any depth, in source order */
	size_t nblocks;
};

/*
 * Parses the tokens into t->body or t->expr. On error sets t->ecode,
 * t->eoff, t->emsg and returns the code.
 */
int tmpl_parse(struct tmpl *t, struct tokens *toks);

/*
 * The compiled form of src (from the cache, or compiled and added).
 * Never NULL; check ->ecode for a syntax error. Thread-safe.
 */
const struct tmpl *tmpl_get(const char *src, size_t len, unsigned flags);

/* Error position of byte 'off' of t's source, with src starting at base. */
struct kiso_pos tmpl_pos(const struct tmpl *t, uint32_t off, struct kiso_pos base);

/* Sets err from a compile error of t. */
int tmpl_syntax_error(const struct tmpl *t, struct kiso_pos base, struct kiso_error *err);

/* ---- evaluation ---- */

enum ev_kind {
	EV_VAL,         /* v */
	EV_UNDEF,       /* undef: message ("'x' is undefined") */
	EV_LOOP,        /* p: struct loopvar */
	EV_NS,          /* v: the namespace's map */
	EV_MACRO,       /* p: struct macro */
	EV_METHOD,      /* v: bound object, name: method */
	EV_GLOBAL,      /* name: global function */
	EV_LOOPFN,      /* p: struct loopvar, name: "cycle" ... */
	EV_HELPER,      /* p: struct helper (joiner(), cycler()), name: method or NULL */
	EV_MODULE,      /* p: struct frame of an imported template's names */
	EV_SELF,        /* Jinja2's 'self' (blocks by name) */
	EV_BLOCKFN,     /* p: struct blockdef to render when called (self.x, super) */
};

struct ev {
	enum ev_kind kind;
	struct kiso_value *v;
	const char *undef;      /* EV_UNDEF: "'x' is undefined" */
	const char *name;
	void *p;
	bool soft;              /* EV_UNDEF of 'a if c' without else: prints '' */
	bool has_uoff;          /* EV_UNDEF: uoff is where it became undefined */
	uint32_t uoff;
};

/*
 * Value flags private to the template engine (bits value.h does not use):
 * a list that is a Python tuple (printed '(1, 2)'), and a container the
 * current render created itself (so list.append() may change it).
 */
#define TMPL_VF_TUPLE 0x4000
#define TMPL_VF_OWNED 0x8000
/* A string from a STRING_TYPE_FILTERS filter (to_json ...): Ansible's NativeJinjaText */
#define TMPL_VF_NATIVE_TEXT 0x2000

/* Python repr()/str() honouring TMPL_VF_TUPLE. */
void tmpl_repr(struct kiso_buf *b, const struct kiso_value *v);
void tmpl_str(struct kiso_buf *b, const struct kiso_value *v);

struct var {
	const char *name;
	struct ev val;
};

struct frame {
	struct frame *parent;
	struct var *vars;
	size_t n, cap;
};

struct loopvar {
	struct kiso_value *items;       /* the list iterated */
	const struct node *loop;        /* S_FOR (recursive loops: loop(items)) */
	int depth0;                     /* recursion depth of a recursive loop */
	struct frame *outer;            /* scope the loop started in */
	size_t index0;
	struct kiso_value *last_changed;        /* loop.changed() */
};

/* Jinja2's joiner() and cycler() objects. */
struct helper {
	bool cycler;
	bool used;                      /* joiner: called before */
	struct kiso_value *items;       /* cycler: the items; joiner: [sep] */
	size_t pos;                     /* cycler: current item */
};

struct macro {
	const struct node *def;         /* S_MACRO */
	struct frame *scope;            /* where it was defined */
	const struct tmpl *t;           /* template the body lives in */
	struct kiso_pos base;
	bool isolated;                  /* imported without context: no caller variables */
};

/* One definition of a block; the chain of a template and its parents, most derived first. */
struct blockdef {
	struct blockdef *next;
	const struct node *def;         /* S_BLOCK */
	const struct tmpl *t;
	struct kiso_pos base;
};

struct rstate {
	struct kiso_tmpl_ctx *ctx;
	struct kiso_arena *a;
	struct kiso_error *err;
	const struct tmpl *t;           /* template being evaluated (positions) */
	struct kiso_pos base;
	struct frame *scope;
	int depth;                      /* macro/include recursion */
	int edepth;                     /* evaluator recursion (bounds the C stack) */
	size_t steps;
	bool unsafe;                    /* output includes an unsafe value */
	size_t nodes;                   /* output chunks of the top-level template */
	bool native_text;               /* the last one was a TMPL_VF_NATIVE_TEXT string */
	bool isolated;                  /* no ctx->lookup (imported without context) */
	struct blockdef *blocks;        /* blocks of the template being rendered */
	struct blockdef *cur_block;     /* block being rendered ('super') */
	struct frame *top;              /* the template's top-level frame */
	const struct tmpl *parent;      /* set by {% extends %} */
	bool toplevel;                  /* in a template's top-level code (not a block or macro) */
	struct kiso_pos parent_base;
};

/* Errors at node offset 'off' of the current template. */
int tmpl_err(struct rstate *st, int code, uint32_t off, const char *fmt, ...) KISO_PRINTF(4, 5);
/* The error for using an undefined value. */
int tmpl_undef_err(struct rstate *st, uint32_t off, const struct ev *e);

/* Evaluates an expression. */
int tmpl_eval(struct ev *out, struct rstate *st, const struct node *n);
/* Evaluates to a defined plain value (undefined or objects are errors/converted). */
int tmpl_eval_value(struct kiso_value **out, struct rstate *st, const struct node *n);
/* A plain value for e, or an error when e is undefined (objects print as Python would). */
int tmpl_ev_value(struct kiso_value **out, struct rstate *st, uint32_t off, const struct ev *e);

/*
 * Applies a filter chain whose innermost N_FILTER has no input node
 * ({% set x | f %}, {% filter f %}) to 'input'.
 */
int tmpl_filter_chain(struct ev *out, struct rstate *st, const struct node *chain,
		      const struct ev *input);

/* Renders a template's body (blocks, extends) in the current scope. */
int tmpl_exec_template(struct kiso_buf *out, struct rstate *st, const struct tmpl *t,
		       struct kiso_pos base);
/* Renders a block definition (self.name(), super()) into a string value. */
int tmpl_render_block(struct ev *out, struct rstate *st, uint32_t off, struct blockdef *b);
/* loop(items) of a recursive loop: renders the loop body one level deeper. */
int tmpl_loop_call(struct ev *out, struct rstate *st, uint32_t off, struct loopvar *lv,
		   const struct ev *items);

/* Runs statements, appending output to out. */
int tmpl_exec(struct kiso_buf *out, struct rstate *st, struct node *const *body, size_t n);

/* Scope helpers. */
void tmpl_scope_set(struct rstate *st, struct frame *f, const char *name, const struct ev *v);
int tmpl_scope_find(struct ev *out, struct rstate *st, const char *name, uint32_t off);

/* Calls a macro with evaluated arguments; result is a string. */
int tmpl_call_macro(struct ev *out, struct rstate *st, uint32_t off, const struct macro *m,
		    struct ev *args, size_t nargs, const char *const *kwn, struct ev *kwv,
		    size_t nkw, const struct macro *caller);

/* Evaluates an N_CALL whose callee must be a macro, passing 'caller' ({% call %}). */
int tmpl_call_block(struct ev *out, struct rstate *st, const struct node *call,
		    const struct macro *caller);

/* Iterates a value as Python would: list items, map keys, string characters. */
int tmpl_iterate(struct kiso_value **out_list, struct rstate *st, uint32_t off,
		 const struct ev *e);

/* Python str() of an evaluated value (objects included). */
int tmpl_ev_str(struct kiso_buf *b, struct rstate *st, uint32_t off, const struct ev *e);

/* Python methods: calls obj.name(args). Returns 1 when there is no such method. */
int tmpl_method_call(struct ev *out, struct rstate *st, uint32_t off, struct kiso_value *obj,
		     const char *name, struct kiso_value **args, size_t nargs,
		     const char *const *kwn, struct kiso_value **kwv, size_t nkw);
/* True when 'name' is a Python method of obj's type (so x.name is the method). */
bool tmpl_method_exists(const struct kiso_value *obj, const char *name);

/* Global functions: range, lookup, query, q, dict, namespace, now ... */
bool tmpl_global_exists(const char *name);
int tmpl_global_call(struct ev *out, struct rstate *st, uint32_t off, const char *name,
		     struct kiso_value **args, size_t nargs, const char *const *kwn,
		     struct kiso_value **kwv, size_t nkw);

/*
 * Finds 'name' in ctx->search_path as Ansible's find_file_in_search_path
 * does: for each directory, DIR/SUBDIR/name then DIR/name ('subdir' is
 * "files" or "templates"). Absolute names are used as they are.
 * *out is an arena string, or NULL when not found.
 */
void tmpl_find_file(const char **out, struct rstate *st, const char *subdir, const char *name);

/* Reads a whole file into the arena (NUL-terminated). */
int tmpl_read_file(char **out, size_t *len, struct rstate *st, uint32_t off, const char *path);

/* Renders a whole template file (include, lookup('template')). */
int tmpl_render_file(struct kiso_buf *out, struct rstate *st, uint32_t off, const char *path,
		     bool with_scope);

/*
 * ast.literal_eval of text (with Ansible's true/false/null names):
 * 0 with *out set, or -1 when the text is not a Python literal.
 */
int tmpl_literal_eval(struct kiso_value **out, struct kiso_arena *a, const char *s, size_t len);

/* UTF-8 helpers: number of code points; byte offset of code point i. */
size_t tmpl_utf8_len(const char *s, size_t n);
size_t tmpl_utf8_off(const char *s, size_t n, size_t cp);

/* Python's type(x).__name__ + " object" for messages. */
const char *tmpl_type_object(const struct kiso_value *v);

/* Decodes a Python string literal body (escapes) into the arena. */
char *tmpl_unescape(struct kiso_arena *a, const char *s, size_t n, size_t *outlen);

#endif
