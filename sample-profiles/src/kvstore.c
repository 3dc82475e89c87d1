/* A tiny key-value store workload for Firesight's bundled sample profile.
 * Build: gcc -O1 -g -fno-omit-frame-pointer -pthread kvstore.c -o kvstore
 * Run:   ./kvstore SECONDS
 * Threads: "request worker" handles requests (parse, hash lookup, encode
 * JSON, checksum); "compactor" sorts and merges segments recursively;
 * the main thread writes a log file in small write(2) calls (kernel time). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

static volatile int running = 1;
static double seconds = 1.0;

struct entry { unsigned long key; char value[48]; };
#define NKEYS 65536
static struct entry table[NKEYS];

static unsigned long hash_key(const char *s) {
    unsigned long h = 1469598103934665603UL;
    while (*s) { h ^= (unsigned char)*s++; h *= 1099511628211UL; }
    return h;
}

static int parse_request(const char *req, char *key, size_t n) {
    const char *p = strchr(req, ' ');
    if (!p) return -1;
    size_t i = 0;
    for (p++; *p && *p != ' ' && i + 1 < n; p++) key[i++] = *p;
    key[i] = 0;
    return (int)i;
}

static struct entry *lookup(unsigned long h) {
    size_t i = h % NKEYS;
    for (int probe = 0; probe < 8; probe++) {
        if (table[(i + probe) % NKEYS].key == h) return &table[(i + probe) % NKEYS];
    }
    return &table[i];
}

static size_t escape_json(const char *in, char *out) {
    size_t o = 0;
    out[o++] = '"';
    for (; *in; in++) {
        if (*in == '"' || *in == '\\') out[o++] = '\\';
        out[o++] = *in;
    }
    out[o++] = '"';
    out[o] = 0;
    return o;
}

static size_t encode_json(const struct entry *e, char *out) {
    char esc[128];
    size_t n = 0;
    for (int rep = 0; rep < 24; rep++) {
        escape_json(e->value, esc);
        n = (size_t)sprintf(out, "{\"key\":%lu,\"value\":%s,\"rep\":%d}", e->key, esc, rep);
    }
    return n;
}

static unsigned checksum(const char *buf, size_t n) {
    unsigned c = 0;
    for (size_t r = 0; r < 16; r++)
        for (size_t i = 0; i < n; i++) c = (c << 5) + c + (unsigned char)buf[i];
    return c;
}

static unsigned handle_request(const char *req) {
    char key[64], out[256];
    if (parse_request(req, key, sizeof key) < 0) return 0;
    struct entry *e = lookup(hash_key(key));
    size_t n = encode_json(e, out);
    return checksum(out, n);
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *request_worker(void *arg) {
    (void)arg;
    pthread_setname_np(pthread_self(), "request worker");
    char req[64];
    unsigned sink = 0;
    double end = now() + seconds;
    for (unsigned long i = 0; now() < end; i++) {
        snprintf(req, sizeof req, "GET user:%lu HTTP/1.1", i % 5000);
        sink += handle_request(req);
    }
    return (void *)(unsigned long)sink;
}

static void merge(unsigned *a, unsigned *tmp, size_t lo, size_t mid, size_t hi) {
    size_t i = lo, j = mid, k = lo;
    while (i < mid && j < hi) tmp[k++] = a[i] <= a[j] ? a[i++] : a[j++];
    while (i < mid) tmp[k++] = a[i++];
    while (j < hi) tmp[k++] = a[j++];
    memcpy(a + lo, tmp + lo, (hi - lo) * sizeof *a);
}

static void merge_sort(unsigned *a, unsigned *tmp, size_t lo, size_t hi) {
    if (hi - lo < 2) return;
    size_t mid = lo + (hi - lo) / 2;
    merge_sort(a, tmp, lo, mid);
    merge_sort(a, tmp, mid, hi);
    merge(a, tmp, lo, mid, hi);
}

static void *compactor(void *arg) {
    (void)arg;
    pthread_setname_np(pthread_self(), "compactor");
    size_t n = 1 << 15;
    unsigned *a = malloc(n * sizeof *a), *tmp = malloc(n * sizeof *a);
    double end = now() + seconds;
    unsigned seed = 7;
    while (now() < end) {
        for (size_t i = 0; i < n; i++) { seed = seed * 1103515245u + 12345u; a[i] = seed; }
        merge_sort(a, tmp, 0, n);
    }
    free(a); free(tmp);
    return NULL;
}

static void write_log(void) {
    char path[] = "/tmp/kvstore-log-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return;
    unlink(path);
    char line[64];
    double end = now() + seconds;
    for (unsigned long i = 0; now() < end; i++) {
        int n = snprintf(line, sizeof line, "op=%lu ok\n", i);
        if (write(fd, line, (size_t)n) < 0) break;
    }
    close(fd);
}

int main(int argc, char **argv) {
    if (argc > 1) seconds = atof(argv[1]);
    for (size_t i = 0; i < NKEYS; i++) {
        table[i].key = i;
        snprintf(table[i].value, sizeof table[i].value, "value \"%zu\" of the store", i);
    }
    pthread_t w, c;
    pthread_create(&w, NULL, request_worker, NULL);
    pthread_create(&c, NULL, compactor, NULL);
    write_log();
    pthread_join(w, NULL);
    pthread_join(c, NULL);
    return 0;
}
