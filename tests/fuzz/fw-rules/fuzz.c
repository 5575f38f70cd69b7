/*
 * fuzz.c: libFuzzer harness for the router's rules parser
 * (components/net/fw_parse.c, fw_lex.c). Each input is a rules file,
 * copied into a buffer of exactly its size (no NUL after it) so
 * AddressSanitizer sees any read past it. A refusal must be one line
 * starting "line N: " with N within the file; an accepted rule set is
 * then run against a few packets on every hook. A crash, a sanitizer
 * report, a hang or a bad refusal is a bug.
 *
 * components: net
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fw.h"

static struct fw_ruleset rs;

static void eval_some(void)
{
    const struct fw_rule *r;
    for (int hook = 0; hook < FW_HOOKS; hook++)
        for (int i = 0; i < 4; i++) {
            struct fw_pkt p = {.hook = (uint8_t)hook,
                               .family = i & 2 ? FW_FAM_IP6 : FW_FAM_IP,
                               .src6.s6_addr = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                                0, 0, 0, 0, 0, (uint8_t)i},
                               .iif = (uint8_t)(i & 3),
                               .oif = (uint8_t)((i + 1) & 3),
                               .proto = i & 1 ? 6 : 17,
                               .ct = (uint8_t)(1 << i),
                               .has_ports = i != 3,
                               .icmp_type = -1,
                               .src = 0x0100000au * (uint32_t)i,
                               .dst = 0x0201a8c0u,
                               .sport = (uint16_t)(1000 * i),
                               .dport = (uint16_t)(80 + i),
                               .len = 60};
            fw_eval(&rs, &p, &r);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[160];
    char *text = malloc(size ? size : 1);
    memcpy(text, data, size);
    unsigned lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    if (fw_parse(text, size, &rs, err, sizeof err) == 0) {
        eval_some();
    } else {
        unsigned n = 0;
        if (sscanf(err, "line %u: ", &n) != 1 || !n || n > lines ||
            strchr(err, '\n')) {
            fprintf(stderr, "bad refusal: '%s' (%u lines)\n", err, lines);
            abort();
        }
    }
    free(text);
    return 0;
}
