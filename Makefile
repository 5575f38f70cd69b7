# Kiln: bake one application, the components and one target's platform
# layer into a bootable image.
#
#   make                           every app for every target
#   make APP=hello TARGET=baremetal  images/hello-baremetal.{elf,iso}
#   make APP=x ROOTFS=dir          also images/x-TARGET.cpio, the boot archive
#                                  mounted at / (run and the ISO take it)
#   make run | test | test-quick | deps | clean      (V=1: full commands)
#   make host-NAME | fuzz-NAME | host    programs on hypercall-posix (mk/host.mk)
#   make fuzz-long                 every fuzzer's long campaign
#                                  (FUZZ_LONG_SECONDS each, default 600)
#   make port-NAME | ports         programs from Debian source (ports/NAME)
#   make bench [BENCH="http fs"]   every benchmark (or those), a chart
#                                  each in bench/results/ (bench/lib/bench-all)

APP ?= hello
TARGET ?= baremetal
# Demos live in app/; the programs tests and benchmarks boot live beside
# them, and all are built by the same rules under their own names.
APP_DIRS := app tests/apps bench/apps
APP_PATHS := $(patsubst %/,%,$(wildcard $(addsuffix /*/,$(APP_DIRS))))
APPS := $(notdir $(APP_PATHS))
# hypercall-posix is no image target: it runs components in a process.
TARGETS := $(filter-out posix,$(patsubst hypercall-%,%,$(notdir $(patsubst %/,%,$(wildcard hypercall-*/)))))

OBJ_ROOT := images/obj
include mk/flags.mk
include mk/host.mk
include mk/kiln-run.mk

OBJ := $(OBJ_ROOT)/$(TARGET)
IMAGE := images/$(APP)-$(TARGET)
KERNEL_SRCS := $(wildcard platform/*.c platform/*.S components/*/*.c \
	hypercall-$(TARGET)/*.c hypercall-$(TARGET)/*.S)
APP_DIR := $(filter %/$(APP),$(APP_PATHS))
APP_SRCS := $(wildcard $(APP_DIR)/*.c)
KERNEL_OBJS := $(patsubst %,$(OBJ)/%.o,$(KERNEL_SRCS))
# The components are an archive, so an image takes only the objects its
# program's system calls reach (see scripts/kiln-bake). So are the
# hypercall layer's C files, so the drivers come only with the calls
# that use them (hypercall-baremetal/devices.c); its assembly (notes,
# entry code) and the platform, which every image runs, are linked whole.
COMPONENT_OBJS := $(filter $(OBJ)/components/%,$(KERNEL_OBJS))
COMPONENTS_LIB := $(OBJ)/components.a
HYPERCALL_OBJS := $(filter $(OBJ)/hypercall-$(TARGET)/%.c.o,$(KERNEL_OBJS))
HYPERCALL_LIB := $(OBJ)/hypercall.a
KERNEL_LINK := $(filter-out $(COMPONENT_OBJS) $(HYPERCALL_OBJS),$(KERNEL_OBJS)) \
	$(COMPONENTS_LIB) $(HYPERCALL_LIB)
APP_OBJS := $(patsubst %,$(OBJ_ROOT)/%.o,$(APP_SRCS))
LINK_OBJS := $(KERNEL_OBJS) $(APP_OBJS)
# A change of flags (the stack protector, say) rebuilds every object.
$(LINK_OBJS): mk/flags.mk

.PHONY: all image iso kernel run test test-quick deps clean fuzz-long bench
.DEFAULT_GOAL := all

all: $(KILN_RUN)
	$(Q)for a in $(APPS); do for t in $(TARGETS); do \
		$(MAKE) --no-print-directory APP=$$a TARGET=$$t image \
			$$([ $$t = baremetal ] && echo iso) || exit 1; \
	done; done

image: $(IMAGE).elf
ifeq ($(APP_DIR),)
$(if $(filter image iso run,$(MAKECMDGOALS)),$(error kiln: no application \
	named '$(APP)' in $(APP_DIRS); one of: $(sort $(APPS))))
endif
iso: $(IMAGE).iso

# ROOTFS=dir: pack it (scripts/mkcpio) whenever a file in it changed.
ifneq ($(ROOTFS),)
ROOTFS_CPIO := $(IMAGE).cpio
image: $(ROOTFS_CPIO)
$(ROOTFS_CPIO): $(shell find $(ROOTFS)) scripts/mkcpio
	$(quiet) CPIO $@
	$(Q)mkdir -p $(@D)
	$(Q)scripts/mkcpio $(ROOTFS) $@
endif

$(SYSINC):
	$(Q)mkdir -p $@
	$(Q)for d in xen linux asm-generic; do ln -sfn /usr/include/$$d $@/$$d; done
	$(Q)ln -sfn /usr/include/x86_64-linux-gnu/asm $@/asm

$(OBJ)/%.c.o: %.c | $(SYSINC)
	$(quiet) CC $<
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(OBJ)/%.S.o: %.S | $(SYSINC)
	$(quiet) AS $<
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(APP_OBJS): $(OBJ_ROOT)/%.c.o: %.c | $(SYSINC)
	$(quiet) CC $<
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(APP_CFLAGS) -c $< -o $@

# scripts/kiln-bake links the image, as it does for programs built by
# scripts/kiln-cc (kiln bake): one way to link an image.
$(IMAGE).elf: $(LINK_OBJS) $(COMPONENTS_LIB) $(HYPERCALL_LIB) linker/kernel.ld linker/ksyms.py \
		linker/syscalls.py scripts/kiln-bake
	$(quiet) LD $@
	$(Q)scripts/kiln-bake --objects --target $(TARGET) --name $(APP) \
		--work $(OBJ)/$(APP) --kernel "$(KERNEL_LINK)" -o $@ $(APP_OBJS)

# D: no dates or owners in it, so builds stay reproducible.
$(COMPONENTS_LIB): $(COMPONENT_OBJS)
	$(quiet) AR $@
	$(Q)rm -f $@ && ar rcsD $@ $^

$(HYPERCALL_LIB): $(HYPERCALL_OBJS)
	$(quiet) AR $@
	$(Q)rm -f $@ && ar rcsD $@ $^

# The kernel objects of TARGET and their list, for kiln-bake; written
# every time but replaced only when it changed (a source removed).
kernel: $(OBJ)/kernel.objs
$(OBJ)/kernel.objs: $(KERNEL_OBJS) $(COMPONENTS_LIB) $(HYPERCALL_LIB) FORCE
	$(Q)printf '%s\n' $(KERNEL_LINK) > $@.tmp
	$(Q)cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@

$(IMAGE).iso: $(IMAGE).elf scripts/mkiso $(ROOTFS_CPIO)
	$(quiet) ISO $@
	$(Q)scripts/mkiso $< $@ $(if $(ROOTFS_CPIO),"" $(ROOTFS_CPIO))

# make run: the demo (RUN_DEMO) unless APP=... is given. httpd gets QEMU
# user networking with host port PORT (default 8080; the next free one
# if busy) forwarded to its port 80, and the URL is printed first.
RUN_DEMO := httpd
PORT ?= 8080
RUN_APP := $(if $(filter file,$(origin APP)),$(RUN_DEMO),$(APP))
RUN_PORT_FREE := python3 -c 'import socket, sys; s = socket.socket(); \
	s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); \
	s.bind(("127.0.0.1", int(sys.argv[1])))'

RUN_ROOTFS := $(if $(ROOTFS),--rootfs images/$(RUN_APP)-$(TARGET).cpio)

run: $(KILN_RUN)
	$(Q)$(MAKE) --no-print-directory APP=$(RUN_APP) image
ifeq ($(RUN_APP),httpd)
	$(Q)p='$(PORT)'; case "$$p" in ''|*[!0-9]*) \
		echo "kiln: PORT=$$p is not a TCP port number" >&2; exit 2;; esac; \
	for try in 1 2 3 4 5 6 7 8 9 10; do \
		[ "$$p" -lt 65536 ] && $(RUN_PORT_FREE) "$$p" 2>/dev/null && break; \
		echo "kiln: port $$p is busy, trying $$((p + 1))" >&2; p=$$((p + 1)); \
		[ $$try = 10 ] && { echo "kiln: no free port near $(PORT)" >&2; exit 2; }; \
	done; \
	echo "kiln: httpd at http://127.0.0.1:$$p/ - Ctrl-C quits"; \
	exec scripts/kiln run images/httpd-$(TARGET).elf --mem 32 \
		--net user,hostfwd=tcp:127.0.0.1:$$p-:80 $(RUN_ROOTFS) \
		$(if $(ARGS),-- $(ARGS))
else
	scripts/kiln run images/$(RUN_APP)-$(TARGET).elf $(RUN_ROOTFS) \
		$(if $(ARGS),-- $(ARGS))
endif

deps:
	$(Q)scripts/deps

# Ports: Debian source packages built with scripts/kiln-cc and baked
# (ports/port), images/NAME-TARGET.elf.
PORTS := $(notdir $(patsubst %/,%,$(wildcard ports/*/)))
.PHONY: ports FORCE
ports: $(addprefix port-,$(PORTS))
port-%: FORCE
	$(Q)ports/port $* --target $(TARGET)
FORCE:

test: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/run

test-quick: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/run --quick

# Each benchmark's runs in bench/results/NAME.json and its chart in
# NAME.png; the modes and the time (about 30 min) in bench/lib/bench-all.
bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)bench/lib/bench-all $(BENCH)

# An explicit rule, so fuzz-% (mk/host.mk) does not take it for a fuzzer.
fuzz-long:
	$(Q)for r in tests/fuzz/*/run; do $$r --long; done

clean:
	rm -rf images

-include $(shell find $(OBJ_ROOT) -name '*.d' 2>/dev/null)
