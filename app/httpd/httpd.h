/*
 * httpd.h: the map of app/httpd, a small HTTP/1.1 server (keep-alive,
 * pipelining, GET and HEAD only) written with plain POSIX sockets and
 * epoll, so the same files build and run on Linux for comparison.
 */
#ifndef HTTPD_H
#define HTTPD_H

#include <stddef.h>
#include <stdint.h>

#define IN_MAX 8192      /* request head and body limit per request */
#define OUT_HIGH 65536   /* stop parsing requests above this backlog */
#define FILE_CHUNK 65536 /* bytes read from a served file at a time */

/* One client connection. Requests are parsed from in; responses are
 * appended to out and sent as one write when possible. */
struct conn {
    int fd;
    int closing;   /* close once out is flushed */
    uint32_t want; /* epoll events registered */
    size_t in_len;
    char *out;
    size_t out_len, out_off, out_cap;
    int file_fd; /* a served file still being sent, or -1 */
    uint64_t file_left;
    char in[IN_MAX];
};

struct stats {
    uint64_t requests, connections, open;
};

/* httpd.c */
extern struct stats stats;
extern const char *doc_root; /* NULL: only the built-in pages */
extern char date_header[64]; /* "Date: ...\r\n", kept current */

/* http.c: parse the requests waiting in c->in and queue responses. */
void http_handle(struct conn *c);

/* out.c: the output buffer and served files */
int out_append(struct conn *c, const void *data, size_t len);
int out_printf(struct conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int out_pending(const struct conn *c); /* bytes or a file left to send */
/* Send what is queued: 0 when all is sent, 1 when the socket is full,
 * -1 on an error (close the connection). */
int out_flush(struct conn *c);
/* The file under doc_root for a request path, opened for reading with
 * its size, or -1 (missing, a directory, or a path escaping the root). */
int file_open(const char *path, size_t len, uint64_t *size);
const char *file_type(const char *path, size_t len);

#endif
