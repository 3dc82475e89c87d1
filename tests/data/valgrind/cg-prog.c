#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

static long fib(int n) { return n < 2 ? n : fib(n-1) + fib(n-2); }

__attribute__((noinline)) static double work_loop(int n) {
    double s = 0;
    for (int i = 0; i < n; i++) s += (double)i / (i + 1);
    return s;
}

__attribute__((noinline)) static int cmp(const void *a, const void *b) {
    int x = *(const int*)a, y = *(const int*)b;
    return (x > y) - (x < y);
}

__attribute__((noinline)) static void sorter(int n) {
    int *a = malloc(n * sizeof(int));
    for (int i = 0; i < n; i++) a[i] = (i * 7919) % n;
    qsort(a, n, sizeof(int), cmp);
    free(a);
}

static char *keep[1000];
__attribute__((noinline)) static void alloc_small(int n) {
    for (int i = 0; i < n; i++) keep[i] = malloc(100 + i);
}
__attribute__((noinline)) static void *alloc_big(size_t n) {
    char *p = malloc(n);
    memset(p, 1, n);
    return p;
}

static void *thread_fn(void *arg) {
    long n = (long)arg;
    return (void*)(long)(work_loop(n) + fib(18));
}

int main(int argc, char **argv) {
    printf("%ld\n", fib(22));
    printf("%f\n", work_loop(200000));
    sorter(20000);
    alloc_small(500);
    void *b1 = alloc_big(1 << 20);
    void *b2 = alloc_big(3 << 20);
    free(b1);
    pthread_t t[2];
    for (long i = 0; i < 2; i++) pthread_create(&t[i], NULL, thread_fn, (void*)(100000 * (i + 1)));
    for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
    free(b2);
    return 0;
}
