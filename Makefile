# spendtop - top for LLM spend. See README.md.
#
# Read top to bottom: variables, the binary, the tests, check (sanitizers),
# bench, fuzz, lint, install, deps, run, clean. V=1 shows the full compiler command
# lines. `make test` and `make run` install missing Debian packages first
# (tools/deps.sh), then re-enter make so that pkg-config is asked only once
# the libraries exist; fuzz and lint install their own tools the same way.
#
# CFLAGS, CPPFLAGS, LDFLAGS and LDLIBS from the environment or the command
# line are added after what the project needs (-std=c11, the warnings,
# -Werror, the pkg-config flags), never instead of it: `make CFLAGS=-O0`,
# `make CPPFLAGS=-DNDEBUG`, `make LDFLAGS=-Wl,-z,now`.

CC       ?= cc
BUILD    ?= build
V        ?=
Q        := $(if $(V),,@)
CFLAGS   ?= -O2 -g
CPPFLAGS ?=
LDFLAGS  ?=
LDLIBS   ?=
SAN      ?=
# the caller's own CFLAGS (empty when the default above applies): check and
# fuzz put them after their optimisation level, so the caller's win
USER_CFLAGS := $(if $(filter file,$(origin CFLAGS)),,$(CFLAGS))

PKGS     := libuv libcurl libcjson sqlite3 ncursesw zlib libnghttp2
WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Werror
ALL_CPPFLAGS := -D_DEFAULT_SOURCE -D_XOPEN_SOURCE=700 -D_XOPEN_SOURCE_EXTENDED \
            -I. $(shell pkg-config --cflags-only-I $(PKGS) 2>/dev/null) $(CPPFLAGS)
# -ffp-contract=off after the caller's flags: a stored cost is read back
# through a prediction (core/chunk.c) that every build must compute to the
# same bits, so no compiler may fuse its products and sums.
ALL_CFLAGS := -std=c11 $(WARN) $(CFLAGS) -ffp-contract=off $(SAN) -MMD -MP
LIBS     := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm $(LDLIBS)
TEST_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

LIB_SRC  := $(sort $(wildcard lib/*.c core/*.c pricing/*.c collectors/*.c alerts/*.c tui/*.c)) app/app.c app/config.c \
            app/prices.c app/publish.c app/viewer.c app/reload.c app/daemon.c
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/pricing/default_prices.o
TEST_SRC := $(sort $(wildcard tests/test_*.c))
TESTS    := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TOOLS    := $(BUILD)/tests/toml_decoder $(BUILD)/tests/toml_suite $(BUILD)/tests/grpc_echo
BENCHES  := $(BUILD)/bench/floor $(BUILD)/bench/timeit $(BUILD)/bench/tui_frame \
            $(BUILD)/bench/alerts_round \
            $(BUILD)/bench/otlp_topb $(BUILD)/bench/otlp_ingest $(BUILD)/bench/store_load

.PHONY: all programs test test-run check bench bench-grpc bench-receivers bench-viewers fuzz lint deps \
        deps-check deps-fuzz deps-lint run clean config-example install uninstall
all: spendtop

# every program of the tree, built and not run (what lint's scan-build sees)
programs: $(BUILD)/spendtop $(TESTS) $(TOOLS) $(BENCHES) $(BUILD)/tools/config_example

# ---- the binary -------------------------------------------------------------

spendtop: $(BUILD)/spendtop
	cp $< $@

$(BUILD)/spendtop: $(BUILD)/app/main.o $(BUILD)/libspendtop.a
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/libspendtop.a: $(LIB_OBJ)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# The compiled-in price table (pricing/default_prices.json, derived from a
# real LiteLLM file by tools/gen_default_prices.py) becomes a C array.
$(BUILD)/tools/embed: tools/embed.c
	@mkdir -p $(@D)
	$(CC) -O2 -o $@ $<

$(BUILD)/pricing/default_prices.c: pricing/default_prices.json $(BUILD)/tools/embed
	@mkdir -p $(@D)
	$(BUILD)/tools/embed pricing_default_json $< $@

$(BUILD)/pricing/default_prices.o: $(BUILD)/pricing/default_prices.c
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -Wno-missing-prototypes -c -o $@ $<

# config.example.toml is written from the key tables that read a config
# (tests/test_registry.c fails while the checked-in file differs).
$(BUILD)/tools/config_example: tools/config_example.c $(BUILD)/libspendtop.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libspendtop.a $(LIBS)

config-example: $(BUILD)/tools/config_example
	$(BUILD)/tools/config_example > $(BUILD)/config.example.toml
	mv $(BUILD)/config.example.toml config.example.toml

# ---- tests ----------------------------------------------------------------------

$(BUILD)/tests/%: tests/%.c $(BUILD)/libspendtop.a
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libspendtop.a $(LIBS) $(TEST_LIBS)

test: deps-check
	$(MAKE) test-run

test-run: $(BUILD)/spendtop $(TESTS) $(TOOLS) $(BUILD)/bench/tui_frame \
	  $(BUILD)/bench/otlp_topb $(BUILD)/bench/otlp_ingest
	tests/run.sh $(BUILD)

# The whole suite again under AddressSanitizer and UndefinedBehaviorSanitizer.
check: deps-check
	$(MAKE) BUILD=build/check CFLAGS="-O1 -g $(USER_CFLAGS)" \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  test-run

# ---- bench ------------------------------------------------------------------------

bench: deps-check
	$(MAKE) $(BUILD)/spendtop $(BENCHES)
	bench/run.sh $(BUILD)
	$(MAKE) bench-grpc $(BUILD)/bench/http_load
	bench/receivers.sh $(BUILD)
	bench/viewers.sh $(BUILD)

# what viewers cost a daemon: first frame on 8 days of history, and a
# receiving daemon alone and with 20 dashboards attached (bench/viewers.sh)
bench-viewers: deps-check
	$(MAKE) $(BUILD)/spendtop
	bench/viewers.sh $(BUILD)

# the OTLP receivers of a daemon: gRPC, HTTP protobuf and JSON under 16
# clients - accepted spans/s, p99 latency, peak RSS (bench/receivers.sh)
bench-receivers: deps-check
	$(MAKE) $(BUILD)/spendtop $(BUILD)/bench/grpc_load $(BUILD)/bench/http_load
	bench/receivers.sh $(BUILD)

# the gRPC server alone: 16 clients of 4 KiB unary calls (bench/grpc.sh)
bench-grpc: deps-check
	$(MAKE) $(BUILD)/bench/grpc_load $(BUILD)/tests/grpc_echo
	bench/grpc.sh $(BUILD)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libspendtop.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) -std=c11 $(WARN) -O2 -g $(SAN) $(LDFLAGS) -o $@ $< $(BUILD)/libspendtop.a $(LIBS)

# ---- fuzz (clang's libFuzzer; not part of test) ------------------------------
# Each target runs FUZZ_SECONDS over its checked-in seed corpus
# (tests/fuzz/corpus_<target>/) and what earlier runs found
# (build/fuzz/corpus_<target>/). make fuzz exits non-zero if any target
# crashed, leaked, hung or hit undefined behaviour; tests/fuzz/run.sh shows a
# few lines per target and keeps the whole log and the crashing input.
#   make fuzz FUZZ_SECONDS=60 FUZZ_TARGETS=toml

FUZZ_SECONDS ?= 30
FUZZ_TARGETS ?= http_parser toml otlp_json pb otlp_pb otlp_frame grpc_wire otlp_signals chunk

fuzz: deps-fuzz
	$(MAKE) BUILD=build/fuzz CC=clang CFLAGS="-O1 -g $(USER_CFLAGS)" \
	  SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" \
	  $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)
	tests/fuzz/run.sh build/fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# (made in the sub-make above: the library instrumented, libFuzzer's main)
$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(BUILD)/libspendtop.a
	@$(if $(Q),echo "  FUZZ    $<")
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $< $(BUILD)/libspendtop.a $(LIBS)

# ---- lint (not part of test; takes a few minutes) -----------------------------
# The 10 longest and the 10 most complex functions (pmccabe), cppcheck, and
# scan-build over every program built afresh in build/lint. Fails on any
# cppcheck or scan-build finding and on any function over 80 lines or a
# cyclomatic complexity over 25 not listed in tools/lint-allow.txt.

lint: deps-lint
	MAKE="$(MAKE)" tools/lint.sh build/lint

# ---- install -----------------------------------------------------------------
# make install [PREFIX=/usr/local] [DESTDIR=...]: the binary, spendtop(1), the
# example config and the README, the systemd unit (written with the binary's
# path) and the sysusers.d entry for its user. make uninstall removes them.

PREFIX      ?= /usr/local
DESTDIR     ?=
BINDIR      ?= $(PREFIX)/bin
MANDIR      ?= $(PREFIX)/share/man
DOCDIR      ?= $(PREFIX)/share/doc/spendtop
UNITDIR     ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
INSTALL     ?= install

install: $(BUILD)/spendtop
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DOCDIR) \
	  $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR)
	$(INSTALL) -m 0755 $(BUILD)/spendtop $(DESTDIR)$(BINDIR)/spendtop
	$(INSTALL) -m 0644 dist/spendtop.1 $(DESTDIR)$(MANDIR)/man1/spendtop.1
	$(INSTALL) -m 0644 config.example.toml README.md $(DESTDIR)$(DOCDIR)/
	sed 's|@BINDIR@|$(BINDIR)|g' dist/spendtop.service.in > $(DESTDIR)$(UNITDIR)/spendtop.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/spendtop.service
	$(INSTALL) -m 0644 dist/spendtop.sysusers $(DESTDIR)$(SYSUSERSDIR)/spendtop.conf

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/spendtop $(DESTDIR)$(MANDIR)/man1/spendtop.1 \
	  $(DESTDIR)$(DOCDIR)/config.example.toml $(DESTDIR)$(DOCDIR)/README.md \
	  $(DESTDIR)$(UNITDIR)/spendtop.service $(DESTDIR)$(SYSUSERSDIR)/spendtop.conf
	-rmdir $(DESTDIR)$(DOCDIR)

# ---- deps, run, clean --------------------------------------------------------

deps:
	tools/deps.sh install

deps-check:
	@tools/deps.sh check >/dev/null || tools/deps.sh install

deps-fuzz: deps-check
	@tools/deps.sh check fuzz >/dev/null || tools/deps.sh install fuzz

deps-lint: deps-check
	@tools/deps.sh check lint >/dev/null || tools/deps.sh install lint

run: deps-check
	$(MAKE) spendtop
	./spendtop --demo

clean:
	rm -rf build spendtop

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
