/*
 * exec: run an unmodified static Linux executable from the boot archive
 * as this image's program, the way Linux's execve would start it.
 *
 *   exec=/bin/busybox -- echo hi        (boot option: path, then argv[1..])
 *   -- /bin/busybox echo hi             (the first argument is the path)
 *   -- echo hi                          (baked as NAME: /bin/NAME)
 *
 * The program gets the path as argv[0], the boot options' environment
 * less exec=, and Linux's initial stack (stack.c). Its own `syscall`
 * instructions land in components/posix, as musl's do for baked
 * programs; it sets its own thread pointer (arch_prctl) and runs its
 * own constructors. Exit status 127: no such file; 126: not a static
 * x86_64 executable, with one line saying why.
 * Limits: one program; a fork runs the child in its memory while the
 * parent waits (components/posix/sys_vfork.c); execve fails.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "exec.h"

#define HEAD_BYTES 4096
#define LOADER_NAME "exec" /* argv[0] unless kiln bake --exec renamed us */

extern char **environ;

/* The program this loads makes calls no link can see: kiln bake takes
 * every system-call handler when an image defines this. */
const char kiln_every_syscall[] = "the loaded program's calls";

/* /proc/self/exe names the program, not the loader (gen_files.c). */
const char *kiln_exe_path;

/* Programs that fork (busybox httpd, per connection) get vfork's
 * semantics from components/posix (sys_vfork.c). */
const int kiln_fork_by_vfork = 1;

/* The environment the program sees: the boot options but exec=. */
static char **program_env(void)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 1, sizeof *env);
    size_t k = 0;
    for (size_t i = 0; env && i < n; i++)
        if (strncmp(environ[i], "exec=", 5))
            env[k++] = environ[i];
    return env;
}

/* The headers of path checked; the open file, or -1 (status in *st). */
static int open_checked(const char *path, struct elf_image *im, int *st)
{
    static unsigned char head[HEAD_BYTES];
    struct stat sb;
    int fd = open(path, O_RDONLY);
    if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
        fprintf(stderr, "exec: %s: no such file in the boot archive\n", path);
        *st = 127;
        return -1;
    }
    ssize_t n = pread(fd, head, sizeof head, 0);
    if (elf_parse(head, n < 0 ? 0 : (size_t)n, (uint64_t)sb.st_size, im) < 0) {
        fprintf(stderr, "exec: %s: %s\n", path, im->why);
        *st = 126;
        close(fd);
        return -1;
    }
    return fd;
}

/* The registers a new Linux process starts with that libc reads: %rsp at
 * argc, %rdx 0 (no function for atexit from a dynamic linker). */
static _Noreturn void jump(uintptr_t entry, uintptr_t sp)
{
    __asm__ volatile("mov %0, %%rsp\n\t"
                     "xor %%ebp, %%ebp\n\t"
                     "xor %%edx, %%edx\n\t"
                     "jmp *%1"
                     :
                     : "r"(sp), "r"(entry)
                     : "rdx", "memory");
    __builtin_unreachable();
}

int main(int argc, char **argv)
{
    static char baked[PATH_MAX];
    const char *path = getenv("exec");
    char **args = argv;
    if (!path && strcmp(argv[0], LOADER_NAME)) {
        snprintf(baked, sizeof baked, "/bin/%s", argv[0]); /* kiln bake */
        path = baked;
    } else if (!path) {
        if (argc < 2) {
            fprintf(stderr, "exec: name the program: exec=/bin/PROGRAM or "
                            "-- /bin/PROGRAM ARGS\n");
            return 2;
        }
        path = argv[1];
        args++, argc--;
    }
    args[0] = (char *)path;
    kiln_exe_path = path;
    static struct elf_image im;
    int status;
    int fd = open_checked(path, &im, &status);
    if (fd < 0)
        return status;
    long base = load_segments(fd, path, &im);
    close(fd);
    if (base < 0)
        return 126;
    struct exec_start s = {argc, args,           program_env(),
                           path, (uint64_t)base, &im};
    uintptr_t sp = s.envp ? stack_build(&s) : 0;
    if (!sp) {
        fprintf(stderr, "exec: %s: no memory for its stack\n", path);
        return 126;
    }
    fflush(NULL);
    jump(base + im.entry, sp);
}
