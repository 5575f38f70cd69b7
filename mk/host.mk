# host.mk: programs built on the host, one way for all three kinds, so
# components run under gdb and sanitizers (gcc or clang with ASan and
# UBSan, objects in images/host/obj/<kind>/):
#
#   make unit-NAME   images/host/unit-NAME from tests/unit/NAME/test.c and
#                    the kernel files its " * links: a.c b.c" line names
#                    (globs allowed): pure code, with the test's own fakes
#                    of the hc_* calls it reaches (tests/unit/fakes.c holds
#                    the shared ones); tests/unit/run builds and runs them
#   make host-NAME   images/host/NAME from tests/posix/NAME/*.c on
#                    hypercall-posix, the real hc_* in a Linux process,
#                    with hypercall-posix's main()
#   make fuzz-NAME   images/host/fuzz-NAME from tests/fuzz/NAME/*.c on
#                    hypercall-posix, clang with libFuzzer (its main())
#   make host        every one of them
#
# A host or fuzz program names the components it links on a
# " * components: net fs" line of its sources (none by default);
# -Icomponents/<each> lets it use their internal headers.
#
# A " * app: NAME" line also compiles NAME's sources (app/NAME or
# tests/apps/NAME, as the Makefile's APP_DIRS finds it) into the program,
# the very sources an image runs, with main renamed app_main and the
# program's route.h included first: its macros send the app's libc
# calls (open, read, ...) to components/posix instead of to Linux.

HOST_OBJ := images/host/obj
HOST_PROGS := $(notdir $(patsubst %/,%,$(dir $(wildcard tests/posix/*/*.c))))
FUZZ_PROGS := $(notdir $(patsubst %/,%,$(dir $(wildcard tests/fuzz/*/*.c))))
UNIT_PROGS := $(notdir $(patsubst %/,%,$(dir $(wildcard tests/unit/*/test.c))))

.PHONY: host host-build
host:
	$(Q)for p in $(sort $(HOST_PROGS)); do \
		$(MAKE) --no-print-directory host-$$p || exit 1; done
	$(Q)for p in $(sort $(FUZZ_PROGS)); do \
		$(MAKE) --no-print-directory fuzz-$$p || exit 1; done
	$(Q)for p in $(sort $(UNIT_PROGS)); do \
		$(MAKE) --no-print-directory unit-$$p || exit 1; done

host-%:
	$(Q)$(MAKE) --no-print-directory HOST_PROG=$* HOST_KIND=host host-build
fuzz-%:
	$(Q)$(MAKE) --no-print-directory HOST_PROG=$* HOST_KIND=fuzz host-build
unit-%:
	$(Q)$(MAKE) --no-print-directory HOST_PROG=$* HOST_KIND=unit host-build

ifneq ($(HOST_PROG),)
HOST_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
# The scheduler core is the images' own (platform/sched_core.c), so host
# programs and fuzzers run the very scheduler that boots.
HOST_LIB := $(wildcard hypercall-posix/*.c) platform/sched_core.c
ifeq ($(HOST_KIND),fuzz)
PROG_DIR := tests/fuzz/$(HOST_PROG)
PROG_OUT := images/host/fuzz-$(HOST_PROG)
HOST_CC := clang
KIND_CFLAGS := $(HOST_SAN) -fsanitize=fuzzer-no-link
KIND_LDFLAGS := $(HOST_SAN) -fsanitize=fuzzer
HOST_LIB := $(filter-out hypercall-posix/main.c,$(HOST_LIB))
else ifeq ($(HOST_KIND),unit)
PROG_DIR := tests/unit/$(HOST_PROG)
PROG_OUT := images/host/unit-$(HOST_PROG)
HOST_CC := gcc
KIND_CFLAGS := $(HOST_SAN) -Iplatform -Icomponents/posix -Itests/unit
KIND_LDFLAGS := $(HOST_SAN)
HOST_LIB := $(wildcard $(shell sed -n 's/^ \* links: *//p' \
	$(PROG_DIR)/test.c /dev/null | head -n 1)) tests/unit/fakes.c
else
PROG_DIR := tests/posix/$(HOST_PROG)
PROG_OUT := images/host/$(HOST_PROG)
HOST_CC := gcc
KIND_CFLAGS := $(HOST_SAN)
KIND_LDFLAGS := $(HOST_SAN)
endif
PROG_SRCS := $(wildcard $(PROG_DIR)/*.c)
PROG_COMPONENTS := $(shell sed -n 's/^ \* components: *//p' $(PROG_SRCS) \
	/dev/null | head -n 1)
PROG_APP := $(shell sed -n 's/^ \* app: *//p' $(PROG_SRCS) /dev/null | head -n 1)
HOST_SRCS := $(HOST_LIB) $(PROG_SRCS) \
	$(wildcard $(patsubst %,components/%/*.c,$(PROG_COMPONENTS)))
APP_OBJ := $(HOST_OBJ)/$(HOST_KIND)/$(HOST_PROG)-app
PROG_APP_DIR := $(if $(PROG_APP),$(filter %/$(PROG_APP),$(APP_PATHS)))
APP_OBJS := $(patsubst $(PROG_APP_DIR)/%,$(APP_OBJ)/%.o,$(wildcard \
	$(PROG_APP_DIR)/*.c))
HOST_OBJS := $(patsubst %,$(HOST_OBJ)/$(HOST_KIND)/%.o,$(HOST_SRCS)) \
	$(APP_OBJS)
HOST_CFLAGS := -std=c11 -D_GNU_SOURCE -O1 -g -fno-omit-frame-pointer \
	$(WARN) -Iinclude -Ihypercall-posix \
	$(patsubst %,-Icomponents/%,$(PROG_COMPONENTS)) \
	-ffile-prefix-map=$(CURDIR)=. -MMD -MP $(KIND_CFLAGS)

host-build: $(PROG_OUT)

$(PROG_OUT): $(HOST_OBJS)
	$(quiet) HOSTLD $@
	$(Q)$(HOST_CC) $(KIND_LDFLAGS) -o $@ $(HOST_OBJS)

$(HOST_OBJ)/$(HOST_KIND)/%.c.o: %.c
	$(quiet) HOSTCC $<
	$(Q)mkdir -p $(@D)
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -c $< -o $@

$(APP_OBJ)/%.c.o: $(PROG_APP_DIR)/%.c
	$(quiet) HOSTCC $<
	$(Q)mkdir -p $(@D)
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -Dmain=app_main \
		-include $(PROG_DIR)/route.h -c $< -o $@

-include $(shell find $(HOST_OBJ)/$(HOST_KIND) -name '*.d' 2>/dev/null)
endif
