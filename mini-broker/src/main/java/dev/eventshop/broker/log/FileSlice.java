package dev.eventshop.broker.log;

import java.nio.channels.FileChannel;
import org.apache.kafka.common.record.BaseRecords;
import org.apache.kafka.common.record.RecordsSend;

/**
 * A byte range of a segment file holding whole record batches: what a Fetch response carries. The
 * network layer sends it with sendfile; it is never read into the heap by the broker.
 *
 * @param endOffsetBound an offset no record of the slice reaches: the base offset of the batch
 *     after it, or the read's upper bound when the segment ended first (read_committed fetches list
 *     the aborted transactions that began below it)
 */
public record FileSlice(FileChannel channel, long position, int sizeInBytes, long endOffsetBound)
    implements BaseRecords {

  @Override
  public RecordsSend<? extends BaseRecords> toSend() {
    throw new UnsupportedOperationException("a FileSlice is written by the broker's network layer");
  }
}
