# flowcomm — PGXS build, test, demo and quality targets.
#
# `make test` and `make demo` are the two entry points a new user needs: both
# install missing Debian packages (when run as root), build, install into a
# private copy of the PostgreSQL tree and run against a throwaway cluster.

EXTENSION   = flowcomm
EXTVERSION  = 0.3.0
# Released versions, oldest first.  A released install script is frozen
# (sql/flowcomm--<v>.sql, tracked), and so are the upgrade scripts between
# released versions (sql/flowcomm--<a>--<b>.sql); the upgrade from the last
# release to the one in development is assembled from
# sql/upgrade/<from>--<to>/*.sql plus the shipped templates.
PREV_VERSION = 0.2.0
MODULE_big  = flowcomm

# src/template_json.c renders from JSON text for the standalone fuzz/ programs;
# the extension passes jsonb values straight to the engine, so it is not linked.
SRCS        = $(filter-out src/template_json.c,$(sort $(wildcard src/*.c)))
OBJS        = $(SRCS:.c=.o)

# The install script is assembled from one SQL source per feature, in order.
SQL_SOURCES = $(sort $(wildcard sql/src/*.sql))
TEMPLATE_FILES = $(sort $(wildcard templates/*.tpl))
UPGRADE     = sql/$(EXTENSION)--$(PREV_VERSION)--$(EXTVERSION).sql
UPGRADE_SOURCES = $(sort $(wildcard sql/upgrade/$(PREV_VERSION)--$(EXTVERSION)/*.sql))
DATA_built  = sql/$(EXTENSION)--$(EXTVERSION).sql $(UPGRADE)
DATA        = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*.sql))

TESTS       = $(sort $(wildcard test/sql/*.sql))
REGRESS     = $(patsubst test/sql/%.sql,%,$(TESTS))
REGRESS_OPTS = --inputdir=test --outputdir=test/results

PG_CONFIG  ?= pg_config
PG_CPPFLAGS = -I$(srcdir)/src
# Warnings as errors for our code (CFLAGS only: the JIT bitcode build uses clang).
PG_CFLAGS   = -Wall -Wextra -Werror -Wmissing-prototypes -Wno-unused-parameter \
              -Wno-missing-field-initializers -Wno-sign-compare
ifeq ($(findstring clang,$(CC)),)
PG_CFLAGS  += -Wshadow=compatible-local
else
# Debian's PGXS flags are gcc's; keep clang's -Werror to our own code.
PG_CFLAGS  += -Wshadow -Wno-ignored-optimization-argument -Wno-unknown-warning-option \
              -Wno-ignored-attributes
endif
SHLIB_LINK += -lcurl -lcrypto

ifdef COVERAGE
PG_CFLAGS += --coverage -O0
SHLIB_LINK  += --coverage
endif
ifdef SANITIZE
PG_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SHLIB_LINK  += -fsanitize=address,undefined
endif

EXTRA_CLEAN = $(DATA_built) test/results test/regression.* \
              test/simulator/flowcomm-sim coverage tmp_check

# PGXS is included while the Makefile is read, before any recipe runs, so
# on a fresh machine (no postgresql-server-dev-15 yet) the `deps` step could
# never run in time.  When PostgreSQL's build files are missing, the Debian
# packages are installed here, during parsing, for every goal that builds
# (install_deps.sh installs as root, and otherwise says what is missing).
FC_PGXS_DEFAULT := /usr/lib/postgresql/15/lib/pgxs/src/makefiles/pgxs.mk
FC_NO_BUILD_GOALS := clean distclean maintainer-clean deps format-check lint test-fresh
# (`test -f`, not $(wildcard): make caches directory listings, and the file
# may appear while the Makefile is being read.)
fc_exists = $(shell test -f '$(1)' && echo yes)
# Debian's postgresql-client-15 ships pgxs.mk without the server headers
# (those are postgresql-server-dev-15), so PGXS counts as present only when
# postgres.h is there too.
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifeq ($(call fc_exists,$(PGXS)),)
PGXS := $(FC_PGXS_DEFAULT)
endif
fc_pgxs_ready = $(and $(call fc_exists,$(PGXS)),$(call fc_exists,$(shell $(PG_CONFIG) --includedir-server 2>/dev/null)/postgres.h))
ifeq ($(fc_pgxs_ready),)
ifneq ($(filter-out $(FC_NO_BUILD_GOALS),$(or $(MAKECMDGOALS),all)),)
$(info flowcomm: PostgreSQL 15's build files (PGXS) are missing: installing the Debian packages first)
FC_DEPS_STATUS := $(shell sh test/install_deps.sh >&2; echo $$?)
ifneq ($(FC_DEPS_STATUS),0)
$(error flowcomm: could not install the build dependencies (test/install_deps.sh exited $(FC_DEPS_STATUS)))
endif
endif
endif
ifeq ($(fc_pgxs_ready),)
ifneq ($(filter-out $(FC_NO_BUILD_GOALS),$(or $(MAKECMDGOALS),all)),)
$(error flowcomm: PostgreSQL 15's server headers or $(PGXS) are missing: install postgresql-server-dev-15)
else
# clean and friends work without PGXS.
clean distclean maintainer-clean:
	rm -rf $(EXTRA_CLEAN) $(OBJS) $(MODULE_big).so
endif
else
include $(PGXS)
endif

# PGXS tracks no header dependencies: a changed struct must rebuild every
# object that uses it, or objects disagree about its layout.
$(OBJS): $(wildcard src/*.h)

sql/$(EXTENSION)--$(EXTVERSION).sql: $(SQL_SOURCES) $(TEMPLATE_FILES) sql/build_templates.sh
	{ echo '-- flowcomm $(EXTVERSION): generated from sql/src/*.sql and templates/ — edit those, not this file.'; \
	  for f in $(SQL_SOURCES); do echo; echo "-- ==== $$f ===="; cat $$f; done; \
	  sh sql/build_templates.sh $(TEMPLATE_FILES); } > $@

# The upgrade from the last release: hand-written steps (a "--@function name"
# line pulls that function's current definition from sql/src, see
# sql/build_upgrade.sh), then the shipped templates again (build_templates.sh
# upserts, so changed templates land).
$(UPGRADE): $(UPGRADE_SOURCES) $(SQL_SOURCES) $(TEMPLATE_FILES) sql/build_templates.sh sql/build_upgrade.sh
	{ echo '-- flowcomm $(PREV_VERSION) -> $(EXTVERSION): generated from sql/upgrade/$(PREV_VERSION)--$(EXTVERSION)/ and templates/.'; \
	  echo '\\echo Use "ALTER EXTENSION $(EXTENSION) UPDATE TO '"'"'$(EXTVERSION)'"'"'" to load this file. \\quit'; \
	  sh sql/build_upgrade.sh $(UPGRADE_SOURCES); \
	  sh sql/build_templates.sh $(TEMPLATE_FILES); } > $@

.PHONY: deps test demo simulator check-chaos fuzz test-fresh

# The README's two commands on a throwaway minimal Debian 12 root
# (debootstrap minbase, cached in /var/cache/flowcomm), from a clean clone of
# HEAD under "/root/src dir/": proves the install steps are complete.
test-fresh:
	@sh test/fresh.sh

deps:
	@sh test/install_deps.sh

simulator:
	$(MAKE) -C test/simulator

# The build is quiet unless it fails (then its whole output is shown).
FC_QUIET_BUILD = @mkdir -p tmp_check && $(MAKE) -s --no-print-directory all simulator >tmp_check/build.log 2>&1 || \
	{ cat tmp_check/build.log; echo "flowcomm: the build failed (tmp_check/build.log)"; exit 1; }

test: deps
	$(FC_QUIET_BUILD)
	@FC_SUITES="regress pgtap proc bench" sh test/run_tests.sh

demo: deps
	$(FC_QUIET_BUILD)
	@sh test/demo.sh

# The long chaos run (CHAOS_MINUTES, default 10: 20,000 messages, 20 kill -9,
# 3 immediate restarts, simulator faults); `make test` runs a short form.
check-chaos: deps
	@$(MAKE) --no-print-directory all simulator
	@FC_SUITES=chaos sh test/run_tests.sh

# libFuzzer (clang, ASan + UBSan) on the template compiler/renderer and on
# everything a webhook or payment-link request reaches before its signature
# is checked (Twilio form parser and signature, Sendgrid signature and
# message ids, payment-link tokens, base64): FUZZ_SECONDS per target.  Each
# prints libFuzzer's "Done N runs in S second(s)"; a crash fails the target
# and leaves its input in fuzz/.
FUZZ_SECONDS ?= 60
fuzz: deps
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh fuzz/run.sh

# ==== quality gates: test/quality/, docs/development.md =======================
#   make coverage          --coverage build, whole suite, lcov report in coverage/,
#                          C and SQL coverage thresholds
#   make lint              cppcheck over src/, -Werror builds with gcc and clang
#   make format-check      clang-format-14 --dry-run -Werror over the C sources
#   make format            apply .clang-format to the same files
#   make test SANITIZE=1   ASan+UBSan build, whole suite with the runtime
#                          preloaded into the server, any report fails
# Debian packages these need beyond test/install_deps.sh's list:
FC_QA_PACKAGES = lcov cppcheck clang clang-format-14 valgrind
FC_FORMAT_FILES = $(wildcard src/*.c src/*.h test/simulator/*.c)

# The objects remember the flavour they were built with (compiler, COVERAGE,
# SANITIZE): switching flavour rebuilds them instead of silently installing
# objects without the instrumentation asked for.
FC_BUILD_FLAVOUR := $(strip $(CC) $(if $(COVERAGE),coverage) $(if $(SANITIZE),sanitize))
FC_FLAVOUR_STAMP := tmp_check/build-flavour
ifneq ($(shell cat $(FC_FLAVOUR_STAMP) 2>/dev/null),$(FC_BUILD_FLAVOUR))
$(shell mkdir -p tmp_check && echo '$(FC_BUILD_FLAVOUR)' > $(FC_FLAVOUR_STAMP))
endif
$(OBJS): $(FC_FLAVOUR_STAMP)

.PHONY: format

coverage:
	@FLOWCOMM_EXTRA_PACKAGES="$(FC_QA_PACKAGES)" sh test/install_deps.sh
	@sh test/quality/coverage.sh

lint:
	@FLOWCOMM_EXTRA_PACKAGES="$(FC_QA_PACKAGES)" sh test/install_deps.sh
	@sh test/quality/lint.sh

format-check:
	@FLOWCOMM_EXTRA_PACKAGES="$(FC_QA_PACKAGES)" sh test/install_deps.sh
	@sh test/quality/format_check.sh $(FC_FORMAT_FILES)

format:
	@FLOWCOMM_EXTRA_PACKAGES="$(FC_QA_PACKAGES)" sh test/install_deps.sh
	clang-format-14 -i --style=file $(FC_FORMAT_FILES)

ifdef SANITIZE
# `make test SANITIZE=1` runs the suite through test/quality/sanitize.sh, which
# preloads the sanitizer runtime into the server (FC_SERVER_ENV) and fails on
# any report.  SANITIZE is exported so cluster.sh's `make install` keeps the
# instrumented objects.  (This recipe replaces the plain one above: make warns
# "overriding recipe for target 'test'".)
export SANITIZE
test: deps
	@FLOWCOMM_EXTRA_PACKAGES="$(FC_QA_PACKAGES)" sh test/install_deps.sh
	@$(MAKE) --no-print-directory all $(if $(wildcard test/simulator/Makefile),simulator)
	@sh test/quality/sanitize.sh
endif
# ==== end of quality gates ====================================================

# ---- bench (owner: bench/) -------------------------------------------------
# `make bench`: flowcomm against tuned pg-boss and graphile-worker (throwaway
# clusters, provider simulator on 127.0.0.1, contenders' npm packages pinned in
# bench/contenders/package-lock.json and installed into bench/node_modules).
# Prints the table; results, CSV and plots in bench/results/<stamp>/.
# `make bench-smoke`: every scenario at a tiny size, TAP, no timing assertions.
bench:
	@FLOWCOMM_EXTRA_PACKAGES="gnuplot-nox" sh test/install_deps.sh
	@$(MAKE) --no-print-directory all simulator
	@bash bench/run.sh

bench-smoke: deps
	@$(MAKE) --no-print-directory all simulator
	@bash bench/run.sh --smoke
.PHONY: bench-smoke
# ---- end bench ---------------------------------------------------------------
