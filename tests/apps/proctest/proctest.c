/*
 * proctest: the files Kiln generates for programs (components/posix/
 * gen_files.c) as a program reads them through musl: /etc/resolv.conf
 * and /etc/hosts (printed whole, for the test to match), getaddrinfo of
 * localhost, /proc/self/exe, /proc/meminfo, /proc/cpuinfo and
 * /proc/self/stat; then, for each NAME argument, getaddrinfo(NAME)'s
 * first IPv4 address as "NAME has address A" (or "NAME: error").
 * Usage: proctest [NAME...]
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *what)
{
    printf("%s: %s\n", ok ? "ok" : "FAIL", what);
    failures += !ok;
}

static void show(const char *path)
{
    char line[256];
    FILE *f = fopen(path, "r");
    printf("--- %s\n", path);
    while (f && fgets(line, sizeof line, f))
        fputs(line, stdout);
    if (f)
        fclose(f);
    printf("---\n");
}

static int file_has(const char *path, const char *text)
{
    char buf[4096];
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = 0;
    return strstr(buf, text) != NULL;
}

static const char *lookup(const char *name, char *out, size_t len)
{
    struct addrinfo hints = {.ai_family = AF_INET}, *res;
    int e = getaddrinfo(name, NULL, &hints, &res);
    if (e)
        return gai_strerror(e);
    inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, out,
              (socklen_t)len);
    freeaddrinfo(res);
    return NULL;
}

static void check_proc(void)
{
    char exe[64] = {0}, a[16];
    long n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    check(n > 0 && !strcmp(exe, "/proctest"),
          "/proc/self/exe links to the program");
    check(file_has("/proc/meminfo", "MemTotal:") &&
              file_has("/proc/meminfo", "MemFree:"),
          "/proc/meminfo has MemTotal and MemFree");
    check(file_has("/proc/cpuinfo", "processor\t: 0\n") &&
              !file_has("/proc/cpuinfo", "processor\t: 1"),
          "/proc/cpuinfo shows one CPU");
    check(file_has("/proc/self/stat", "1 (proctest) R "),
          "/proc/self/stat starts with pid, name and state");
    check(!lookup("localhost", a, sizeof a) && !strcmp(a, "127.0.0.1"),
          "localhost is 127.0.0.1");
}

int main(int argc, char **argv)
{
    show("/etc/resolv.conf");
    show("/etc/hosts");
    check_proc();
    for (int i = 1; i < argc; i++) {
        char a[16];
        const char *err = lookup(argv[i], a, sizeof a);
        if (err)
            printf("%s: %s\n", argv[i], err);
        else
            printf("%s has address %s\n", argv[i], a);
    }
    printf("proctest: %s\n", failures ? "FAILED" : "all checks passed");
    return failures ? 1 : 0;
}
