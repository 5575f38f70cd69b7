/*
 * virtio-mmio-opt/test.c: host unit test of
 * hypercall-baremetal/virtio_mmio_opt.c, the virtio_mmio.device= boot
 * options: what QEMU microvm and Linux's syntax give (hex, decimal,
 * octal, a K suffix), options among others and none after "--", and
 * malformed values refused whole (no digits, a missing part, a window
 * under 256 bytes, base 0, numbers over 64 bits, trailing junk); then
 * the name the device gets in messages.
 *
 * links: hypercall-baremetal/virtio_mmio_opt.c
 */
#include <string.h>
#include "../../../hypercall-baremetal/virtio.h"
#include "tap.h"

static int parses(const char *s, uint64_t base, unsigned irq)
{
    uint64_t b = 0;
    unsigned i = 0;
    return virtio_mmio_opt_parse(s, &b, &i) == 0 && b == base && i == irq;
}

static int refused(const char *s)
{
    uint64_t b = 7;
    unsigned i = 7;
    return virtio_mmio_opt_parse(s, &b, &i) == -1 && b == 7 && i == 7;
}

static void test_parse(void)
{
    tap_check(parses("512@0xfeb00000:5", 0xfeb00000, 5),
              "QEMU microvm's option", NULL);
    tap_check(parses("4K@0xd0000000:10 console=ttyS0", 0xd0000000, 10) &&
                  parses("4k@0XD0000000:10", 0xd0000000, 10),
              "a K suffix, hex in either case, the next option after", NULL);
    tap_check(parses("0x200@4273995776:011", 0xfec00000, 9),
              "hex size, decimal base, octal irq (C notation)", NULL);
    tap_check(refused("") && refused("512") && refused("512@") &&
                  refused("512@0x:5") && refused("512@0x1000") &&
                  refused("512@0x1000:") && refused("@0x1000:5") &&
                  refused("512x@0x1000:5"),
              "a missing or empty part is refused", NULL);
    tap_check(refused("255@0x1000:5") && refused("512@0:5") &&
                  refused("512@0x1000:5x") && refused("512@0x1000:5,6") &&
                  refused("512@0x1000:0x100000000"),
              "a small window, base 0, trailing junk, a huge irq", NULL);
    tap_check(refused("512@0x10000000000000000:5") &&
                  refused("99999999999999999999@0x1000:5") &&
                  refused("18014398509481984K@0x1000:5"),
              "numbers over 64 bits are refused, not wrapped", NULL);
}

static void test_next(void)
{
    const char *line = "ip=dhcp virtio_mmio.device=512@0x1000:5 "
                       "xvirtio_mmio.device=1 virtio_mmio.device=1K@0x2000:6 "
                       "-- virtio_mmio.device=512@0x3000:7";
    const char *a = virtio_mmio_opt_next(line);
    const char *b = a ? virtio_mmio_opt_next(a) : NULL;
    const char *c = b ? virtio_mmio_opt_next(b) : NULL;
    tap_check(a && !strncmp(a, "512@0x1000:5 ", 13) && b &&
                  !strncmp(b, "1K@0x2000:6 ", 12) && !c,
              "each option word in turn, none inside another word or "
              "after --",
              "%s | %s | %s", a ? a : "-", b ? b : "-", c ? c : "-");
    tap_check(!virtio_mmio_opt_next("") && !virtio_mmio_opt_next("-- x") &&
                  virtio_mmio_opt_next("--x virtio_mmio.device=1"),
              "an empty line, a line of application arguments, a word "
              "that only starts with --",
              NULL);
}

static void test_name(void)
{
    char buf[32], small[16];
    virtio_mmio_opt_name(buf, sizeof buf, 0xfeb00000);
    virtio_mmio_opt_name(small, sizeof small, 0xfeb00000);
    tap_check(!strcmp(buf, "virtio-mmio@0xfeb00000") &&
                  !strcmp(small, "virtio-mmio@0xf"),
              "the name, cut to its buffer", "%s %s", buf, small);
    virtio_mmio_opt_name(buf, sizeof buf, 0xffffffffffffffffull);
    tap_check(!strcmp(buf, "virtio-mmio@0xffffffffffffffff"), "a 64-bit base",
              "%s", buf);
}

int main(void)
{
    test_parse();
    test_next();
    test_name();
    return tap_done();
}
