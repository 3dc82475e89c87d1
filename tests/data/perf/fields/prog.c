#include <stdio.h>
#include <stdlib.h>
#include <string.h>
__attribute__((noinline)) unsigned long hash_str(const char *s){unsigned long h=5381;while(*s)h=h*33+*s++;return h;}
__attribute__((noinline)) int cmp(const void*a,const void*b){unsigned long x=*(unsigned long*)a,y=*(unsigned long*)b;return x<y?-1:x>y;}
__attribute__((noinline)) void sort_records(unsigned long *v,int n){qsort(v,n,sizeof *v,cmp);}
__attribute__((noinline)) unsigned long compute_checksum(unsigned long *v,int n,int rounds){unsigned long c=0;for(int r=0;r<rounds;r++)for(int i=0;i<n;i++)c=c*31+(v[i]^r);return c;}
__attribute__((noinline)) void build(unsigned long *v,int n){char buf[64];for(int i=0;i<n;i++){snprintf(buf,sizeof buf,"key-%d-%d",i,i*7);v[i]=hash_str(buf);}}
int main(int argc,char**argv){int rounds=argc>1?atoi(argv[1]):200;int n=200000;unsigned long*v=malloc(n*sizeof *v);unsigned long t=0;
for(int k=0;k<6;k++){build(v,n);sort_records(v,n);t+=compute_checksum(v,n,rounds);}printf("%lu\n",t);return 0;}
