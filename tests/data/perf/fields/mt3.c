#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <math.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
volatile double dsink; volatile unsigned long sink;
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec/1e9;}
void* thr(void*arg){long k=(long)arg;static char b[2][1<<20];double t0=now();int fd=open("/dev/null",O_WRONLY);
 while(now()-t0<1.0){ if(k==0){ for(int i=0;i<10;i++)memset(b[0],i,sizeof b[0]);} else if(k==1){double d=0;for(int i=0;i<100000;i++)d+=cos(i*0.01);dsink+=d;} else {for(int i=0;i<100;i++)write(fd,b[1],4096);} usleep(500);}
 return 0;}
int main(){pthread_t t[3];for(long i=0;i<3;i++)pthread_create(&t[i],0,thr,(void*)i);for(int i=0;i<3;i++)pthread_join(t[i],0);printf("%lu\n",sink);return 0;}
