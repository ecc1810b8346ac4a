// Produces keyed records with KafkaJS to a new 3-partition topic, uncompressed and gzip-compressed,
// then reads the topic's offsets back through the admin client. Prints one JSON line per step so
// the Java test (KafkaJsIT) can check what the client observed.
// Usage: node produce.js <bootstrap host:port> <topic>
const { Kafka, CompressionTypes, logLevel } = require('kafkajs');

const [bootstrap, topic] = process.argv.slice(2);
const kafka = new Kafka({
  clientId: 'kafkajs-compat',
  brokers: [bootstrap],
  logLevel: logLevel.ERROR,
  retry: { retries: 5 },
});

function print(step, value) {
  console.log(JSON.stringify({ step, value }));
}

async function main() {
  const admin = kafka.admin();
  await admin.connect();
  const created = await admin.createTopics({
    topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  print('created', created);

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const plain = await producer.send({
    topic,
    acks: -1,
    messages: Array.from({ length: 30 }, (_, i) => ({
      key: `key-${i % 6}`,
      value: `plain-${i}`,
      headers: { source: 'kafkajs' },
    })),
  });
  print('sent', plain);
  const gzipped = await producer.send({
    topic,
    acks: -1,
    compression: CompressionTypes.GZIP,
    messages: Array.from({ length: 30 }, (_, i) => ({ key: `key-${i % 6}`, value: `gzip-${i}` })),
  });
  print('sent', gzipped);
  await producer.disconnect();

  print('offsets', await admin.fetchTopicOffsets(topic));
  print('metadata', await admin.fetchTopicMetadata({ topics: [topic] }));
  await admin.disconnect();
  print('done', true);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
