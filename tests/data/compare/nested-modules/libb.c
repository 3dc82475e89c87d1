/* libb's helper: a function of the same name as liba's. */
static __attribute__((noinline)) long helper(int n) {
    long s = 0;
    for (int i = 0; i < n; i++) s += (long)i * 3 % 11;
    return s;
}
long b_entry(int n) { return helper(n); }
