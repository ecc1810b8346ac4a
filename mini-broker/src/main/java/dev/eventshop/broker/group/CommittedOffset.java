package dev.eventshop.broker.group;

/**
 * An offset a group committed for one partition.
 *
 * @param offset the next offset the group will consume
 * @param leaderEpoch the leader epoch of the last consumed record, or -1 when unknown
 * @param metadata the client's free-form string ("" when none)
 * @param commitTimestampMs when the coordinator accepted the commit
 * @param expireTimestampMs when the offset expires because the client asked for a retention time
 *     (OffsetCommit v2-v4), or -1 for the broker's {@code offsets.retention.minutes}
 */
record CommittedOffset(
    long offset, int leaderEpoch, String metadata, long commitTimestampMs, long expireTimestampMs) {

  CommittedOffset {
    metadata = metadata == null ? "" : metadata;
  }
}
