# kiso - build, test, fuzz, docs, install.
#
#   make            build ./kiso (installs missing Debian packages first)
#   make test       every test: unit (cmocka), command-line and differential
#                   tests, the unit tests again under ASan+UBSan, and each
#                   fuzzer for TEST_FUZZ_SECONDS (default 10; CI: 60)
#   make fuzz       each libFuzzer target for FUZZ_SECONDS (default 60)
#   make docs       docs/modules/*.md from the module schemas
#   make install    PREFIX=/usr/local DESTDIR=
#   make deps       install the Debian packages that are missing
#
# Sources are found by wildcard: a new engine/*.c, engine/*/*.c or
# modules/*.c file is built into libkiso, and every tests/unit/**/*.c file
# (but tests/unit/support/) is a cmocka test program of its own.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
CC ?= cc
CLANG ?= clang
FUZZ_SECONDS ?= 60
TEST_FUZZ_SECONDS ?= 10

PKGS := yaml-0.1 libssh2 libgit2 libpcre2-8 libcrypto
TEST_PKGS := cmocka

# Debian packages: to build, and what the tests need beside.
DEB_BUILD := gcc make pkg-config libyaml-dev libssh2-1-dev libgit2-dev libpcre2-dev libssl-dev
DEB_TEST := libcmocka-dev ansible-core python3 python3-jinja2 python3-yaml clang \
	libclang-rt-14-dev openssh-server openssh-client iproute2 util-linux sudo libcap2-bin

# BUILD=release (default) or BUILD=asan (ASan+UBSan, arena debug mode).
BUILD ?= release
B := build/$(BUILD)

WARN := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wstrict-prototypes -Wformat=2
ifeq ($(BUILD),asan)
OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all -DKISO_DEBUG_ARENA
SANLD := -fsanitize=address,undefined
else
OPT := -O2 -g
SANLD :=
endif

HAVE_DEPS := $(shell pkg-config --exists $(PKGS) $(TEST_PKGS) 2>/dev/null && echo yes)

ifeq ($(HAVE_DEPS),yes)
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS := $(shell pkg-config --libs $(PKGS))
CMOCKA_CFLAGS := $(shell pkg-config --cflags cmocka)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka)
endif

KISO_CFLAGS = -std=c17 $(WARN) $(OPT) -iquote engine -iquote . $(PKG_CFLAGS) $(CFLAGS)
KISO_LIBS = $(PKG_LIBS) -lpthread -lm

ENGINE_SRC := $(filter-out engine/main.c,$(wildcard engine/*.c engine/*/*.c)) $(wildcard modules/*.c)
ENGINE_OBJ := $(ENGINE_SRC:%.c=$(B)/%.o)
UNIT_SRC := $(shell find tests/unit -name '*.c' -not -path 'tests/unit/support/*' 2>/dev/null | sort)
UNIT_SUPPORT := $(wildcard tests/unit/support/*.c)
UNIT_BIN := $(UNIT_SRC:%.c=$(B)/%)
FUZZ_SRC := $(wildcard tests/fuzz/*.c)

.PHONY: all deps deps-check test test-unit test-asan test-cli fuzz docs install clean demo

ifeq ($(HAVE_DEPS),yes)

all: kiso

kiso: $(B)/kiso
	cp $< $@

$(B)/kiso: $(B)/engine/main.o $(B)/libkiso.a
	$(CC) $(OPT) $(SANLD) -o $@ $^ $(KISO_LIBS) $(LDFLAGS)

$(B)/libkiso.a: $(ENGINE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(KISO_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/tests/unit/%: tests/unit/%.c $(UNIT_SUPPORT) $(B)/libkiso.a
	@mkdir -p $(@D)
	$(CC) $(KISO_CFLAGS) $(CMOCKA_CFLAGS) -iquote tests/unit/support -o $@ $< $(UNIT_SUPPORT) \
		$(B)/libkiso.a $(CMOCKA_LIBS) $(KISO_LIBS) $(SANLD) $(LDFLAGS)

-include $(ENGINE_OBJ:.o=.d) $(B)/engine/main.d

# The whole suite; tests/run prints the summary line last.
test: deps-check
	$(MAKE) kiso
	$(MAKE) BUILD=release unit-bins
	$(MAKE) BUILD=asan unit-bins asan-kiso
	FUZZ_SECONDS=$(TEST_FUZZ_SECONDS) tests/run

unit-bins: $(UNIT_BIN)

asan-kiso: $(B)/kiso

test-unit: unit-bins
	tests/run --unit-only $(B)

fuzz: deps-check
	tests/fuzz/run $(FUZZ_SECONDS)

docs: kiso
	./kiso doc-modules docs/modules

install: kiso
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 kiso $(DESTDIR)$(BINDIR)/kiso

else

all kiso test test-unit fuzz docs install unit-bins asan-kiso:
	$(MAKE) deps
	$(MAKE) $@

endif

# Installs the Debian packages that are missing (needs root or sudo).
deps:
	@missing=""; for p in $(DEB_BUILD) $(DEB_TEST); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		sudo= ; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		$$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi

deps-check:
	@$(MAKE) --no-print-directory deps

# The README's first command: three lab hosts converged by
# playbooks/demo/site.yml, again with changed=0, then a check with diffs.
demo: deps-check
	$(MAKE) kiso
	playbooks/demo/run

clean:
	rm -rf build kiso

# kiso against tuned ansible-playbook on fresh lab hosts (tests/bench/run;
# needs root). A benchmark: never part of `make test`.
BENCH_SIZES ?= 1 10 20
.PHONY: bench
bench:
	$(MAKE) kiso
	tests/bench/run $(BENCH_SIZES)
