/*
 * seq_mark.h - the durable high-water mark of seqs (docs/protocol.md,
 * "Losing the cache").
 *
 * The cache gives out seqs, and a cache can be lost with everything it gave
 * out since the last save: a crash, a replaced or flushed ElastiCache, a
 * restart of `scribblectl local`. So a cache may only give out seqs up to a
 * reservation it read from the mark, and the mark only grows, atomically
 * (DynamoDB's UpdateItem ADD). Whatever is lost, every seq any client may
 * have seen is at most the mark, and a canvas loaded afterwards starts above
 * it. The mark is one item of the pixels table, under a key no pixel has.
 */
#ifndef SCRIBBLE_RUNTIME_SEQ_MARK_H
#define SCRIBBLE_RUNTIME_SEQ_MARK_H

#include <stdint.h>

#include "aws/client.h"
#include "base/error.h"

/* The mark's item in the pixels table: idx = -1 (pixels are 0 and up),
 * attribute `reserved` (N). */
#define SEQ_MARK_IDX "-1"
#define SEQ_MARK_ATTRIBUTE "reserved"

/* Seqs reserved at a time: one UpdateItem per this many placements, and at
 * most this many seqs skipped when a cache is lost. */
#define SEQ_MARK_BLOCK 100000ULL

/* Raises the mark by at least one block and until it reaches at_least.
 * *before is the mark as it was (0: none yet), *after the mark now: the
 * caller owns no seq, it may only give out seqs up to *after. */
int seq_mark_reserve(aws_client *aws, const char *table, uint64_t at_least, uint64_t *before,
                     uint64_t *after, base_error *err);

#endif
