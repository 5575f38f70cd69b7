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
#define OUT_FIRST 4096   /* an output buffer's first size; it doubles */

/* What a connection waits for, which decides its timeout (conns.c). */
enum phase {
    PH_IDLE,    /* the next request on a kept-alive connection */
    PH_REQUEST, /* the first request, or the rest of one begun */
    PH_SEND,    /* the client to take queued output */
    PH_LINGER,  /* the client to close after an error */
};

/* One client connection. Requests are parsed from in; responses are
 * appended to out and sent as one write when possible. Both buffers are
 * taken while they hold bytes and freed when the connection goes idle,
 * so a kept-alive connection waiting for its next request costs this
 * struct alone (ten thousand of them fit in a small guest). */
struct conn {
    int fd;        /* -1 once closed */
    int closing;   /* close once out is flushed */
    int broken;    /* output could not be queued (no memory): close */
    int phase;     /* enum phase */
    unsigned slot; /* index in the connection table */
    uint64_t since, deadline; /* ms: phase armed, and when it expires */
    uint64_t progress, armed; /* requests handled + bytes sent; at arming */
    struct conn *next_dead;   /* closed, waiting to be freed */
    uint32_t want;            /* epoll events registered */
    size_t in_len;
    char *out;
    size_t out_len, out_off, out_cap;
    int file_fd; /* a served file still being sent, or -1 */
    uint64_t file_left;
    char *in; /* IN_MAX bytes, or NULL while in_len is 0 */
};

struct stats {
    uint64_t requests, connections, open;
    uint64_t timeouts, evicted, refused; /* closed by conns.c's limits */
};

/* Seconds, and a count; conns.c reads them from the environment. */
struct limits {
    unsigned request_s, send_s, keepalive_s, max_conns;
};

/* httpd.c */
extern struct stats stats;
extern const char *doc_root; /* NULL: only the built-in pages */
extern char date_header[64]; /* "Date: ...\r\n", kept current */

/* bufs.c: IN_MAX and OUT_FIRST buffers kept for the next request;
 * other sizes come from malloc and go back to free. */
char *buf_take(size_t size);
void buf_give(char *p, size_t size); /* p may be NULL */
void bufs_trim(void);                /* no more spares than open connections */

/* conns.c: the connection table, its timeouts and its cap */
extern struct limits limits;
uint64_t clock_update(void); /* reads the monotonic clock: ms */
uint64_t clock_ms(void);     /* as the last clock_update read it */
int conns_init(void);        /* reads the limits; -1 after saying why */
int conns_room(void);        /* 0, or -1: full of busy connections */
int conns_evict(void);       /* close the oldest idle one; -1: none */
void conns_add(struct conn *c);
void conn_refuse(int fd); /* a 503, then close */
void conn_arm(struct conn *c, int phase);
void conn_close(struct conn *c);
int conns_tick(void); /* expire and free; ms to the next deadline */

/* http.c: parse the requests waiting in c->in and queue responses. */
void http_handle(struct conn *c);

/* out.c: the output buffer and served files */
int out_append(struct conn *c, const void *data, size_t len);
int out_printf(struct conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int out_pending(const struct conn *c); /* bytes or a file left to send */
/* Free what an idle connection need not keep (both buffers, if empty). */
void conn_shed(struct conn *c);
/* Send what is queued: 0 when all is sent, 1 when the socket is full,
 * -1 on an error (close the connection). */
int out_flush(struct conn *c);
/* The file under doc_root for a request path, opened for reading with
 * its size, or -1 (missing, a directory, or a path escaping the root). */
int file_open(const char *path, size_t len, uint64_t *size);
const char *file_type(const char *path, size_t len);

#endif
