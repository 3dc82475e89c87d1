/* Mutual recursion for Firesight's callgrind cycle test: is_even and
 * is_odd call each other, walk calls itself and visit, visit calls walk
 * back, and leaf work sits under both. Build: gcc -O1 -g -fno-inline
 * cycles.c -o cycles; run under callgrind. */
#include <stdio.h>
#include <stdlib.h>

static unsigned long work(unsigned long x) {
    unsigned long s = 0;
    for (unsigned long i = 0; i < 40; i++)
        s += (x ^ i) * 2654435761u;
    return s;
}

static int is_odd(unsigned n);

static int is_even(unsigned n) {
    if (n == 0)
        return 1;
    work(n);
    return is_odd(n - 1);
}

static int is_odd(unsigned n) {
    if (n == 0)
        return 0;
    work(n + 1);
    work(n + 2);
    return is_even(n - 1);
}

static unsigned long visit(unsigned depth);

static unsigned long walk(unsigned depth) {
    unsigned long s = work(depth);
    if (depth == 0)
        return s;
    if (depth % 3 == 0)
        return s + walk(depth - 1);
    return s + visit(depth - 1);
}

static unsigned long visit(unsigned depth) {
    unsigned long s = work(depth * 7) + work(depth * 11);
    if (depth == 0)
        return s;
    return s + walk(depth - 1);
}

int main(int argc, char **argv) {
    unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 300;
    unsigned long total = 0;
    for (unsigned i = 0; i < 20; i++) {
        total += (unsigned long)is_even(n + i);
        total += walk(n / 4 + i);
    }
    total += visit(n / 8);
    total += work(n);
    printf("%lu\n", total);
    return 0;
}
