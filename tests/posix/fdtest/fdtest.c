/*
 * fdtest.c: tests/apps/fdtest, the guest program of tests/boot/fdtest,
 * as a host program: its sources (mk/host.mk's app line) call
 * components/posix through route.h, with ASan and UBSan watching, and
 * its threads are cooperative threads as in an image. Descriptors 0-2
 * are the console already (fdtable.c); / is mounted as posix_main
 * would, empty, since fdtest's unlinks of its socket paths reach the VFS.
 *
 * components: fs posix net
 * app: fdtest
 */
#include <stdio.h>
#include "host.h"
#include "hypercall.h"
#include "posix.h"

int app_main(int argc, char **argv);

/* start.c's posix_main is the image's entry and never runs here, but it
 * is linked with the rest of components/posix: these stand in for what
 * the image's link step supplies (linker/appname.c and the script). */
const char kiln_app_name[] = "fdtest";
char _tdata_start[1], _tdata_end[1], _tbss_end[1], _tls_align[1];

int host_main(int argc, char **argv)
{
    static struct cmdline cmd;
    setvbuf(stdout, NULL, _IOLBF, 0); /* in order with the console's lines */
    cmdline_parse(hc_cmdline(), &cmd);
    file_mount_all(&cmd); /* an empty root, as an image without archive */
    return app_main(argc, argv);
}
