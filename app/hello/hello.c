/*
 * hello: the walking skeleton's application. A plain C program (it
 * builds and runs on Linux unchanged) that touches each thing the image
 * provides: stdio, argv, the monotonic clock since boot, malloc, threads
 * with a mutex and a condition variable, thread-local storage, sleep,
 * and the exit status. Usage: hello [STATUS [WORDS...]]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <time.h>

#define ROUNDS 5

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn_changed = PTHREAD_COND_INITIALIZER;
static int turn; /* 0: ping's turn, 1: pong's */
static _Thread_local int my_hits;

static void *player(void *arg)
{
    int me = *(int *)arg;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&lock);
        while (turn != me)
            pthread_cond_wait(&turn_changed, &lock);
        my_hits++;
        printf("%s %d\n", me ? "pong" : "ping", i);
        turn = !me;
        pthread_cond_signal(&turn_changed);
        pthread_mutex_unlock(&lock);
    }
    return (void *)(long)my_hits;
}

static int ping_pong(void)
{
    static int ids[2] = {0, 1};
    pthread_t t[2];
    long hits = 0;
    for (int i = 0; i < 2; i++)
        if (pthread_create(&t[i], NULL, player, &ids[i]) != 0)
            return -1;
    for (int i = 0; i < 2; i++) {
        void *r;
        pthread_join(t[i], &r);
        hits += (long)r;
    }
    return hits == 2 * ROUNDS && my_hits == 0 ? 0 : -1;
}

static int heap_check(void)
{
    struct sysinfo before, after;
    sysinfo(&before);
    char *p = malloc(1 << 20);
    if (!p)
        return -1;
    memset(p, 0xa5, 1 << 20);
    free(p);
    sysinfo(&after);
    printf("malloc: 1 MiB allocated and freed, %lu of %lu pages free\n",
           (unsigned long)after.freeram, (unsigned long)after.totalram);
    return 0;
}

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static int sleep_check(void)
{
    long long before = now_ns();
    struct timespec ten_ms = {0, 10 * 1000000};
    nanosleep(&ten_ms, NULL);
    long long slept = now_ns() - before;
    printf("sleep: asked 10 ms, slept %lld us\n", slept / 1000);
    return slept >= 10 * 1000000 ? 0 : -1;
}

int main(int argc, char **argv)
{
    /* On Kiln the monotonic clock starts at the image's first instruction. */
    long long boot_us = now_ns() / 1000;
    printf("Hello from Kiln!\n");
    printf("boot: %lld us from first instruction to main\n", boot_us);
    for (int i = 0; i < argc; i++)
        printf("argv[%d] = %s\n", i, argv[i]);
    int failed = 0;
    if (heap_check() < 0 && ++failed)
        printf("FAIL: malloc\n");
    if (ping_pong() < 0 && ++failed)
        printf("FAIL: threads\n");
    if (sleep_check() < 0 && ++failed)
        printf("FAIL: sleep\n");
    int status = argc > 1 ? atoi(argv[1]) : 0;
    printf("hello: %s, exiting with status %d\n",
           failed ? "checks FAILED" : "all checks passed", status);
    return failed ? 1 : status;
}
