#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static unsigned leaf(unsigned x) { unsigned h = x; for (int i = 0; i < 2000; i++) h = h * 31 + i; return h; }
static unsigned mid(unsigned x) { return leaf(x) ^ leaf(x + 1); }
int main(void) {
    unsigned acc = 0;
    char *keep[50];
    for (int i = 0; i < 50; i++) { keep[i] = malloc(1024 + 64 * i); memset(keep[i], i, 1024); acc += mid(i); }
    for (int i = 0; i < 50; i += 2) free(keep[i]);
    printf("%u\n", acc);
    return 0;
}
