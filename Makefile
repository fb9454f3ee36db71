# flowcomm — PGXS build, test, demo and quality targets.
#
# `make test` and `make demo` are the two entry points a new user needs: both
# install missing Debian packages (when run as root), build, install into a
# private copy of the PostgreSQL tree and run against a throwaway cluster.

EXTENSION   = flowcomm
EXTVERSION  = 0.1.0
MODULE_big  = flowcomm

SRCS        = $(sort $(wildcard src/*.c))
OBJS        = $(SRCS:.c=.o)

# The install script is assembled from one SQL source per feature, in order.
SQL_SOURCES = $(sort $(wildcard sql/src/*.sql))
TEMPLATE_FILES = $(sort $(wildcard templates/*.tpl))
DATA_built  = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA        = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*--*.sql))

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
PG_CFLAGS  += -Wshadow
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

EXTRA_CLEAN = sql/$(EXTENSION)--$(EXTVERSION).sql test/results test/regression.* \
              test/simulator/flowcomm-sim coverage tmp_check

PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifeq ($(PGXS),)
# pg_config is missing on a fresh machine: let `make test`/`make demo` install it first.
PGXS := /usr/lib/postgresql/15/lib/pgxs/src/makefiles/pgxs.mk
endif
include $(PGXS)

sql/$(EXTENSION)--$(EXTVERSION).sql: $(SQL_SOURCES) $(TEMPLATE_FILES) sql/build_templates.sh
	{ echo '-- flowcomm $(EXTVERSION): generated from sql/src/*.sql and templates/ — edit those, not this file.'; \
	  for f in $(SQL_SOURCES); do echo; echo "-- ==== $$f ===="; cat $$f; done; \
	  sh sql/build_templates.sh $(TEMPLATE_FILES); } > $@

.PHONY: deps test demo simulator check-chaos bench coverage lint format-check fuzz

deps:
	@sh test/install_deps.sh

simulator:
	$(MAKE) -C test/simulator

test: deps
	@$(MAKE) --no-print-directory all simulator
	@sh test/run_tests.sh

demo: deps
	@$(MAKE) --no-print-directory all simulator
	@sh test/demo.sh

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
