#include <signal.h>
#include <unistd.h>
#include <pthread.h>
#include <time.h>
#include <stdio.h>
static void h(int s){(void)s;}
static void *t(void *a){ (void)a; for(int i=0;i<5;i++){ usleep(20000); getpid(); } return 0; }
int main(){
  struct sigaction sa={0}; sa.sa_handler=h; sigaction(SIGALRM,&sa,0);
  pthread_t th[3]; for(int i=0;i<3;i++) pthread_create(&th[i],0,t,0);
  alarm(1);
  char buf[10]; int fds[2]; pipe(fds);
  ssize_t r = read(fds[0], buf, 10);   /* interrupted by SIGALRM, no SA_RESTART -> EINTR */
  printf("read=%zd\n", r);
  struct timespec ts={1,200000000}; 
  signal(SIGUSR1, h);
  if(fork()==0){ usleep(300000); kill(getppid(), SIGUSR1); _exit(0);} 
  nanosleep(&ts,0);
  sa.sa_flags=SA_RESTART; sigaction(SIGALRM,&sa,0); alarm(1);
  sleep(2);
  for(int i=0;i<3;i++) pthread_join(th[i],0);
  return 0;
}
