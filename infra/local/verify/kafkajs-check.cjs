// Verifies kafkajs against the local Kafka (infra/local/kafka.sh): admin, idempotent produce (acks -1),
// consumer group + commits, transactional send + sendOffsets + commit, an aborted transaction, and
// read_committed vs read_uncommitted consumers. Prints "RESULT PASS" / exits 0 on success.
// Usage: KAFKA_BROKERS=127.0.0.1:19092 node infra/local/verify/kafkajs-check.cjs
//   (kafkajs must resolve: from the repo's node_modules, or NODE_PATH=/some/dir/node_modules)
const { Kafka, logLevel, CompressionTypes } = require('kafkajs');
const brokers = [process.env.KAFKA_BROKERS || '127.0.0.1:19092'];
const kafka = new Kafka({ clientId: 'kjs-verify', brokers, logLevel: logLevel.WARN });
const sfx = Date.now();
const topic = `verify-${sfx}`,
  txTopic = `verify-tx-${sfx}`,
  srcTopic = `verify-src-${sfx}`;
const step = (m) => console.log(`STEP ${m}`);
async function consumeAll(groupId, t, expected, opts = {}) {
  const c = kafka.consumer({ groupId, ...opts });
  await c.connect();
  await c.subscribe({ topic: t, fromBeginning: true });
  const got = [];
  await new Promise(async (resolve, reject) => {
    const timer = setTimeout(() => resolve(), opts.waitMs || 15000);
    await c
      .run({
        autoCommit: false,
        eachMessage: async ({ topic, partition, message }) => {
          got.push(message.value.toString());
          await c.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
          if (expected && got.length >= expected && !opts.waitMs) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await c.disconnect();
  return got;
}
(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [topic, txTopic, srcTopic].map((t) => ({ topic: t, numPartitions: 2, replicationFactor: 1 })),
  });
  step(
    'admin.createTopics ok: ' + (await admin.listTopics()).filter((t) => t.includes(String(sfx))).join(','),
  );
  const meta = await admin.fetchTopicMetadata({ topics: [topic] });
  step('fetchTopicMetadata partitions=' + meta.topics[0].partitions.length);

  const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await p.connect();
  const r = await p.send({
    topic,
    acks: -1,
    messages: [1, 2, 3, 4, 5].map((i) => ({ key: `k${i}`, value: `v${i}` })),
  });
  await p.send({
    topic,
    acks: -1,
    compression: CompressionTypes.GZIP,
    messages: [{ key: 'gz', value: 'v6' }],
  });
  step('idempotent produce acks=-1 ok: ' + JSON.stringify(r));
  await p.disconnect();

  const got = await consumeAll(`g-plain-${sfx}`, topic, 6);
  step(`consumer group read ${got.length} msgs: ${got.sort().join(',')}`);
  const offs = await admin.fetchOffsets({ groupId: `g-plain-${sfx}`, topics: [topic] });
  step('committed offsets: ' + JSON.stringify(offs[0].partitions));

  // source records for consume-transform-produce
  const sp = kafka.producer();
  await sp.connect();
  await sp.send({ topic: srcTopic, acks: -1, messages: [{ key: 'a', value: 'src1' }] });
  await sp.disconnect();

  // committed transaction: send + sendOffsets + commit
  const tp = kafka.producer({
    transactionalId: `tx-commit-${sfx}`,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await tp.connect();
  let tx = await tp.transaction();
  await tx.send({
    topic: txTopic,
    messages: [
      { key: 'c1', value: 'committed-1' },
      { key: 'c2', value: 'committed-2' },
    ],
  });
  await tx.sendOffsets({
    consumerGroupId: `g-ctp-${sfx}`,
    topics: [{ topic: srcTopic, partitions: [{ partition: 0, offset: '1' }] }],
  });
  await tx.commit();
  step('transaction send+sendOffsets+commit ok');
  // second txn on the same producer, aborted
  tx = await tp.transaction();
  await tx.send({ topic: txTopic, messages: [{ key: 'a0', value: 'aborted-same-producer' }] });
  await tx.abort();
  await tp.disconnect();

  const ap = kafka.producer({ transactionalId: `tx-abort-${sfx}`, idempotent: true, maxInFlightRequests: 1 });
  await ap.connect();
  const atx = await ap.transaction();
  await atx.send({
    topic: txTopic,
    messages: [
      { key: 'a1', value: 'aborted-1' },
      { key: 'a2', value: 'aborted-2' },
    ],
  });
  await atx.sendOffsets({
    consumerGroupId: `g-ctp-abort-${sfx}`,
    topics: [{ topic: srcTopic, partitions: [{ partition: 0, offset: '1' }] }],
  });
  await atx.abort();
  step('transaction abort ok');
  await ap.disconnect();

  const ctpOffs = await admin.fetchOffsets({ groupId: `g-ctp-${sfx}`, topics: [srcTopic] });
  step('sendOffsets committed group offsets: ' + JSON.stringify(ctpOffs[0].partitions));
  const abOffs = await admin.fetchOffsets({ groupId: `g-ctp-abort-${sfx}`, topics: [srcTopic] });
  step('aborted sendOffsets group offsets: ' + JSON.stringify(abOffs[0].partitions));

  const rc = await consumeAll(`g-rc-${sfx}`, txTopic, 0, { readUncommitted: false, waitMs: 8000 });
  step(`read_committed consumer saw: ${rc.sort().join(',')}`);
  const ru = await consumeAll(`g-ru-${sfx}`, txTopic, 0, { readUncommitted: true, waitMs: 8000 });
  step(`read_uncommitted consumer saw: ${ru.sort().join(',')}`);
  const ok =
    rc.length === 2 &&
    rc.every((v) => v.startsWith('committed')) &&
    ru.length === 5 &&
    ctpOffs[0].partitions.find((x) => x.partition === 0).offset === '1' &&
    abOffs[0].partitions.find((x) => x.partition === 0).offset === '-1';
  await admin.deleteTopics({ topics: [topic, txTopic, srcTopic] });
  await admin.disconnect();
  console.log(ok ? 'RESULT PASS' : 'RESULT FAIL');
  process.exit(ok ? 0 : 1);
})().catch((e) => {
  console.error('FAILED', e && e.type, e && e.code, e && e.message, e && e.stack);
  process.exit(1);
});
