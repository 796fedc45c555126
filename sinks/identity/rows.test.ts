import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BadRecordError } from '../../runtime/errors.ts';
import type { StepContext } from '../../runtime/runner/step.ts';
import { reviewKey as indexReviewKey } from '../../processors/identity/index-state.ts';
import { createLocalCodec } from '../../schemas/codec.ts';
import { EXAMPLES } from '../../schemas/examples.ts';
import { DEFAULT_MIGRATIONS_DIR, splitStatements } from '../clickhouse/migrations.ts';
import {
  auditEntryFromRow,
  eventPosition,
  identityLinkRow,
  identityReviewRow,
  reviewEntryFromRow,
  reviewKey,
  reviewVersion,
  summarizeContributions,
  type IdentityLinkValue,
} from './rows.ts';
import { identitySinks } from './identity-sinks.ts';
import { IDENTITY_LINK_COLUMNS, IDENTITY_REVIEW_COLUMNS } from './tables.ts';

const ctx: StepContext = {
  source: { topic: 'identity.link.v1', partition: 2, offset: 77 },
  key: 'P6f1c2a9b0d3e4f5a6b7c',
  timestamp: Date.UTC(2024, 0, 31, 13, 30, 1, 456),
};

const AT = Date.UTC(2024, 0, 31, 13, 30, 0, 789);

const link = EXAMPLES['identity.link.v1'] as unknown as IdentityLinkValue;

const opened: IdentityLinkValue = {
  eventId: 'clinical.event.v1/0/2000#1',
  requestId: 'clinical.event.v1/0/2000',
  at: AT,
  kind: 'REVIEW_OPENED',
  method: 'PROBABILISTIC',
  recordId: 'MR|SOUTH|900',
  personId: 'P00000000000000000002',
  otherPersonId: 'P00000000000000000001',
  otherRecordId: 'MR|NORTH|100',
  score: 9.37,
  contributions: [
    { field: 'family', level: 'exact', weight: 7.5 },
    { field: 'birth_date', level: 'one digit', weight: 3.21 },
    { field: 'given', level: 'else', weight: -4.04 },
  ],
  movedRecordIds: [],
  reason: 'score between thresholds',
  decidedBy: null,
};

const closed: IdentityLinkValue = {
  ...opened,
  eventId: 'decision/9#0',
  requestId: 'decision/9',
  kind: 'REVIEW_CLOSED',
  method: 'MANUAL',
  // The reviewer named the pair the other way round.
  recordId: 'MR|NORTH|100',
  otherRecordId: 'MR|SOUTH|900',
  personId: 'P00000000000000000001',
  otherPersonId: 'P00000000000000000002',
  contributions: [],
  reason: 'not the same person',
  decidedBy: 'reviewer1',
};

describe('identity_links row', () => {
  it('maps every event field to its column, contributions as JSON, times exact and at second precision', () => {
    const row = identityLinkRow(link, ctx);
    expect(row).toEqual({
      event_id: 'clinical.event.v1/0/1041#0',
      request_id: 'clinical.event.v1/0/1041',
      at_ms: 1706707800000,
      at: '2024-01-31 13:30:00',
      kind: 'LINK',
      method: 'PROBABILISTIC',
      record_id: 'MR|NORTHCLINIC|12345',
      person_id: 'P6f1c2a9b0d3e4f5a6b7c',
      other_person_id: null,
      other_record_id: 'MBI|CMS|1EG4TE5MK73',
      score: 31.4,
      contributions_json: JSON.stringify(link.contributions),
      moved_record_ids: [],
      reason: null,
      decided_by: null,
      source_partition: 2,
      source_offset: 77,
      published_at: '2024-01-31 13:30:01',
    });
    expect(Object.keys(row)).toEqual([...IDENTITY_LINK_COLUMNS]);
  });

  it('stores contributions as field, level and weight only', () => {
    const withExtra = {
      ...opened,
      contributions: [{ field: 'family', level: 'exact', weight: 7.5, value: 'DOE' }],
    } as unknown as IdentityLinkValue;
    expect(identityLinkRow(withExtra, ctx).contributions_json).toBe(
      '[{"field":"family","level":"exact","weight":7.5}]',
    );
  });

  it('reads back the event it was written from (64-bit integers arrive as strings)', () => {
    const row = identityLinkRow({ ...opened, movedRecordIds: ['a', 'b'] }, ctx);
    const selected = { ...row, at_ms: String(row.at_ms), source_offset: String(row.source_offset) };
    expect(auditEntryFromRow(selected)).toEqual({
      ...opened,
      movedRecordIds: ['a', 'b'],
      sourcePartition: 2,
      sourceOffset: 77,
    });
  });

  it('refuses an `at` that is not epoch milliseconds, naming the event only', () => {
    const err = (() => {
      try {
        identityLinkRow({ ...opened, at: -1 }, ctx);
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(BadRecordError);
    expect((err as BadRecordError).code).toBe('IDENTITY_ROW_AT');
    expect((err as Error).message).toContain(opened.eventId);
    expect((err as Error).message).not.toContain(opened.recordId);
  });
});

describe('identity_reviews row', () => {
  it('keys a pair like the index does: sorted ids joined by ~', () => {
    for (const [a, b] of [
      ['MR|SOUTH|900', 'MR|NORTH|100'],
      ['x', 'y'],
      ['b~', 'a'],
    ] as const) {
      expect(reviewKey(a, b)).toBe(indexReviewKey(a, b));
      expect(reviewKey(a, b)).toBe(reviewKey(b, a));
    }
  });

  it('opens a pair with its score, reason, persons and contributions', () => {
    const row = identityReviewRow(opened)!;
    expect(row).toEqual({
      review_key: 'MR|NORTH|100~MR|SOUTH|900',
      version: AT * 1024 + 1,
      status: 'OPEN',
      record_id: 'MR|SOUTH|900',
      candidate_record_id: 'MR|NORTH|100',
      person_id: 'P00000000000000000002',
      candidate_person_id: 'P00000000000000000001',
      score: 9.37,
      reason: 'score between thresholds',
      contributions_json: JSON.stringify(opened.contributions),
      opened_at: '2024-01-31 13:30:00',
      closed_at: null,
      decided_by: null,
      at_ms: AT,
      event_id: opened.eventId,
    });
    expect(Object.keys(row)).toEqual([...IDENTITY_REVIEW_COLUMNS]);
  });

  it('closes the same pair whichever way round the reviewer named it, with a higher version', () => {
    const row = identityReviewRow(closed)!;
    expect(row).toMatchObject({
      review_key: 'MR|NORTH|100~MR|SOUTH|900',
      status: 'CLOSED',
      decided_by: 'reviewer1',
      opened_at: null,
      closed_at: '2024-01-31 13:30:00',
    });
    // Same millisecond as the OPEN: the CLOSE still wins, whatever its position.
    expect(row.version).toBeGreaterThan(
      identityReviewRow({ ...opened, eventId: `${opened.requestId}#400` })!.version,
    );
    // A later OPEN (a pair opened again) wins over an earlier CLOSE.
    expect(identityReviewRow({ ...opened, at: AT + 1 })!.version).toBeGreaterThan(row.version);
    expect(Number.isSafeInteger(reviewVersion(Date.UTC(2200, 0, 1), 'CLOSED', 511))).toBe(true);
  });

  it('orders events of one request by position (event ids are <requestId>#<n>)', () => {
    expect(eventPosition('clinical.event.v1/0/2000#12', 'clinical.event.v1/0/2000')).toBe(12);
    expect(eventPosition('other-shape', 'clinical.event.v1/0/2000')).toBe(0);
    expect(reviewVersion(AT, 'OPEN', 3)).toBeLessThan(reviewVersion(AT, 'OPEN', 4));
    expect(reviewVersion(AT, 'OPEN', 10_000)).toBe(reviewVersion(AT, 'OPEN', 511));
  });

  it('has no row for other kinds, and refuses a review event without a pair', () => {
    for (const kind of ['LINK', 'UPDATE', 'MERGE', 'SPLIT'] as const)
      expect(identityReviewRow({ ...opened, kind })).toBeNull();
    expect(() => identityReviewRow({ ...opened, otherRecordId: null })).toThrow(BadRecordError);
  });

  it('reads back as a review entry', () => {
    const row = identityReviewRow(opened)!;
    expect(reviewEntryFromRow({ ...row, version: String(row.version), at_ms: String(row.at_ms) })).toEqual({
      reviewKey: 'MR|NORTH|100~MR|SOUTH|900',
      status: 'OPEN',
      recordId: 'MR|SOUTH|900',
      candidateRecordId: 'MR|NORTH|100',
      personId: 'P00000000000000000002',
      candidatePersonId: 'P00000000000000000001',
      score: 9.37,
      reason: 'score between thresholds',
      contributions: opened.contributions,
      openedAt: Date.UTC(2024, 0, 31, 13, 30, 0),
      closedAt: null,
      decidedBy: null,
      at: AT,
      eventId: opened.eventId,
      version: AT * 1024 + 1,
    });
  });

  it('summarizes contributions as field:level(+w)', () => {
    expect(summarizeContributions(opened.contributions)).toBe(
      'family:exact(+7.5) birth_date:one digit(+3.2) given:else(-4)',
    );
    expect(summarizeContributions([])).toBe('');
  });
});

describe('sinks', () => {
  it('the links sink writes every event, the reviews sink only review events', () => {
    const sinks = identitySinks(undefined as never);
    expect(sinks.links.input).toBe('identity.link.v1');
    expect(sinks.reviews.input).toBe('identity.link.v1');
    expect(sinks.links.toRows(link, ctx)).toHaveLength(1);
    expect(sinks.reviews.toRows(link, ctx)).toEqual([]);
    expect(sinks.reviews.toRows(opened, ctx)).toHaveLength(1);
    expect(new Set([sinks.links.name, sinks.reviews.name]).size).toBe(2);
  });

  it('maps what the codec decodes from identity.link.v1', async () => {
    const codec = await createLocalCodec();
    for (const v of [link, opened, closed]) {
      const decoded = await codec.decode<IdentityLinkValue>(
        'identity.link.v1',
        await codec.encode('identity.link.v1', v),
      );
      expect(auditEntryFromRow(identityLinkRow(decoded, ctx))).toMatchObject(v);
    }
  });
});

describe('migration 0005 matches the column lists', () => {
  const sql = readFileSync(join(DEFAULT_MIGRATIONS_DIR, '0005_identity.sql'), 'utf8');
  /** Column names of `CREATE TABLE IF NOT EXISTS <table>`. */
  const ddlColumns = (table: string): string[] => {
    const start = sql.indexOf(`CREATE TABLE IF NOT EXISTS ${table}\n`);
    expect(start, table).toBeGreaterThanOrEqual(0);
    const body = sql.slice(sql.indexOf('(', start) + 1, sql.indexOf('\n)', start));
    return body
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('--'))
      .map((l) => l.split(/\s+/)[0]!);
  };

  it('identity_links and identity_reviews', () => {
    expect(ddlColumns('identity_links')).toEqual([...IDENTITY_LINK_COLUMNS]);
    expect(ddlColumns('identity_reviews')).toEqual([...IDENTITY_REVIEW_COLUMNS]);
  });

  it('the latest-review view names every review column', () => {
    const view = splitStatements(sql).find((s) =>
      s.startsWith('CREATE VIEW IF NOT EXISTS identity_reviews_latest'),
    )!;
    for (const c of IDENTITY_REVIEW_COLUMNS) expect(view).toMatch(new RegExp(`AS ${c}\\b|^\\s+${c},`, 'm'));
  });

  it('uses no type 18.16 lacks', () => {
    const statements = splitStatements(sql).join('\n');
    expect(statements).not.toMatch(/DateTime64|Date32|LowCardinality|\bJSON\b|Object\(/);
  });
});
