/*
 * main.c: kiln-run PYTHON SCRIPT ARGS... (as scripts/kiln starts it).
 * Boots the image itself when ARGS are a `kiln run` it reads (see
 * kiln-run.h) and table.h was made from the kiln_cli.py beside SCRIPT;
 * otherwise becomes `PYTHON -S SCRIPT ARGS...`, the whole of kiln.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kiln-run.h"
#include "table.h"

#define MAX_SOURCE (4 << 20) /* kiln_cli.py is about 50 KiB */

void host_error(const char *what)
{
    fprintf(stderr, "kiln: host error: %s: %s\n", what, strerror(errno));
}

/* os.path.join for two parts, NAME relative */
char *path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir);
    int slash = n && dir[n - 1] != '/';
    char *path = malloc(n + slash + strlen(name) + 1);

    sprintf(path, "%s%s%s", dir, slash ? "/" : "", name);
    return path;
}

/* table.py's hash of the source the table came from (FNV-1a, 64) */
static uint64_t fnv1a64(const unsigned char *data, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;

    while (len--)
        h = (h ^ *data++) * 0x100000001b3ULL;
    return h;
}

/* was table.h made from the kiln_cli.py beside SCRIPT? */
static int table_current(const char *script)
{
    const char *slash = strrchr(script, '/');
    char *dir = slash ? strndup(script, slash - script + 1) : strdup("");
    char *source = path_join(dir, "kiln_cli.py");
    static unsigned char text[MAX_SOURCE];
    int fd = open(source, O_RDONLY | O_CLOEXEC);
    ssize_t got, n = 0;

    while (fd >= 0 && (got = read(fd, text + n, sizeof text - n)) > 0)
        n += got;
    free(dir);
    free(source);
    if (fd >= 0)
        close(fd);
    return n > 0 && n < MAX_SOURCE && fnv1a64(text, n) == TABLE_SOURCE_HASH;
}

/* the Python kiln, with ARGV[3...] as they came */
static void python_exec(int argc, char **argv)
{
    char **py = calloc(argc + 1, sizeof *py);

    py[0] = argv[1];
    py[1] = "-S";
    memcpy(py + 2, argv + 2, (argc - 2) * sizeof *py);
    execv(py[0], py);
    host_error(py[0]);
    exit(TABLE_EXIT_NO_STATUS);
}

static int boot(const struct run *run, char **argv, const char *scratch)
{
    int why, code = child_run(argv, run->timeout, &why);
    char *debugcon;

    if (code == CHILD_FAILED)
        return TABLE_EXIT_NO_STATUS;
    if (why == STOP_TIMEOUT) {
        fprintf(stderr, "kiln: timeout after %g s; QEMU stopped\n",
                run->timeout);
        return TABLE_EXIT_TIMEOUT;
    }
    if (why == STOP_SIGNAL)
        return EXIT_INTERRUPTED;
    debugcon = path_join(scratch, "debugcon");
    return status_map(debugcon, code);
}

static int launch(const struct run *run, char *qemu)
{
    char *scratch = scratch_make();
    char **argv;
    int status = 0;

    if (!scratch)
        return TABLE_EXIT_NO_STATUS;
    argv = qemu_argv(run, qemu, scratch);
    if (run->print_qemu)
        qemu_print(argv);
    else
        status = boot(run, argv, scratch);
    fflush(stdout);
    return scratch_remove(scratch) == 0 ? status : TABLE_EXIT_NO_STATUS;
}

int main(int argc, char **argv)
{
    struct run run = {0};
    char *qemu = NULL;

    if (argc < 3) {
        fprintf(stderr, "kiln-run: usage: kiln-run PYTHON SCRIPT ARGS... "
                        "(scripts/kiln starts it)\n");
        return 2;
    }
    if (!table_current(argv[2]) || options_read(&run, argc - 3, argv + 3) ||
        image_check(run.image) || !(qemu = qemu_find()))
        python_exec(argc, argv);
    if (!run.mem)
        run.mem = TABLE_DEFAULT_MEM;
    return launch(&run, qemu);
}
