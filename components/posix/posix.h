/*
 * posix.h: the map of components/posix, the Linux system-call
 * personality that musl's libc.a calls into. Each sys_*.c file groups
 * related calls; syscall.c's table routes numbers to them. A handler
 * takes the call's arguments as longs, as many as it uses, and is
 * named sys_ and the Linux call it implements.
 */
#ifndef KILN_POSIX_H
#define KILN_POSIX_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "hypercall.h"

#define CMDLINE_MAX 2048
#define CMDLINE_MAX_ARGS 64

/* cmdline.c: kernel command line, pure code (host unit tested) */
struct cmdline {
    char buf[CMDLINE_MAX];
    char *opt[CMDLINE_MAX_ARGS]; /* boot options before "--" */
    unsigned nopt;
    char *arg[CMDLINE_MAX_ARGS]; /* application arguments after "--" */
    unsigned narg;
};
int cmdline_parse(const char *line, struct cmdline *out);
const char *cmdline_value(const struct cmdline *c, const char *key);

/* sys_file.c: open goes to /dev/vdX or the VFS */
long sys_open(long path, long flags, long mode);
long sys_openat(long dirfd, long path, long flags, long mode);

/* fdtable.c */
long sys_close(long fd);
long sys_dup(long fd);
long sys_dup2(long oldfd, long newfd);
long sys_dup3(long oldfd, long newfd, long flags);
long sys_fcntl(long fd, long cmd, long arg);

/* sys_io.c */
long sys_read(long fd, long buf, long len);
long sys_write(long fd, long buf, long len);
long sys_readv(long fd, long iov, long cnt);
long sys_writev(long fd, long iov, long cnt);
long sys_ioctl(long fd, long req, long arg);
long sys_pread(long fd, long buf, long len, long off);
long sys_pwrite(long fd, long buf, long len, long off);
long sys_sendfile(long out, long in, long offset, long count);
long sys_lseek(long fd, long off, long whence);
long sys_fsync(long fd);
long sys_fstat(long fd, long buf);

/* file_mount.c: the filesystems around the program (none unless linked) */
void file_mount_all(const struct cmdline *c);
void file_unmount_all(void);

/* sys_file.c: files of components/fs (vfs.h) as open files */
struct vnode;
struct file;
struct statfs;
struct vnode *file_vnode(struct file *f); /* NULL: not a VFS file */
/* The base directory for path relative to dirfd (NULL: cwd or absolute). */
int file_base(long dirfd, const char *path, struct vnode **base);
long file_statfs(struct vnode *v, struct statfs *st);
long sys_creat(long path, long mode);
long sys_sync(void);
long sys_syncfs(long fd);
long sys_getdents64(long fd, long buf, long len);
long sys_ftruncate(long fd, long len);
long sys_fchdir(long fd);
long sys_fchmod(long fd, long mode);
long sys_fchown(long fd, long uid, long gid);
long sys_fstatfs(long fd, long buf);

/* sys_path.c */
long sys_newfstatat(long dirfd, long path, long buf, long flags);
long sys_stat(long path, long buf);
long sys_lstat(long path, long buf);
long sys_statx(long dirfd, long path, long flags, long mask, long buf);
long sys_mkdirat(long dirfd, long path, long mode);
long sys_mkdir(long path, long mode);
long sys_unlinkat(long dirfd, long path, long flags);
long sys_unlink(long path);
long sys_rmdir(long path);
long sys_renameat2(long odirfd, long opath, long ndirfd, long npath,
                   long flags);
long sys_rename(long opath, long npath);
long sys_renameat(long odirfd, long opath, long ndirfd, long npath);
long sys_symlinkat(long target, long dirfd, long path);
long sys_symlink(long target, long path);
long sys_linkat(long odirfd, long opath, long ndirfd, long npath, long flags);
long sys_link(long opath, long npath);
long sys_readlinkat(long dirfd, long path, long buf, long len);
long sys_readlink(long path, long buf, long len);
long sys_truncate(long path, long len);
long sys_faccessat2(long dirfd, long path, long mode, long flags);
long sys_faccessat(long dirfd, long path, long mode);
long sys_access(long path, long mode);
long sys_utimensat(long dirfd, long path, long times, long flags);
long sys_fchmodat(long dirfd, long path, long mode);
long sys_chmod(long path, long mode);
long sys_fchownat(long dirfd, long path, long uid, long gid, long flags);
long sys_chown(long path, long uid, long gid);
long sys_lchown(long path, long uid, long gid);
long sys_chdir(long path);
long sys_getcwd(long buf, long len);
long sys_statfs(long path, long buf);

/* sys_mem.c */
long sys_brk(long addr);
long sys_mmap(long addr, long len, long prot, long flags, long fd, long off);
long sys_munmap(long addr, long len);
long sys_mprotect(long addr, long len, long prot);
long sys_mremap(long old, long oldlen, long newlen, long flags);
long sys_madvise(long addr, long len, long advice);

/* sys_mmap_file.c: mappings of files, as copies in sys_mem.c's pages */
long mmap_file(long len, long prot, long flags, long fd, long off);
void mmap_file_unmap(long addr, long len); /* shared: write back first */
void mmap_file_moved(long from, long to, long newlen);
int mmap_file_overlaps(long addr, long len);
void mmap_file_sync_all(void); /* at exit */
long sys_msync(long addr, long len, long flags);

/* sys_time.c */
struct timespec;
uint64_t timespec_ns(const struct timespec *t); /* saturates at UINT64_MAX */
uint64_t add_ns(uint64_t a, uint64_t b);        /* saturating */
long sys_clock_gettime(long clk, long ts);
long sys_clock_getres(long clk, long ts);
long sys_clock_nanosleep(long clk, long flags, long req, long rem);
long sys_nanosleep(long req, long rem);

/* sys_thread.c */
long sys_clone(long flags, long sp, long ptid, long ctid, long tls,
               struct hc_syscall_frame *frame);
long sys_futex(long uaddr, long op, long val, long timeout, long uaddr2,
               long val3);
long sys_set_tid_address(long ptr);
long sys_exit(long status);
long sys_exit_group(long status);
long sys_arch_prctl(long code, long addr);
long sys_gettid(void);
long sys_sched_yield(void);

/* sys_vfork.c: fork for a program that asks for it (app/exec). Weak:
 * linked with the fork and vfork calls, or a clone without CLONE_THREAD
 * (syscall.c's SYSCALL_ARG_NEEDS); a program that makes none has no
 * child to wait for or to end. */
#pragma weak vfork_start
#pragma weak vfork_child_exit
#pragma weak vfork_wait
long vfork_start(struct hc_syscall_frame *frame);
int vfork_child_exit(long status); /* returns only when not in a child */
long vfork_wait(long pid, long status, long options);
long sys_fork_frame(long a, long b, long c, long d, long e,
                    struct hc_syscall_frame *frame);
long sys_vfork_frame(long a, long b, long c, long d, long e,
                     struct hc_syscall_frame *frame);
/* sys_thread.c: what clone keeps of a thread, for sys_vfork.c's child */
uintptr_t thread_tls(hc_tid t);
void thread_started(hc_tid t, uintptr_t tls);
/* fdtable.c: the child's own copy of the descriptor table */
void fds_fork(void);
void fds_unfork(void);
/* sys_mem.c: fork's copy of the program's memory */
struct mem_copy {
    uintptr_t base;
    size_t pages;
    void *copy;
};
size_t mem_copies_max(void);
int mem_save(struct mem_copy *c, size_t max, size_t *n);
void mem_restore(const struct mem_copy *c, size_t n, int write);

/* sys_compat.c: calls of programs built for Linux that musl never makes */
long sys_set_robust_list(long head, long len);
long sys_rseq(long rseq, long len, long flags, long sig);
long sys_clone3(long args, long size);
long sys_time(long tloc);

/* sys_prctl.c */
long sys_prctl(long option, long a2, long a3, long a4, long a5);
void prctl_thread_start(hc_tid t); /* clone: the creator's name */

/* The program's name: kiln bake writes it into each image. */
extern const char kiln_app_name[];

/* sys_misc.c */
long sys_uname(long buf);
long sys_getrandom(long buf, long len, long flags);
long sys_sysinfo(long buf);
long sys_getpid(void);
long sys_getppid(void);
long sys_getuid(void); /* also geteuid, getgid and getegid */

/* sys_signal.c: a handler returning -ERESTARTSYS (Linux's internal
 * number, never seen by programs) is restarted after a SA_RESTART
 * handler and returns -EINTR otherwise; a plain -EINTR never restarts. */
#define ERESTARTSYS 512
int signal_pending_here(void);      /* a blocked call should return now */
void signal_thread_start(hc_tid t); /* clone: inherit the caller's mask */
void signal_sigpipe(long nr, const long a[6], long result);
long signal_wait_mask(long set, long size); /* ppoll's, pselect6's mask */
long signal_deliver(long nr, long result, struct hc_syscall_frame *frame);
long sys_rt_sigaction(long sig, long act, long old, long size);
long sys_rt_sigprocmask(long how, long set, long old, long size);
long sys_rt_sigpending(long set, long size);
long sys_rt_sigsuspend(long set, long size);
long sys_rt_sigtimedwait(long set, long info, long timeout, long size);
long sys_rt_sigreturn(long a0, long a1, long a2, long a3, long a4,
                      struct hc_syscall_frame *frame);
long sys_sigaltstack(long ss, long old);
long sys_kill(long pid, long sig);
long sys_tkill(long tid, long sig);
long sys_tgkill(long tgid, long tid, long sig);
long sys_pause(void);
long sys_alarm(long seconds);
long sys_setitimer(long which, long nv, long old);
long sys_getitimer(long which, long cur);

/* gen_files.c: /etc/resolv.conf, /etc/hosts, /proc/... when the VFS
 * has no file of that name; -ENOENT for any other path. */
long gen_open(const char *path, long flags);
long gen_readlink(const char *path, char *buf, size_t len);

/* sys_proc.c: a handler returning -ENOSYS_EXPLAINED has logged why;
 * the dispatcher returns -ENOSYS without its own line. */
#define ENOSYS_EXPLAINED 513
mode_t proc_create_mode(long mode); /* mode & ~umask */
long proc_clone_process(void);      /* clone without CLONE_THREAD */
long sys_umask(long mask);
long sys_prlimit64(long pid, long res, long nv, long old);
long sys_getrlimit(long res, long old);
long sys_setrlimit(long res, long nv);
long sys_sched_getaffinity(long pid, long len, long mask);
long sys_sched_setaffinity(long pid, long len, long mask);
long sys_fork(void);
long sys_vfork(void);
long sys_execve(long path, long argv, long envp);
long sys_execveat(long dirfd, long path, long argv, long envp, long flags);
long sys_wait4(long pid, long status, long options, long ru);
long sys_waitid(long type, long id, long info, long options, long ru);

/* sys_socket.c: sockets as a file kind over components/net */
struct file;
struct net_sock;
struct sockaddr_in;
/* Room for an AF_INET or an AF_INET6 socket's address: net.h takes &.in
 * for both (a sockaddr_in6 behind it on AF_INET6 sockets). */
union sa46 {
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
};
struct psock {
    struct net_sock *ns; /* NULL: slot free */
    int type;            /* SOCK_STREAM or SOCK_DGRAM */
    int family;          /* AF_INET or AF_INET6 */
    int listening;
    uint64_t rcvtimeo, sndtimeo; /* SO_RCVTIMEO/SO_SNDTIMEO; 0: forever */
    struct psock *next_free;     /* sys_socket.c's list of free ones */
};
extern const struct file_ops socket_ops;
long sock_get(long fd, struct file **fp); /* -EBADF, -ENOTSOCK or 0 */
int sock_nonblock(const struct file *f, int flags);
uint64_t sock_deadline(uint64_t timeo);
int sock_wait(uint64_t deadline); /* net_wait, or -ETIMEDOUT if past */
/* Blocking (unless O_NONBLOCK or MSG_DONTWAIT) send and receive. */
long sock_send(struct file *f, const void *buf, size_t len, int flags,
               const struct sockaddr_in *to);
long sock_recv(struct file *f, void *buf, size_t len, int flags,
               struct sockaddr_in *from);
long addr_from_user(long uaddr, long len, union sa46 *out, int family,
                    int unspec_ok);
long addr_to_user(const union sa46 *a, long uaddr, long ulen);
long sys_socket(long domain, long type, long proto);
long sys_socketpair(long domain, long type, long proto, long sv);
long sys_bind(long fd, long addr, long len);
long sys_listen(long fd, long backlog);
long sys_accept(long fd, long addr, long len);
long sys_accept4(long fd, long addr, long len, long flags);
long sys_connect(long fd, long addr, long len);
long sys_shutdown(long fd, long how);
long sys_getsockname(long fd, long addr, long len);
long sys_getpeername(long fd, long addr, long len);
long sys_setsockopt(long fd, long level, long name, long val, long len);
long sys_getsockopt(long fd, long level, long name, long val, long lenp);

/* sys_sockmsg.c */
long sys_sendto(long fd, long buf, long len, long flags, long addr, long alen);
long sys_recvfrom(long fd, long buf, long len, long flags, long addr,
                  long alen);
long sys_sendmsg(long fd, long msg, long flags);
long sys_recvmsg(long fd, long msg, long flags);
/* readv/writev on a socket: one datagram, or a stream without a wait
 * between parts; -EBADF or -ENOTSOCK when fd is not one. */
long sock_rw_iov(long fd, long iov, long cnt, int write);

/* sys_poll.c */
unsigned file_readiness(struct file *f); /* POLLIN... of any kind */
/* Sleep until a socket may have changed or deadline (0: none) passes,
 * waking every so often when console input is awaited; -ETIMEDOUT if
 * the deadline has already passed. */
int poll_sleep(uint64_t deadline, int console);
long sys_poll(long fds, long n, long timeout_ms);
long sys_ppoll(long fds, long n, long ts, long sigmask, long sigsetsize);
long sys_select(long n, long in, long out, long ex, long tv);
long sys_pselect6(long n, long in, long out, long ex, long ts, long sig);

/* sys_epoll.c */
void epoll_forget(struct file *f); /* f's last descriptor closed */
long sys_epoll_create(long size);
long sys_epoll_create1(long flags);
long sys_epoll_ctl(long epfd, long op, long fd, long ev);
long sys_epoll_wait(long epfd, long events, long max, long timeout_ms);
long sys_epoll_pwait(long epfd, long events, long max, long timeout_ms,
                     long sigmask, long sigsetsize);

/* sys_pipe.c, sys_eventfd.c: kinds that live in memory (memfile.h) */
long sys_pipe(long fds);
long sys_pipe2(long fds, long flags);
long sys_eventfd(long initval);
long sys_eventfd2(long initval, long flags);

#endif
