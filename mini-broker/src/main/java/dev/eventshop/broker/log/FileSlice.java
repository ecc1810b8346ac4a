package dev.eventshop.broker.log;

import java.nio.channels.FileChannel;
import org.apache.kafka.common.record.BaseRecords;
import org.apache.kafka.common.record.RecordsSend;

/**
 * A byte range of a segment file holding whole record batches: what a Fetch response carries. The
 * network layer sends it with sendfile; it is never read into the heap by the broker.
 */
public record FileSlice(FileChannel channel, long position, int sizeInBytes)
    implements BaseRecords {

  @Override
  public RecordsSend<? extends BaseRecords> toSend() {
    throw new UnsupportedOperationException("a FileSlice is written by the broker's network layer");
  }
}
