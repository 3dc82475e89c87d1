__attribute__((noinline)) long helper(int n){ long s=0; for(int i=0;i<n;i++) s+=i*11; return s; }
long b_entry(int n){ return helper(n); }
