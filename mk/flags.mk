# flags.mk: compiler settings shared by every image (the link's are in
# scripts/kiln-bake), plus the quiet one-line recipe echoes (V=1 prints
# full commands).

CC := gcc
LD := ld
MUSL_INC := /usr/include/x86_64-linux-musl
MUSL_LIB := /usr/lib/x86_64-linux-musl
GCC_INC := $(shell $(CC) -print-file-name=include)
SYSINC := $(OBJ_ROOT)/sysinc

ifeq ($(V),1)
Q :=
quiet = @true
else
Q := @
quiet = @printf '  %-7s %s\n'
endif

WARN := -Wall -Wextra -Wno-unused-parameter
ifneq ($(filter true 1,$(CI) $(WERROR)),)
WARN += -Werror
endif

# musl's headers only: the image links musl's libc.a, never glibc. Xen and
# Linux ABI headers come from Debian's libxen-dev and linux-libc-dev
# through $(SYSINC), which links just those directories.
# -fstack-protector-strong: the canary at %fs:0x28 is set at boot and
# kept in every thread block by platform/tls.c (Debian's musl is built
# with it as well), and a smashed one ends in a PANIC.
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -Os -g $(WARN) \
	-nostdinc -isystem $(MUSL_INC) -isystem $(GCC_INC) -isystem $(SYSINC) \
	-fno-pic -fno-pie -fstack-protector-strong -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables -ffunction-sections -fdata-sections \
	-ffile-prefix-map=$(CURDIR)=. -MMD -MP

# Kernel code also takes interrupts on its stacks, so no red zone.
KERNEL_CFLAGS := $(BASE_CFLAGS) -mno-red-zone -Iinclude
# Apps use libc; test apps (tests/apps/nettest) may also use hypercall.h.
APP_CFLAGS := $(BASE_CFLAGS) -Iinclude
