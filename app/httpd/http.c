/*
 * http.c: HTTP/1.1 request parsing and the responses (RFC 9110, 9112).
 * Requests are handled in order as they sit in the connection's input
 * buffer, so pipelined requests get their responses in one write.
 * Limits: GET and HEAD only (405 otherwise, then close); a request head
 * and body must fit IN_MAX bytes (431 / 413); no chunked request bodies
 * (501); HTTP/1.1 requests must name a Host (400), as RFC 9112 says.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem, accept4: Linux has them too */
#endif
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/sysinfo.h>
#include <unistd.h>
#include "httpd.h"

struct request {
    const char *method, *target;
    size_t method_len, target_len;
    int minor;      /* HTTP/1.minor */
    int keep_alive; /* after the Connection header */
    int has_host, chunked;
    long body_len; /* Content-Length, -1 when absent */
};

static const char home_page[] =
    "<!DOCTYPE html>\n<html><head><title>Kiln</title></head>\n"
    "<body><h1>Hello from Kiln</h1>\n"
    "<p>This page is served by a unikernel: one C program, musl, and "
    "Kiln's own TCP/IP stack.</p>\n"
    "<p><a href=\"/stats\">Server statistics</a></p>\n</body></html>\n";

static int is_tchar(int c)
{
    return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Case-insensitive search for token tok in a comma-separated list. */
static int has_token(const char *v, size_t n, const char *tok)
{
    size_t tl = strlen(tok);
    for (size_t i = 0; i < n;) {
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t s = i;
        while (i < n && v[i] != ',' && v[i] != ' ' && v[i] != '\t')
            i++;
        if (i - s == tl && !strncasecmp(v + s, tok, tl))
            return 1;
    }
    return 0;
}

/* Content-Length: digits only; a repeat must agree. -1 when invalid. */
static long parse_length(const char *v, size_t n, long prev)
{
    long len = 0;
    if (n == 0 || n > 12)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)v[i]))
            return -1;
        len = len * 10 + (v[i] - '0');
    }
    return prev >= 0 && prev != len ? -1 : len;
}

static int parse_header(struct request *r, const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && is_tchar((unsigned char)p[i]))
        i++;
    if (i == 0 || i == n || p[i] != ':')
        return -1; /* also rejects whitespace before the colon */
    const char *name = p;
    size_t nlen = i++;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    const char *v = p + i;
    size_t vlen = n - i;
    while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
        vlen--;
    for (size_t k = 0; k < vlen; k++)
        if ((unsigned char)v[k] < 0x20 && v[k] != '\t')
            return -1;
    if (nlen == 4 && !strncasecmp(name, "host", 4))
        r->has_host = 1;
    else if (nlen == 10 && !strncasecmp(name, "connection", 10)) {
        if (has_token(v, vlen, "close"))
            r->keep_alive = 0;
        else if (has_token(v, vlen, "keep-alive"))
            r->keep_alive = 1;
    } else if (nlen == 14 && !strncasecmp(name, "content-length", 14)) {
        if ((r->body_len = parse_length(v, vlen, r->body_len)) < 0)
            return -1;
    } else if (nlen == 17 && !strncasecmp(name, "transfer-encoding", 17))
        r->chunked = 1;
    return 0;
}

/* "METHOD SP target SP HTTP/1.x"; returns -1 if malformed, -2 for
 * another HTTP version. */
static int parse_request_line(struct request *r, const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && is_tchar((unsigned char)p[i]))
        i++;
    if (i == 0 || i == n || p[i] != ' ')
        return -1;
    r->method = p, r->method_len = i++;
    r->target = p + i;
    while (i < n && (unsigned char)p[i] > ' ' && p[i] != 0x7f)
        i++;
    r->target_len = (size_t)(p + i - r->target);
    if (r->target_len == 0 || i == n || p[i] != ' ')
        return -1;
    const char *v = p + i + 1;
    if (n - i - 1 != 8 || strncmp(v, "HTTP/", 5) ||
        !isdigit((unsigned char)v[5]) || v[6] != '.' ||
        !isdigit((unsigned char)v[7]))
        return -1;
    if (v[5] != '1')
        return -2;
    r->minor = v[7] - '0';
    r->keep_alive = r->minor >= 1;
    return 0;
}

/* Parse the head of len bytes (ending in the blank line). */
static int parse_head(struct request *r, const char *p, size_t len)
{
    *r = (struct request){.body_len = -1};
    const char *end = p + len - 2, *eol = memchr(p, '\r', len);
    if (!eol || eol[1] != '\n')
        return -1;
    int e = parse_request_line(r, p, (size_t)(eol - p));
    if (e)
        return e;
    for (p = eol + 2; p < end; p = eol + 2) {
        eol = memchr(p, '\r', (size_t)(end - p) + 1);
        if (!eol || eol[1] != '\n' || p[0] == ' ' || p[0] == '\t')
            return -1; /* bare CR, or obsolete line folding */
        if (parse_header(r, p, (size_t)(eol - p)) < 0)
            return -1;
    }
    if (r->minor >= 1 && !r->has_host)
        return -1;
    return 0;
}

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Content Too Large";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 505: return "HTTP Version Not Supported";
    default: return "Internal Server Error";
    }
}

static void put_head(struct conn *c, int status, const char *type, uint64_t len,
                     int keep_alive, int minor)
{
    out_printf(c,
               "HTTP/1.1 %d %s\r\nServer: kiln-httpd\r\n%s"
               "Content-Type: %s\r\nContent-Length: %llu\r\n%s%s\r\n",
               status, reason(status), date_header, type,
               (unsigned long long)len,
               keep_alive ? (minor ? "" : "Connection: keep-alive\r\n")
                          : "Connection: close\r\n",
               status == 405 ? "Allow: GET, HEAD\r\n" : "");
    if (!keep_alive)
        c->closing = 1;
}

/* A response with a body from memory (none for HEAD). */
static void respond(struct conn *c, const struct request *r, int status,
                    const char *type, const char *body, size_t len)
{
    int head = r && r->method_len == 4 && !memcmp(r->method, "HEAD", 4);
    /* after an error the rest of the stream cannot be trusted: close */
    int keep = r && r->keep_alive && (status < 400 || status == 404);
    put_head(c, status, type, len, keep, r ? r->minor : 1);
    if (!head)
        out_append(c, body, len);
}

static void respond_error(struct conn *c, const struct request *r, int status)
{
    char body[64];
    int n = snprintf(body, sizeof body, "%d %s\n", status, reason(status));
    respond(c, r, status, "text/plain", body, (size_t)n);
}

/* Memory in 4 KiB pages, as sysinfo reports it (Kiln's comes from the
 * page allocator), so load tests can see that it comes back. */
static void mem_pages(unsigned long long *total, unsigned long long *free)
{
    struct sysinfo si;
    *total = *free = 0;
    if (sysinfo(&si) < 0)
        return;
    *total = (unsigned long long)si.totalram * si.mem_unit / 4096;
    *free = (unsigned long long)si.freeram * si.mem_unit / 4096;
}

static void respond_stats(struct conn *c, const struct request *r)
{
    char body[512];
    unsigned long long total, free;
    mem_pages(&total, &free);
    int n = snprintf(
        body, sizeof body,
        "requests %llu\nconnections %llu\nopen %llu\n"
        "timeouts %llu\nevicted %llu\nrefused %llu\n"
        "total_pages %llu\nfree_pages %llu\n",
        (unsigned long long)stats.requests,
        (unsigned long long)stats.connections, (unsigned long long)stats.open,
        (unsigned long long)stats.timeouts, (unsigned long long)stats.evicted,
        (unsigned long long)stats.refused, total, free);
    respond(c, r, 200, "text/plain", body, (size_t)n);
}

static void respond_file(struct conn *c, const struct request *r,
                         const char *path, size_t len)
{
    uint64_t size;
    int fd = file_open(path, len, &size);
    if (fd < 0) {
        respond(c, r, 404, "text/plain", "404 Not Found\n", 14);
        return;
    }
    put_head(c, 200, file_type(path, len), size, r->keep_alive, r->minor);
    if (r->method_len == 4 && !memcmp(r->method, "HEAD", 4)) {
        close(fd);
        return;
    }
    c->file_fd = fd;
    c->file_left = size;
}

static void route(struct conn *c, const struct request *r)
{
    const char *path = r->target;
    size_t len = r->target_len;
    if (len > 7 && !strncasecmp(path, "http://", 7)) { /* absolute form */
        const char *slash = memchr(path + 7, '/', len - 7);
        len = slash ? len - (size_t)(slash - path) : 1;
        path = slash ? slash : "/";
    }
    const char *q = memchr(path, '?', len);
    if (q)
        len = (size_t)(q - path);
    if (len == 1 && path[0] == '/')
        respond(c, r, 200, "text/html", home_page, sizeof home_page - 1);
    else if (len == 6 && !memcmp(path, "/stats", 6))
        respond_stats(c, r);
    else if (doc_root && path[0] == '/')
        respond_file(c, r, path, len);
    else
        respond(c, r, 404, "text/plain", "404 Not Found\n", 14);
}

/* Handle the request at p (left bytes buffered) whose head is hlen
 * bytes; returns the bytes it used, or 0 if its body is still coming. */
static size_t handle_one(struct conn *c, const char *p, size_t left,
                         size_t hlen)
{
    struct request r;
    int e = parse_head(&r, p, hlen);
    stats.requests++;
    if (e == -1) {
        respond_error(c, NULL, 400);
        return hlen;
    }
    if (e == -2) {
        respond_error(c, NULL, 505);
        return hlen;
    }
    int get = r.method_len == 3 && !memcmp(r.method, "GET", 3);
    int head = r.method_len == 4 && !memcmp(r.method, "HEAD", 4);
    if (!get && !head)
        respond_error(c, &r, 405);
    else if (r.chunked)
        respond_error(c, &r, 501);
    else if (r.body_len > (long)(IN_MAX - hlen))
        respond_error(c, &r, 413);
    else if (r.body_len > 0 && left < hlen + (size_t)r.body_len) {
        stats.requests--;
        return 0; /* wait for the rest of the body */
    } else {
        route(c, &r);
        return hlen + (size_t)(r.body_len > 0 ? r.body_len : 0);
    }
    return hlen;
}

void http_handle(struct conn *c)
{
    size_t done = 0;
    while (!c->closing && !c->broken && c->file_fd < 0 &&
           c->out_len - c->out_off < OUT_HIGH && done < c->in_len) {
        const char *p = c->in + done;
        size_t left = c->in_len - done;
        const char *end = memmem(p, left, "\r\n\r\n", 4);
        if (!end) {
            if (left == IN_MAX) { /* a head that can never fit */
                respond_error(c, NULL, 431);
                c->closing = 1;
            }
            break;
        }
        size_t used = handle_one(c, p, left, (size_t)(end - p) + 4);
        if (!used)
            break;
        done += used;
        c->progress++;
    }
    if (done) /* c->in may be NULL when nothing came */
        memmove(c->in, c->in + done, c->in_len - done);
    c->in_len -= done;
}
