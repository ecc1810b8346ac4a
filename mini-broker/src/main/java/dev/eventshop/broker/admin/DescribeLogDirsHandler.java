package dev.eventshop.broker.admin;

import dev.eventshop.broker.log.PartitionLog;
import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import dev.eventshop.broker.replication.Partition;
import dev.eventshop.broker.replication.Replicas;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeLogDirsRequestData.DescribableLogDirTopic;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsPartition;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsResult;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeLogDirsRequest;

/**
 * DescribeLogDirs ({@code kafka-log-dirs.sh --describe}, {@code Admin.describeLogDirs}): each of
 * this broker's {@code log.dirs} with the replicas it holds, their size on disk and offset lag (how
 * far the log end trails the high watermark, as Kafka reports it), and the disk's total and usable
 * bytes. A directory that cannot be read answers KAFKA_STORAGE_ERROR. Versions 1-4.
 */
public final class DescribeLogDirsHandler extends VersionedApiHandler<DescribeLogDirsRequest> {

  private final List<Path> logDirs;
  private final Replicas replicas;

  public DescribeLogDirsHandler(List<Path> logDirs, Replicas replicas) {
    // From v1: v0 is gone from Kafka 4's clients.
    super(ApiKeys.DESCRIBE_LOG_DIRS, 1, 4);
    this.logDirs = logDirs.stream().map(d -> d.toAbsolutePath().normalize()).toList();
    this.replicas = replicas;
  }

  @Override
  public CompletionStage<ApiMessage> handle(
      RequestContext context, DescribeLogDirsRequest request) {
    Predicate<TopicPartition> wanted = wanted(request);
    Map<Path, Map<String, List<DescribeLogDirsPartition>>> byDir = new LinkedHashMap<>();
    logDirs.forEach(dir -> byDir.put(dir, new TreeMap<>()));
    for (Map.Entry<TopicPartition, Partition> e : replicas.all().entrySet()) {
      TopicPartition tp = e.getKey();
      PartitionLog log = e.getValue().log();
      Map<String, List<DescribeLogDirsPartition>> topics =
          byDir.get(log.dir().toAbsolutePath().normalize().getParent());
      if (topics == null || !wanted.test(tp)) {
        continue;
      }
      topics
          .computeIfAbsent(tp.topic(), t -> new ArrayList<>())
          .add(
              new DescribeLogDirsPartition()
                  .setPartitionIndex(tp.partition())
                  .setPartitionSize(log.sizeInBytes())
                  .setOffsetLag(Math.max(0, log.highWatermark() - log.logEndOffset()))
                  .setIsFutureKey(false));
    }
    DescribeLogDirsResponseData response = new DescribeLogDirsResponseData();
    byDir.forEach((dir, topics) -> response.results().add(result(dir, topics)));
    return CompletableFuture.completedFuture(response.setErrorCode(Errors.NONE.code()));
  }

  private static DescribeLogDirsResult result(
      Path dir, Map<String, List<DescribeLogDirsPartition>> topics) {
    DescribeLogDirsResult result = new DescribeLogDirsResult().setLogDir(dir.toString());
    try {
      FileStore store = Files.getFileStore(dir);
      result.setTotalBytes(store.getTotalSpace()).setUsableBytes(store.getUsableSpace());
    } catch (IOException e) {
      return result.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code());
    }
    topics.forEach(
        (name, partitions) ->
            result
                .topics()
                .add(new DescribeLogDirsTopic().setName(name).setPartitions(partitions)));
    return result.setErrorCode(Errors.NONE.code());
  }

  /** Every partition when the request names no topics (null), else the ones it names. */
  private static Predicate<TopicPartition> wanted(DescribeLogDirsRequest request) {
    if (request.data().topics() == null) {
      return tp -> true;
    }
    Map<String, List<Integer>> named = new LinkedHashMap<>();
    for (DescribableLogDirTopic topic : request.data().topics()) {
      named.put(topic.topic(), topic.partitions());
    }
    return tp -> named.getOrDefault(tp.topic(), List.of()).contains(tp.partition());
  }
}
