package dev.eventshop.broker.group;

/**
 * An offset as {@code __consumer_offsets} holds it: the value of its record and where that record
 * is in the log. When a transaction commits offsets, the position decides which of two records for
 * the same partition is newer, as Kafka decides it: a plain OffsetCommit written after the
 * transactional one wins.
 *
 * @param value the committed offset
 * @param logOffset the base offset of the batch holding the record, when read back from the log;
 *     for a record this coordinator appended since it loaded the partition, the log end offset just
 *     before that append ({@link GroupStore#nextOffset}), which orders it the same way among its
 *     group's records
 */
record StoredOffset(CommittedOffset value, long logOffset) {}
