#include <unistd.h>
#include <stdio.h>
#include <pthread.h>
__attribute__((noinline)) void spin(long n){volatile long x=0;for(long i=0;i<n;i++)x+=i;}
__attribute__((noinline)) void nap(int us){usleep(us);}
void* worker(void*a){for(int i=0;i<20;i++){spin(5000000);nap(20000);}return 0;}
int main(){pthread_t t;pthread_create(&t,0,worker,0);for(int i=0;i<10;i++){nap(50000);spin(3000000);}pthread_join(t,0);return 0;}
