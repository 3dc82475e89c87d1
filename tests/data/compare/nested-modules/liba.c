long b_entry(int);
/* liba's helper: its own work, then libb's (which has a helper too). */
static __attribute__((noinline)) long helper(int n) {
    long s = 0;
    for (int i = 0; i < n; i++) s += (long)i * i % 7;
    return s + b_entry(n / 2);
}
long a_entry(int n) { return helper(n); }
