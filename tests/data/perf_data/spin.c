/* A small workload for the perf.data tests: three threads with names,
 * recursion, an always-inlined helper, and system calls (kernel frames). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

static volatile unsigned long sink;

static inline __attribute__((always_inline)) unsigned long mix(unsigned long x)
{
    for (int i = 0; i < 64; i++)
        x = x * 6364136223846793005UL + 1442695040888963407UL;
    return x;
}

__attribute__((noinline)) unsigned long checksum(const unsigned char *p, size_t n)
{
    unsigned long h = 0;
    for (size_t i = 0; i < n; i++)
        h = mix(h ^ p[i]);
    return h;
}

__attribute__((noinline)) unsigned long walk_tree(int depth)
{
    if (depth == 0) {
        unsigned char buf[256];
        memset(buf, depth, sizeof buf);
        return checksum(buf, sizeof buf);
    }
    return walk_tree(depth - 1) + (unsigned long)depth;
}

__attribute__((noinline)) void write_log(int fd)
{
    char line[64];
    int n = snprintf(line, sizeof line, "entry %lu\n", sink);
    if (write(fd, line, (size_t)n) < 0)
        abort();
}

static double seconds;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *worker(void *arg)
{
    pthread_setname_np(pthread_self(), (const char *)arg);
    double end = now() + seconds;
    while (now() < end)
        sink += walk_tree(12);
    return NULL;
}

static void *logger(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "log writer");
    int fd = open("/dev/null", O_WRONLY);
    double end = now() + seconds;
    while (now() < end)
        for (int i = 0; i < 1000; i++)
            write_log(fd);
    close(fd);
    return NULL;
}

int main(int argc, char **argv)
{
    seconds = argc > 1 ? atof(argv[1]) : 0.5;
    pthread_t a, b;
    pthread_create(&a, NULL, worker, "worker-1");
    pthread_create(&b, NULL, logger, NULL);
#ifdef GONE
    sink ^= 1;
#endif
    worker((void *)"spin");
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("%lu\n", sink);
    return 0;
}
