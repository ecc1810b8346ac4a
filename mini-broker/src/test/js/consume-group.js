// Two KafkaJS consumers in one consumer group read a topic from the beginning. The script waits
// until every expected record was consumed and the group has settled with the topic's partitions
// split between both members, then prints one JSON line per record and per member's final
// assignment, and the group's committed offsets, for the Java test (KafkaJsIT) to check.
// Usage: node consume-group.js <bootstrap host:port> <topic> <group id> <expected records>
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, topic, groupId, expectedText] = process.argv.slice(2);
const expected = Number(expectedText);
const kafka = new Kafka({
  clientId: 'kafkajs-compat',
  brokers: [bootstrap],
  logLevel: logLevel.ERROR,
});

function print(step, value) {
  console.log(JSON.stringify({ step, value }));
}

async function main() {
  const seen = new Map(); // "partition/offset" -> record
  const assignments = {}; // member -> partitions of its latest join
  const members = ['a', 'b'].map((name) => {
    const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 500 });
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      assignments[name] = (e.payload.memberAssignment[topic] || []).slice().sort();
    });
    return { name, consumer };
  });
  for (const { consumer } of members) {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
  }
  for (const { name, consumer } of members) {
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        seen.set(`${partition}/${message.offset}`, {
          member: name,
          partition,
          offset: Number(message.offset),
          key: message.key && message.key.toString(),
          value: message.value && message.value.toString(),
        });
      },
    });
  }

  const deadline = Date.now() + 60000;
  const settled = () => {
    const a = assignments.a || [];
    const b = assignments.b || [];
    return a.length > 0 && b.length > 0 && new Set([...a, ...b]).size === a.length + b.length;
  };
  while ((seen.size < expected || !settled()) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  // Judged before disconnecting: a member's leave rebalances the other onto every partition.
  const settledWhileBothRan = settled();
  const finalAssignments = { ...assignments };
  for (const record of seen.values()) print('record', record);
  print('assignments', finalAssignments);
  for (const { consumer } of members) await consumer.disconnect();

  const admin = kafka.admin();
  await admin.connect();
  print('committed', await admin.fetchOffsets({ groupId, topics: [topic] }));
  await admin.disconnect();
  print('done', { consumed: seen.size, settled: settledWhileBothRan });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
