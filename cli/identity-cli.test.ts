/**
 * `gapstream identity …`: argument checks, decisions published to identity.request.v1 on the
 * embedded bus (read back and decoded), and the review list / audit trail read from chDB after
 * rows were landed with the sink's own row functions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedBus } from '../runtime/bus/embedded/index.ts';
import type { Bus } from '../runtime/bus/types.ts';
import type { StepContext } from '../runtime/runner/step.ts';
import { createLocalCodec, type Codec } from '../schemas/codec.ts';
import { openStore, type Store } from '../sinks/clickhouse/store.ts';
import {
  auditTrail,
  identityLinkRow,
  identityReviewRow,
  IDENTITY_TABLES,
  openReviews,
  reviewOf,
  type IdentityLinkValue,
} from '../sinks/identity/index.ts';
import { readTopic } from '../tests/support/read-topic.ts';
import {
  IDENTITY_REQUEST_TOPIC,
  IdentityUsageError,
  needsStore,
  parseIdentityArgs,
  publishDecision,
  runIdentityCommand,
  type IdentityCliDeps,
} from './identity-cli.ts';

function buffer(): { write: (s: string) => void; text: () => string } {
  let buf = '';
  return { write: (s) => void (buf += s), text: () => buf };
}

const usageError = (argv: string[]): string => {
  try {
    parseIdentityArgs(argv);
  } catch (err) {
    expect(err).toBeInstanceOf(IdentityUsageError);
    return (err as Error).message;
  }
  throw new Error(`expected a usage error for ${argv.join(' ')}`);
};

describe('gapstream identity: arguments', () => {
  it('parses the five commands with their defaults', () => {
    expect(parseIdentityArgs(['review'])).toEqual({ command: 'review-list', limit: 50, format: 'table' });
    expect(parseIdentityArgs(['review', '--limit', '5', '--format', 'json'])).toEqual({
      command: 'review-list',
      limit: 5,
      format: 'json',
    });
    expect(parseIdentityArgs(['review', 'link', 'a', 'b', '--by', 'ann', '--reason', 'same DOB'])).toEqual({
      command: 'decide',
      decision: { action: 'LINK', recordId: 'a', otherRecordId: 'b', decidedBy: 'ann', reason: 'same DOB' },
    });
    expect(parseIdentityArgs(['review', 'reject', 'a', 'b', '--by', 'ann'])).toMatchObject({
      decision: { action: 'REJECT', reason: null },
    });
    expect(parseIdentityArgs(['unlink', 'a', '--by', 'ann'])).toEqual({
      command: 'decide',
      decision: { action: 'UNLINK', recordId: 'a', otherRecordId: null, decidedBy: 'ann', reason: null },
    });
    expect(parseIdentityArgs(['show', 'MR|X|1'])).toEqual({
      command: 'show',
      id: 'MR|X|1',
      limit: 1000,
      format: 'table',
    });
    expect(needsStore(parseIdentityArgs(['unlink', 'a', '--by', 'ann']))).toBe(false);
    expect(needsStore(parseIdentityArgs(['review']))).toBe(true);
  });

  it('refuses a decision without --by, saying nothing was published', () => {
    for (const argv of [
      ['review', 'link', 'a', 'b'],
      ['review', 'reject', 'a', 'b', '--by', '  '],
      ['unlink', 'a', '--reason', 'wrong merge'],
    ]) {
      const message = usageError(argv);
      expect(message).toContain('needs --by <user>');
      expect(message).toContain('Nothing was published');
    }
  });

  it('refuses wrong ids, unknown commands and options, and bad limits or formats', () => {
    expect(usageError(['review', 'link', 'a', '--by', 'ann'])).toContain('needs exactly two record ids');
    expect(usageError(['review', 'link', 'a', 'a', '--by', 'ann'])).toContain('two different record ids');
    expect(usageError(['unlink', 'a', 'b', '--by', 'ann'])).toContain('needs exactly one record id');
    expect(usageError(['show'])).toContain('needs exactly one id');
    expect(usageError(['review', 'approve', 'a', 'b'])).toContain('Unknown `identity review approve`');
    expect(usageError(['merge'])).toContain('Unknown identity command "merge"');
    expect(usageError([])).toContain('Unknown identity command ""');
    expect(usageError(['review', '--limit', '0'])).toContain('--limit must be');
    expect(usageError(['review', '--limit', '2x'])).toContain('--limit must be');
    expect(usageError(['show', 'a', '--format', 'csv'])).toContain('--format must be table or json');
    expect(usageError(['review', '--by', 'ann'])).toContain('--by and --reason belong to decisions');
    expect(usageError(['unlink', 'a', '--by', 'ann', '--limit', '3'])).toContain('--limit and --format');
    expect(usageError(['review', '--bogus'])).toContain("Unknown option '--bogus'");
  });
});

describe('gapstream identity: decisions and listings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gs-identity-cli-'));
  let bus: Bus;
  let codec: Codec;
  let store: Store;
  let deps: IdentityCliDeps;

  beforeAll(async () => {
    bus = await createEmbeddedBus({ dataDir: join(dir, 'bus'), fsync: 'never' });
    codec = await createLocalCodec();
    store = await openStore({ driver: 'chdb', path: join(dir, 'chdb'), database: 'gs_identity_cli' });
    deps = { bus, codec, store };
  });
  afterAll(async () => {
    await store?.close();
    await bus?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes one DECISION record per command, key null, on a one-partition topic', async () => {
    const out = buffer();
    const link = parseIdentityArgs([
      'review',
      'link',
      'MR|A|1',
      'MR|B|2',
      '--by',
      'ann',
      '--reason',
      'same MBI',
    ]);
    expect(await runIdentityCommand(link, deps, out, buffer())).toBe(0);
    expect(JSON.parse(out.text())).toMatchObject({
      published: { topic: IDENTITY_REQUEST_TOPIC, partition: 0, offset: 0 },
      decision: { action: 'LINK' },
    });
    const unlink = parseIdentityArgs(['unlink', 'MR|A|1', '--by', 'bob']);
    expect(await runIdentityCommand(unlink, deps, buffer(), buffer())).toBe(0);

    expect(await bus.partitionCount(IDENTITY_REQUEST_TOPIC)).toBe(1);
    const records = await readTopic(bus, IDENTITY_REQUEST_TOPIC);
    expect(records).toHaveLength(2);
    expect(records.map((r) => r.key)).toEqual([null, null]);
    const values = await Promise.all(
      records.map((r) => codec.decode<Record<string, unknown>>(IDENTITY_REQUEST_TOPIC, r.value!)),
    );
    expect(values[0]).toEqual({
      kind: 'DECISION',
      sourceTopic: null,
      sourcePartition: null,
      sourceOffset: null,
      eventKind: null,
      payload: null,
      observation: null,
      merge: null,
      decision: {
        action: 'LINK',
        recordId: 'MR|A|1',
        otherRecordId: 'MR|B|2',
        decidedBy: 'ann',
        reason: 'same MBI',
      },
    });
    expect(values[1]).toMatchObject({
      kind: 'DECISION',
      decision: { action: 'UNLINK', recordId: 'MR|A|1', otherRecordId: null, decidedBy: 'bob', reason: null },
    });
  });

  it('refuses to publish when the request topic has more than one partition', async () => {
    const other = await createEmbeddedBus({ dataDir: join(dir, 'bus-wrong'), fsync: 'never' });
    try {
      await other.ensureTopics([{ topic: IDENTITY_REQUEST_TOPIC, partitions: 3 }]);
      const err = buffer();
      const cmd = parseIdentityArgs(['review', 'reject', 'a', 'b', '--by', 'ann']);
      expect(await runIdentityCommand(cmd, { bus: other, codec, store }, buffer(), err)).toBe(1);
      expect(err.text()).toContain('has 3 partitions; the identity writer needs exactly 1');
      expect(await readTopic(other, IDENTITY_REQUEST_TOPIC)).toHaveLength(0);
      await expect(
        publishDecision(other, codec, {
          action: 'UNLINK',
          recordId: 'a',
          otherRecordId: null,
          decidedBy: 'x',
          reason: null,
        }),
      ).rejects.toThrow(/Nothing was published/);
    } finally {
      await other.close();
    }
  });

  describe('from ClickHouse (chDB)', () => {
    const AT = Date.UTC(2024, 2, 1, 9, 0, 0);
    const ctx = (offset: number): StepContext => ({
      source: { topic: 'identity.link.v1', partition: 0, offset },
      key: null,
      timestamp: AT + 5_000,
    });
    const base: IdentityLinkValue = {
      eventId: 'r1#0',
      requestId: 'r1',
      at: AT,
      kind: 'LINK',
      method: 'NEW',
      recordId: 'MR|NORTH|100',
      personId: 'P1',
      otherPersonId: null,
      otherRecordId: null,
      score: null,
      contributions: [],
      movedRecordIds: [],
      reason: null,
      decidedBy: null,
    };
    const events: IdentityLinkValue[] = [
      base,
      { ...base, eventId: 'r2#0', requestId: 'r2', at: AT + 1000, recordId: 'MR|SOUTH|900', personId: 'P2' },
      {
        ...base,
        eventId: 'r2#1',
        requestId: 'r2',
        at: AT + 1000,
        kind: 'REVIEW_OPENED',
        method: 'PROBABILISTIC',
        recordId: 'MR|SOUTH|900',
        personId: 'P2',
        otherRecordId: 'MR|NORTH|100',
        otherPersonId: 'P1',
        score: 8.5,
        contributions: [
          { field: 'family', level: 'exact', weight: 7.5 },
          { field: 'given', level: 'nickname', weight: 4.25 },
          { field: 'birth_date', level: 'else', weight: -3.2 },
        ],
        reason: 'score between thresholds',
      },
      {
        ...base,
        eventId: 'r3#0',
        requestId: 'r3',
        at: AT + 2000,
        kind: 'LINK',
        recordId: 'MR|EAST|7',
        personId: 'P3',
      },
      {
        ...base,
        eventId: 'r3#1',
        requestId: 'r3',
        at: AT + 2000,
        kind: 'REVIEW_OPENED',
        method: 'PROBABILISTIC',
        recordId: 'MR|EAST|7',
        personId: 'P3',
        otherRecordId: 'MR|NORTH|100',
        otherPersonId: 'P1',
        score: 11.25,
        contributions: [{ field: 'ssn', level: 'exact', weight: 12 }],
        reason: 'identifier shared but demographics disagree',
      },
      {
        ...base,
        eventId: 'd1#0',
        requestId: 'd1',
        at: AT + 3000,
        kind: 'REVIEW_CLOSED',
        method: 'MANUAL',
        recordId: 'MR|NORTH|100',
        personId: 'P1',
        otherRecordId: 'MR|EAST|7',
        otherPersonId: 'P3',
        score: 11.25,
        reason: 'linked by review',
        decidedBy: 'ann',
      },
      {
        ...base,
        eventId: 'd1#1',
        requestId: 'd1',
        at: AT + 3000,
        kind: 'MERGE',
        method: 'MANUAL',
        recordId: 'MR|NORTH|100',
        personId: 'P1',
        otherRecordId: 'MR|EAST|7',
        otherPersonId: 'P3',
        movedRecordIds: ['MR|EAST|7'],
        reason: 'linked by review',
        decidedBy: 'ann',
      },
    ];

    beforeAll(async () => {
      // Landed with the sinks' own row functions, the review versions in two separate blocks
      // (parts), and the link rows twice (a replay).
      const links = events.map((e, i) => identityLinkRow(e, ctx(i)));
      await store.insert(IDENTITY_TABLES.links, links);
      await store.insert(IDENTITY_TABLES.links, links);
      const reviews = events.map((e) => identityReviewRow(e)).filter((r) => r !== null);
      await store.insert(IDENTITY_TABLES.reviews, reviews.slice(0, 2));
      await store.insert(IDENTITY_TABLES.reviews, reviews.slice(2));
    });

    it('lists the open pairs only, with contributions as field:level(+w)', async () => {
      expect((await openReviews(store, { limit: 10 })).map((r) => r.reviewKey)).toEqual([
        'MR|NORTH|100~MR|SOUTH|900',
      ]);
      expect(await reviewOf(store, 'MR|EAST|7', 'MR|NORTH|100')).toMatchObject({
        status: 'CLOSED',
        decidedBy: 'ann',
      });
      const out = buffer();
      expect(await runIdentityCommand(parseIdentityArgs(['review']), deps, out, buffer())).toBe(0);
      const lines = out.text().trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(
        /^SCORE\s+RECORD\s+CANDIDATE\s+PERSON\s+CANDIDATE_PERSON\s+OPENED\s+REASON\s+CONTRIBUTIONS$/,
      );
      expect(lines[1]).toContain('8.50');
      expect(lines[1]).toContain('MR|SOUTH|900');
      expect(lines[1]).toContain('MR|NORTH|100');
      expect(lines[1]).toContain('2024-03-01 09:00:01');
      expect(lines[1]).toContain('score between thresholds');
      expect(lines[1]).toContain('family:exact(+7.5) given:nickname(+4.3) birth_date:else(-3.2)');

      const json = buffer();
      expect(
        await runIdentityCommand(parseIdentityArgs(['review', '--format', 'json']), deps, json, buffer()),
      ).toBe(0);
      expect(JSON.parse(json.text())).toMatchObject({
        reviewKey: 'MR|NORTH|100~MR|SOUTH|900',
        status: 'OPEN',
        score: 8.5,
        personId: 'P2',
        candidatePersonId: 'P1',
        contributions: events[2]!.contributions,
      });
    });

    it('says so when no pair is open', async () => {
      await store.insert(IDENTITY_TABLES.reviews, [
        identityReviewRow({
          ...events[5]!,
          eventId: 'd2#0',
          requestId: 'd2',
          at: AT + 4000,
          recordId: 'MR|SOUTH|900',
          otherRecordId: 'MR|NORTH|100',
          reason: 'not the same person',
        })!,
      ]);
      const out = buffer();
      expect(await runIdentityCommand(parseIdentityArgs(['review']), deps, out, buffer())).toBe(0);
      expect(out.text()).toBe('No open reviews.\n');
    });

    it('shows the audit trail of a record or a person, oldest first, once per event', async () => {
      const byRecord = await auditTrail(store, { recordId: 'MR|EAST|7' });
      expect(byRecord.map((e) => e.eventId)).toEqual(['r3#0', 'r3#1', 'd1#0', 'd1#1']);
      const byPerson = await auditTrail(store, { personId: 'P1' });
      expect(byPerson.map((e) => e.eventId)).toEqual(['r1#0', 'r2#1', 'r3#1', 'd1#0', 'd1#1']);
      expect((await auditTrail(store, { personId: 'P1', limit: 2 })).map((e) => e.eventId)).toEqual([
        'd1#0',
        'd1#1',
      ]);

      const out = buffer();
      expect(await runIdentityCommand(parseIdentityArgs(['show', 'MR|EAST|7']), deps, out, buffer())).toBe(0);
      const lines = out.text().trimEnd().split('\n');
      expect(lines[0]).toMatch(/^AT\s+KIND\s+METHOD\s+RECORD\s+PERSON\s+OTHER_RECORD/);
      expect(lines.slice(1).map((l) => l.split(/\s+/)[2])).toEqual([
        'LINK',
        'REVIEW_OPENED',
        'REVIEW_CLOSED',
        'MERGE',
      ]);
      expect(lines[4]).toContain('ann');
      expect(lines[4]).toContain('MR|EAST|7');

      const json = buffer();
      expect(
        await runIdentityCommand(parseIdentityArgs(['show', 'P3', '--format', 'json']), deps, json, buffer()),
      ).toBe(0);
      expect(
        json
          .text()
          .trimEnd()
          .split('\n')
          .map((l) => (JSON.parse(l) as { eventId: string }).eventId),
      ).toEqual(['r3#0', 'r3#1', 'd1#0', 'd1#1']);

      const err = buffer();
      expect(await runIdentityCommand(parseIdentityArgs(['show', 'MR|NOBODY|0']), deps, buffer(), err)).toBe(
        1,
      );
      expect(err.text()).toBe('No identity events for MR|NOBODY|0.\n');
    });
  });
});
