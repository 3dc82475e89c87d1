/* A small CPU-bound program for perf recordings: main -> work -> hot / warm. */
#include <stdio.h>
#include <stdlib.h>

static volatile unsigned long sink;

__attribute__((noinline)) static void hot(unsigned long n) {
    for (unsigned long i = 0; i < n; i++) sink += i * i;
}

__attribute__((noinline)) static void warm(unsigned long n) {
    for (unsigned long i = 0; i < n; i++) sink ^= i;
}

__attribute__((noinline)) static void work(int rounds) {
    for (int r = 0; r < rounds; r++) {
        hot(3000000);
        warm(1000000);
    }
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 20;
    work(rounds);
    printf("%lu\n", sink);
    return 0;
}
