/* A tiny LRU cache workload for valgrind massif: `lrucache ROUNDS`.
 * Each round parses a request (short-lived buffers), inserts an entry
 * into a bounded cache (evicting the oldest past 300 entries), and every
 * 50th round builds a report from 32 KiB blocks that it frees again, so
 * the heap grows, levels off and peaks. Deterministic: no time, no rand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAPACITY 300

struct entry {
    char *key;
    char *value;
    struct entry *next;
};

static struct entry *head, *tail;
static int entries;

static char *parse_request(int round) {
    char *line = malloc(256);
    snprintf(line, 256, "GET /item/%d?v=%d", round, round * 7 % 13);
    char *key = malloc(strlen(line) + 1);
    strcpy(key, line);
    free(line);
    return key;
}

static char *render_value(int round) {
    size_t n = 512 + (size_t)(round % 8) * 256;
    char *v = malloc(n);
    memset(v, 'a' + round % 26, n - 1);
    v[n - 1] = 0;
    return v;
}

static void evict_oldest(void) {
    struct entry *e = head;
    head = e->next;
    free(e->key);
    free(e->value);
    free(e);
    entries--;
}

static void cache_insert(char *key, char *value) {
    struct entry *e = malloc(sizeof *e);
    e->key = key;
    e->value = value;
    e->next = NULL;
    if (tail) tail->next = e; else head = e;
    tail = e;
    if (++entries > CAPACITY) evict_oldest();
    if (!head) tail = NULL;
}

static char *alloc_block(size_t n) {
    char *b = malloc(n);
    memset(b, 0, n);
    return b;
}

static unsigned long build_report(int round) {
    char *blocks[8];
    int nblocks = 2 + round / 100 % 6;
    unsigned long sum = 0;
    for (int i = 0; i < nblocks; i++) {
        blocks[i] = alloc_block(32 << 10);
        sum += (unsigned char)blocks[i][i];
    }
    for (int i = 0; i < nblocks; i++) free(blocks[i]);
    return sum;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 600;
    unsigned long sum = 0;
    for (int r = 0; r < rounds; r++) {
        cache_insert(parse_request(r), render_value(r));
        if (r % 50 == 49) sum += build_report(r);
    }
    while (head) evict_oldest();
    printf("%lu\n", sum);
    return 0;
}
