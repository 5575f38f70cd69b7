/*
 * main.c: the build-system test project's program: a thread computes a
 * value with the static library, main prints it.
 */
#include <pthread.h>
#include <stdio.h>

int part_value(double x);

static void *work(void *arg)
{
    *(int *)arg = part_value(1764.0);
    return NULL;
}

int main(void)
{
    pthread_t t;
    int v = 0;

    if (pthread_create(&t, NULL, work, &v) != 0 || pthread_join(t, NULL) != 0)
        return 1;
    printf("buildsystem-answer=%d\n", v);
    return 0;
}
