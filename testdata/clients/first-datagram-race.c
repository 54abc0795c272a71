// Two threads send the first datagram of a fresh unconnected UDP socket at the same moment, many
// times over: the kernel side must announce each socket once. Usage: first-datagram-race PORT ROUNDS
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static pthread_barrier_t barrier;
static int fd;
static struct sockaddr_in dst;

static void *sender(void *arg) {
  (void)arg;
  pthread_barrier_wait(&barrier);
  sendto(fd, "x", 1, 0, (struct sockaddr *)&dst, sizeof(dst));
  return NULL;
}

int main(int argc, char **argv) {
  int rounds = argc > 2 ? atoi(argv[2]) : 1000;
  memset(&dst, 0, sizeof(dst));
  dst.sin_family = AF_INET;
  dst.sin_port = htons(atoi(argv[1]));
  dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int i = 0; i < rounds; i++) {
    pthread_t a, b;
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    pthread_barrier_init(&barrier, NULL, 2);
    pthread_create(&a, NULL, sender, NULL);
    pthread_create(&b, NULL, sender, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    pthread_barrier_destroy(&barrier);
    close(fd);
  }
  printf("%d\n", rounds);
  return 0;
}
