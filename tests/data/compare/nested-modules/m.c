#include <stdio.h>
#include <stdlib.h>
long a_entry(int); long b_entry(int);
/* argv[1] rounds through liba (whose helper calls libb's), argv[2] straight to libb. */
int main(int c, char **v) {
    int ra = atoi(v[1]), rb = atoi(v[2]);
    long s = 0;
    for (int r = 0; r < ra; r++) s += a_entry(100000);
    for (int r = 0; r < rb; r++) s += b_entry(100000);
    printf("%ld\n", s);
    return 0;
}
