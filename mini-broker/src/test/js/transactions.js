// KafkaJS transactions: one committed transaction with offsets sent for a group, one aborted; then
// a KafkaJS consumer (read_committed, KafkaJS's default) reads the topic. Prints one JSON line per
// step so the Java test (KafkaJsIT) can check what the client observed.
// Usage: node transactions.js <bootstrap host:port> <topic>
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, topic] = process.argv.slice(2);
const kafka = new Kafka({
  clientId: 'kafkajs-transactions',
  brokers: [bootstrap],
  logLevel: logLevel.ERROR,
  retry: { retries: 8 },
});

function print(step, value) {
  console.log(JSON.stringify({ step, value }));
}

async function main() {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
    waitForLeaders: true,
  });

  const producer = kafka.producer({
    transactionalId: 'kafkajs-tx',
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();

  const committed = await producer.transaction();
  await committed.send({ topic, messages: [{ key: 'k', value: 'committed-1' }] });
  await committed.send({ topic, messages: [{ key: 'k', value: 'committed-2' }] });
  await committed.sendOffsets({
    consumerGroupId: 'kafkajs-tx-group',
    topics: [{ topic, partitions: [{ partition: 0, offset: '2' }] }],
  });
  await committed.commit();
  print('committed', true);

  const aborted = await producer.transaction();
  await aborted.send({ topic, messages: [{ key: 'k', value: 'aborted' }] });
  await aborted.abort();
  print('aborted', true);
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: 'kafkajs-tx-reader' });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values = [];
  await consumer.run({
    eachMessage: async ({ message }) => {
      values.push(message.value.toString());
    },
  });
  const deadline = Date.now() + 20000;
  while (values.length < 2 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await new Promise((resolve) => setTimeout(resolve, 1000)); // nothing more may arrive
  await consumer.disconnect();
  print('read', values);

  print('offsets', await admin.fetchOffsets({ groupId: 'kafkajs-tx-group', topics: [topic] }));
  await admin.disconnect();
  print('done', true);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
