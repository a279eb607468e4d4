// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fdchild — exec'd by fdparent with FDs it inherited (statically linked, so
 * the exec opens no shared libraries and the FD table after exec holds only
 * what was inherited and what this program opens).
 *
 *   fdchild SOCK_FD FILE_FD CLOEXEC_FD OUTDIR
 *
 * In this order: checks CLOEXEC_FD is closed (the exec closed it); receives
 * the greeting on SOCK_FD; writes FDP_FILE_MSG to FILE_FD; opens
 * OUTDIR/new.txt, which must get the number CLOEXEC_FD had, and writes
 * FDP_NEW_MSG to it; dup2s it onto stdout and writes FDP_STDOUT_MSG to fd 1;
 * runs FDP_THREADS threads writing to SOCK_FD; then one write of FDP_BIG
 * bytes (fdproto.h). The threads take turns through a mutex held across each
 * write(2): the probe reads a TCP write's sequence number at syscall exit
 * (write_seq - size), which is wrong when another thread's write on the
 * socket completes in between (README, known limits). Exit 0 when every step did exactly that, else a
 * message on stderr and exit 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "fdproto.h"

static int sock_fd;
static pthread_mutex_t turn = PTHREAD_MUTEX_INITIALIZER;

static void fail(const char *what)
{
	fprintf(stderr, "fdchild: %s: %s\n", what, errno ? strerror(errno) : "unexpected result");
	exit(1);
}

/* write(2) all of buf in one call, or fail. */
static void write1(int fd, const void *buf, size_t n, const char *what)
{
	errno = 0;
	if (write(fd, buf, n) != (ssize_t)n)
		fail(what);
}

static void *writer(void *arg)
{
	unsigned char buf[FDP_CHUNK];

	memset(buf, 'A' + (int)(long)arg, sizeof(buf));
	for (int i = 0; i < FDP_WRITES; i++) {
		pthread_mutex_lock(&turn);
		write1(sock_fd, buf, sizeof(buf), "thread write to the inherited socket");
		pthread_mutex_unlock(&turn);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static unsigned char big[FDP_BIG];
	char greet[sizeof(FDP_GREETING)], path[4096];
	size_t glen = strlen(FDP_GREETING), got = 0;
	pthread_t th[FDP_THREADS];
	int file_fd, cx_fd, nfd;

	if (argc != 5) {
		fprintf(stderr, "usage: fdchild SOCK_FD FILE_FD CLOEXEC_FD OUTDIR\n");
		return 2;
	}
	sock_fd = atoi(argv[1]);
	file_fd = atoi(argv[2]);
	cx_fd = atoi(argv[3]);

	errno = 0;
	if (fcntl(cx_fd, F_GETFD) != -1 || errno != EBADF)
		fail("the close-on-exec fd is still open after exec");
	while (got < glen) {
		ssize_t r = recv(sock_fd, greet + got, glen - got, 0);

		if (r <= 0)
			fail("receiving the greeting on the inherited socket");
		got += (size_t)r;
	}
	if (memcmp(greet, FDP_GREETING, glen))
		fail("the greeting");
	write1(file_fd, FDP_FILE_MSG, strlen(FDP_FILE_MSG), "write to the inherited file");

	snprintf(path, sizeof(path), "%s/new.txt", argv[4]);
	nfd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (nfd != cx_fd) {
		fprintf(stderr, "fdchild: open %s returned %d, expected the cloexec fd's number %d\n", path, nfd,
			cx_fd);
		return 1;
	}
	write1(nfd, FDP_NEW_MSG, strlen(FDP_NEW_MSG), "write to the new file");
	if (dup2(nfd, 1) != 1)
		fail("dup2 onto stdout");
	write1(1, FDP_STDOUT_MSG, strlen(FDP_STDOUT_MSG), "write to stdout");

	for (long k = 0; k < FDP_THREADS; k++)
		if ((errno = pthread_create(&th[k], NULL, writer, (void *)k)))
			fail("pthread_create");
	for (int k = 0; k < FDP_THREADS; k++)
		pthread_join(th[k], NULL);
	for (unsigned int i = 0; i < FDP_BIG; i++)
		big[i] = fdp_big(i);
	write1(sock_fd, big, sizeof(big), "the big write to the inherited socket");
	return 0;
}
