/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * fdproto.h — what fdparent's server and fdchild say to each other over the
 * inherited TCP connection (tests/integration/test_procq.sh checks the same
 * numbers in the store):
 *   server -> child  FDP_GREETING, once
 *   child  -> server FDP_THREADS threads x FDP_WRITES write(2)s of FDP_CHUNK
 *                    bytes each (thread k writes bytes 'A' + k), concurrently;
 *                    then one write(2) of FDP_BIG bytes, byte i = fdp_big(i)
 * The server reads the threads' bytes in reads of at most FDP_SMALL_READ, the
 * big write with one MSG_WAITALL recv, then waits for EOF, and saves every
 * byte it received in OUTDIR/server.bin.
 */
#ifndef FDPROTO_H
#define FDPROTO_H

#define FDP_GREETING	"hello from the server: fd inheritance test\n"
#define FDP_THREADS	2
#define FDP_WRITES	8
#define FDP_CHUNK	1000
#define FDP_BIG		10000
#define FDP_SMALL_READ	4096
#define FDP_THREAD_BYTES (FDP_THREADS * FDP_WRITES * FDP_CHUNK)

/* What fdchild writes to the inherited file, to the new file and through stdout. */
#define FDP_FILE_MSG	"written by fdchild through the inherited file fd\n"
#define FDP_NEW_MSG	"written by fdchild to the file opened after exec\n"
#define FDP_STDOUT_MSG	"written by fdchild to stdout after dup2\n"

static inline unsigned char fdp_big(unsigned int i)
{
	return (unsigned char)(i * 7 + 3 + (i >> 8));
}

#endif /* FDPROTO_H */
