/*
 * out.c: a connection's output (a growing buffer sent with one send()
 * when the socket takes it all) and the files served from doc_root.
 * A file is sent in FILE_CHUNK pieces as the socket drains, so a large
 * file never sits in memory whole. Paths are checked segment by segment
 * so that no request reaches outside doc_root ("..", percent-encoded
 * or not, is refused).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem, accept4: Linux has them too */
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "httpd.h"

#define PATH_MAX_LEN 1024

static int out_reserve(struct conn *c, size_t more)
{
    if (c->out_off && c->out_off == c->out_len)
        c->out_off = c->out_len = 0;
    if (c->out_len + more <= c->out_cap)
        return 0;
    size_t cap = c->out_cap ? c->out_cap : OUT_FIRST;
    while (cap < c->out_len + more)
        cap *= 2;
    char *p = c->out ? realloc(c->out, cap) : buf_take(cap);
    if (!p)
        return -1;
    c->out = p, c->out_cap = cap;
    return 0;
}

/* A response that cannot be queued whole would be a corrupt one: the
 * connection is marked broken and closed instead. */
int out_append(struct conn *c, const void *data, size_t len)
{
    if (out_reserve(c, len) < 0) {
        c->broken = 1;
        return -1;
    }
    memcpy(c->out + c->out_len, data, len);
    c->out_len += len;
    return 0;
}

int out_printf(struct conn *c, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof buf) {
        c->broken = 1;
        return -1;
    }
    return out_append(c, buf, (size_t)n);
}

int out_pending(const struct conn *c)
{
    return c->out_len > c->out_off || c->file_fd >= 0;
}

/* Move the next piece of the file being served into the buffer. */
static int out_refill(struct conn *c)
{
    size_t want = c->file_left < FILE_CHUNK ? c->file_left : FILE_CHUNK;
    if (want && out_reserve(c, want) < 0)
        return -1;
    ssize_t n = want ? read(c->file_fd, c->out + c->out_len, want) : 0;
    if (n < 0 || (n == 0 && want))
        return -1; /* the file shrank: the promised length cannot be met */
    c->out_len += (size_t)n;
    c->file_left -= (uint64_t)n;
    if (!c->file_left) {
        close(c->file_fd);
        c->file_fd = -1;
    }
    return 0;
}

void conn_shed(struct conn *c)
{
    if (!c->in_len) {
        buf_give(c->in, IN_MAX);
        c->in = NULL;
    }
    if (!out_pending(c)) {
        buf_give(c->out, c->out_cap);
        c->out = NULL;
        c->out_cap = c->out_len = c->out_off = 0;
    }
}

int out_flush(struct conn *c)
{
    for (;;) {
        if (c->out_off == c->out_len && c->file_fd >= 0 && out_refill(c) < 0)
            return -1;
        if (c->out_off == c->out_len)
            return 0;
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
                         MSG_NOSIGNAL);
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK ? 1 : -1;
        c->out_off += (size_t)n;
        c->progress += (uint64_t)n;
        if (c->out_off < c->out_len)
            return 1; /* the socket took part: it is full */
    }
}

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch |= 0x20;
    return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* Percent-decode path into out (NUL-terminated); -1 if malformed. */
static int decode_path(const char *path, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int ch = (unsigned char)path[i];
        if (ch == '%') {
            int hi = i + 2 < len ? hexval(path[i + 1]) : -1;
            int lo = i + 2 < len ? hexval(path[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return -1;
            ch = hi << 4 | lo;
            i += 2;
        }
        if (ch == 0 || o + 1 >= cap)
            return -1;
        out[o++] = (char)ch;
    }
    out[o] = '\0';
    return 0;
}

/* No segment may be "." or ".." (nor hidden files, which holds both). */
static int path_is_safe(const char *p)
{
    for (const char *s = p; (s = strchr(s, '/')); s++)
        if (s[1] == '.')
            return 0;
    return p[0] == '/';
}

int file_open(const char *path, size_t len, uint64_t *size)
{
    char rel[PATH_MAX_LEN], full[PATH_MAX_LEN + 256];
    if (decode_path(path, len, rel, sizeof rel) < 0 || !path_is_safe(rel))
        return -1;
    int n = snprintf(full, sizeof full, "%s%s%s", doc_root, rel,
                     rel[strlen(rel) - 1] == '/' ? "index.html" : "");
    if (n < 0 || (size_t)n >= sizeof full)
        return -1;
    int fd = open(full, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -1;
    }
    *size = (uint64_t)st.st_size;
    return fd;
}

const char *file_type(const char *path, size_t len)
{
    static const char *const types[][2] = {
        {".html", "text/html"},     {".htm", "text/html"},
        {".txt", "text/plain"},     {".css", "text/css"},
        {".js", "text/javascript"}, {".json", "application/json"},
        {".png", "image/png"},      {".jpg", "image/jpeg"},
        {".svg", "image/svg+xml"},
    };
    if (len && path[len - 1] == '/')
        return "text/html";
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        size_t el = strlen(types[i][0]);
        if (len >= el && !memcmp(path + len - el, types[i][0], el))
            return types[i][1];
    }
    return "application/octet-stream";
}
