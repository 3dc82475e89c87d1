/* waits.c: a small program that spends most of its time waiting, recorded
 * for Firesight's off-CPU and syscall views (sample-profiles/waits/).
 *
 * Threads, each named so the profiles can tell them apart:
 *   "ledger-1".."ledger-3"  take one shared pthread mutex and checksum a
 *                           buffer while holding it (lock contention: futex
 *                           waits in commit_entry);
 *   "journal"               writes 16 KiB blocks to a temp file, fsyncs every
 *                           4th block (disk waits), reads the file back;
 *   "ticker"                sleeps 2 ms at a time (nanosleep);
 *   "pipe reader"           blocks reading a pipe the main thread writes to
 *                           once a millisecond (wait_for_message);
 *   main                    writes to that pipe, sends a datagram over a
 *                           UNIX socket pair every 10 ms, and forks a child
 *                           every 25th tick that exits at once (SIGCHLD, wait4).
 *
 * Build: gcc -O1 -g -fno-omit-frame-pointer -fno-inline -pthread waits.c -o waits
 * Run:   ./waits SECONDS [DIR]   (temp files go to DIR, default /tmp)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile int stop_flag;
static pthread_mutex_t ledger_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t ledger_sum;
static int pipe_fds[2];
static int sock_fds[2];
static const char *dir = "/tmp";
static volatile sig_atomic_t children_done;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint32_t checksum(const unsigned char *p, size_t n) {
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
    }
    return ~crc;
}

static void commit_entry(const unsigned char *buf, size_t n) {
    pthread_mutex_lock(&ledger_lock);
    ledger_sum ^= checksum(buf, n);
    pthread_mutex_unlock(&ledger_lock);
}

static void *ledger_main(void *arg) {
    unsigned char buf[2048];
    unsigned seed = (unsigned)(uintptr_t)arg;
    while (!stop_flag) {
        for (size_t i = 0; i < sizeof buf; i++) buf[i] = (unsigned char)rand_r(&seed);
        commit_entry(buf, sizeof buf);
    }
    return NULL;
}

static void flush_journal(int fd) { fsync(fd); }

static void write_block(int fd, const char *block, size_t n) {
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, block + done, n - done);
        if (w < 0) {
            if (errno == EINTR) continue;
            perror("write");
            return;
        }
        done += (size_t)w;
    }
}

static void read_back(int fd) {
    char buf[8192];
    lseek(fd, 0, SEEK_SET);
    while (read(fd, buf, sizeof buf) > 0) {
    }
}

static void *journal_main(void *arg) {
    (void)arg;
    char path[512];
    snprintf(path, sizeof path, "%s/waits-journal-XXXXXX", dir);
    int fd = mkstemp(path);
    if (fd < 0) {
        perror("mkstemp");
        return NULL;
    }
    static char block[16384];
    memset(block, 'j', sizeof block);
    for (int n = 1; !stop_flag; n++) {
        write_block(fd, block, sizeof block);
        if (n % 4 == 0) flush_journal(fd);
        if (n % 32 == 0) {
            read_back(fd);
            if (ftruncate(fd, 0) != 0) perror("ftruncate");
            lseek(fd, 0, SEEK_SET);
        }
    }
    close(fd);
    unlink(path);
    return NULL;
}

static void *ticker_main(void *arg) {
    (void)arg;
    struct timespec ts = {0, 2000000};
    while (!stop_flag) nanosleep(&ts, NULL);
    return NULL;
}

static void wait_for_message(char *buf, size_t n) {
    ssize_t r = read(pipe_fds[0], buf, n);
    if (r == 0) stop_flag = 1;
}

static void *pipe_reader_main(void *arg) {
    (void)arg;
    char buf[256];
    while (!stop_flag) wait_for_message(buf, sizeof buf);
    return NULL;
}

static void on_sigchld(int sig) {
    (void)sig;
    children_done++;
}

static void spawn_child(void) {
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    if (pid > 0) waitpid(pid, NULL, 0);
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 1.0;
    if (argc > 2) dir = argv[2];
    if (pipe(pipe_fds) != 0 || socketpair(AF_UNIX, SOCK_DGRAM, 0, sock_fds) != 0) {
        perror("pipe/socketpair");
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigchld;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGCHLD, &sa, NULL);

    pthread_t th[6];
    int nth = 0;
    for (int i = 0; i < 3; i++) {
        pthread_create(&th[nth], NULL, ledger_main, (void *)(uintptr_t)(i + 1));
        char name[16];
        snprintf(name, sizeof name, "ledger-%d", i + 1);
        pthread_setname_np(th[nth++], name);
    }
    pthread_create(&th[nth], NULL, journal_main, NULL);
    pthread_setname_np(th[nth++], "journal");
    pthread_create(&th[nth], NULL, ticker_main, NULL);
    pthread_setname_np(th[nth++], "ticker");
    pthread_create(&th[nth], NULL, pipe_reader_main, NULL);
    pthread_setname_np(th[nth++], "pipe reader");

    double end = now_s() + seconds;
    struct timespec ms = {0, 1000000};
    char dgram[64];
    for (int tick = 1; now_s() < end; tick++) {
        if (write(pipe_fds[1], "m", 1) < 0) perror("write pipe");
        if (tick % 10 == 0) {
            int n = snprintf(dgram, sizeof dgram, "tick %d", tick);
            send(sock_fds[0], dgram, (size_t)n, 0);
            recv(sock_fds[1], dgram, sizeof dgram, 0);
        }
        if (tick % 25 == 0) spawn_child();
        nanosleep(&ms, NULL);
    }
    stop_flag = 1;
    close(pipe_fds[1]);
    for (int i = 0; i < nth; i++) pthread_join(th[i], NULL);
    printf("ledger %08x, %d children\n", ledger_sum, (int)children_done);
    return 0;
}
