import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BadRecordError } from '../../runtime/errors.ts';
import type { StepContext } from '../../runtime/runner/step.ts';
import { createLocalCodec } from '../../schemas/codec.ts';
import { EXAMPLES } from '../../schemas/examples.ts';
import { DEFAULT_MIGRATIONS_DIR, splitStatements } from '../clickhouse/migrations.ts';
import type { Store } from '../clickhouse/store.ts';
import { careGapSinks } from './care-gap-sinks.ts';
import {
  attributionChangeRows,
  evidenceJson,
  gapChangeRows,
  gapMemberFromRow,
  gapRateFromRow,
  isIsoDate,
  parseEvidence,
  statusVersion,
  type AttributionChangeValue,
  type GapChangeValue,
} from './rows.ts';
import {
  ATTRIBUTION_CHANGE_COLUMNS,
  ATTRIBUTION_STATUS_COLUMNS,
  GAP_CHANGE_COLUMNS,
  GAP_RATE_COLUMNS,
  GAP_STATUS_COLUMNS,
  GAP_WORKLIST_COLUMNS,
} from './tables.ts';

const ctx: StepContext = {
  source: { topic: 'gap.change.v1', partition: 3, offset: 1_048_581 },
  key: 'P6f1c2a9b0d3e4f5a6b7c',
  timestamp: Date.UTC(2026, 2, 5, 8, 40, 0, 250),
};

const gap = EXAMPLES['gap.change.v1'] as unknown as GapChangeValue;
const attribution = EXAMPLES['attribution.change.v1'] as unknown as AttributionChangeValue;

const EVIDENCE_JSON =
  '[{"factId":"result|MR|NORTHCLINIC|12345|F1001|4548-4|1","recordId":"MR|NORTHCLINIC|12345","system":"LOINC","code":"4548-4","date":"2026-03-02","value":7.1,"source":{"topic":"clinical.event.v1","partition":0,"offset":1041,"ref":"ev-1041"}}]';

describe('gap.change.v1 rows', () => {
  it('maps every field to its gap_changes column: evidence as JSON, times exact and at second precision', () => {
    const { change } = gapChangeRows(gap, ctx);
    expect(change).toEqual({
      change_id: 'b2a9c4e1',
      contract_id: 'example-mssp',
      contract_version: '2026.1',
      measure_id: 'CMS122',
      measure_version: '2024.0',
      person_id: 'P6f1c2a9b0d3e4f5a6b7c',
      period_start: '2026-01-01',
      period_end: '2026-12-31',
      old_status: 'OPEN',
      new_status: 'CLOSED',
      numerator_met: 0,
      exclusion: null,
      reason: 'latest HbA1c 2026-03-02',
      evidence_json: EVIDENCE_JSON,
      due_by: null,
      attributed_npi: '1234567893',
      attributed_tin: '123456789',
      trigger: 'EVENT',
      as_of: '2026-03-05',
      at_ms: 1772700000000,
      at: '2026-03-05 08:40:00',
      source_partition: 3,
      source_offset: 1_048_581,
      published_at: '2026-03-05 08:40:00',
    });
    expect(Object.keys(change)).toEqual([...GAP_CHANGE_COLUMNS]);
  });

  it('maps the same change to a gap_status version keyed by contract, measure, period and person', () => {
    const { status } = gapChangeRows(gap, ctx);
    expect(status).toEqual({
      contract_id: 'example-mssp',
      measure_id: 'CMS122',
      period_start: '2026-01-01',
      person_id: 'P6f1c2a9b0d3e4f5a6b7c',
      version: 1772700000000n * 1_048_576n + 5n,
      period_end: '2026-12-31',
      status: 'CLOSED',
      old_status: 'OPEN',
      numerator_met: 0,
      exclusion: null,
      reason: 'latest HbA1c 2026-03-02',
      evidence_json: EVIDENCE_JSON,
      due_by: null,
      attributed_npi: '1234567893',
      attributed_tin: '123456789',
      contract_version: '2026.1',
      measure_version: '2024.0',
      trigger: 'EVENT',
      as_of: '2026-03-05',
      at_ms: 1772700000000,
      at: '2026-03-05 08:40:00',
      change_id: 'b2a9c4e1',
    });
    expect(Object.keys(status).sort()).toEqual([...GAP_STATUS_COLUMNS].sort());
  });

  it('keeps booleans as 0/1 and optional fields as null', () => {
    const { change, status } = gapChangeRows(
      {
        ...gap,
        oldStatus: null,
        newStatus: 'EXCLUDED',
        numeratorMet: true,
        exclusion: 'hospice',
        dueBy: '2027-12-31',
        attributedNpi: null,
        attributedTin: null,
        evidence: [],
      },
      ctx,
    );
    expect(change).toMatchObject({
      old_status: null,
      new_status: 'EXCLUDED',
      numerator_met: 1,
      exclusion: 'hospice',
      due_by: '2027-12-31',
      attributed_npi: null,
      attributed_tin: null,
      evidence_json: '[]',
    });
    expect(status).toMatchObject({ status: 'EXCLUDED', numerator_met: 1, due_by: '2027-12-31' });
  });

  it('decodes from the wire and maps the same (enums as symbols, date as text, timestamp as ms)', async () => {
    const codec = await createLocalCodec();
    const decoded = await codec.decode<GapChangeValue>(
      'gap.change.v1',
      await codec.encode('gap.change.v1', gap),
    );
    expect(gapChangeRows(decoded, ctx)).toEqual(gapChangeRows(gap, ctx));
    const a = await codec.decode<AttributionChangeValue>(
      'attribution.change.v1',
      await codec.encode('attribution.change.v1', attribution),
    );
    expect(attributionChangeRows(a, ctx)).toEqual(attributionChangeRows(attribution, ctx));
  });

  it('refuses values the tables cannot key or date, naming the change id only', () => {
    const cases: [Partial<GapChangeValue>, string, RegExp][] = [
      [{ at: -1 }, 'CARE_GAP_ROW_AT', /`at`/],
      [{ at: 1.5 }, 'CARE_GAP_ROW_AT', /`at`/],
      [{ contractId: '' }, 'CARE_GAP_ROW_KEY', /empty contractId/],
      [{ personId: '' }, 'CARE_GAP_ROW_KEY', /empty personId/],
      [{ measureId: '' }, 'CARE_GAP_ROW_KEY', /empty measureId/],
      [{ periodStart: '2026-1-1' }, 'CARE_GAP_ROW_DATE', /periodStart/],
      [{ periodEnd: '2026-02-30' }, 'CARE_GAP_ROW_DATE', /periodEnd/],
      [{ dueBy: 'soon' }, 'CARE_GAP_ROW_DATE', /dueBy/],
    ];
    for (const [patch, code, message] of cases) {
      let err: unknown;
      try {
        gapChangeRows({ ...gap, ...patch }, ctx);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(patch)).toBeInstanceOf(BadRecordError);
      expect((err as BadRecordError).code).toBe(code);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).toMatch(/gap\.change\.v1 change b2a9c4e1 /);
      expect((err as Error).message).not.toContain('P6f1c2a9b0d3e4f5a6b7c');
    }
    expect(() => gapChangeRows({ ...gap, changeId: '' }, ctx)).toThrow(/empty changeId/);
  });
});

describe('status version', () => {
  it('orders by time first, then by topic offset within a millisecond; a replay has the same version', () => {
    const at = Date.UTC(2026, 2, 5);
    expect(statusVersion(at + 1, 0)).toBeGreaterThan(statusVersion(at, 999_999));
    expect(statusVersion(at + 1, 0)).toBeGreaterThan(statusVersion(at, 2 ** 40));
    expect(statusVersion(at, 8)).toBeGreaterThan(statusVersion(at, 7));
    expect(statusVersion(at, 7)).toBe(statusVersion(at, 7));
    expect(statusVersion(at, 0) >> 20n).toBe(BigInt(at));
  });

  it('fits in UInt64 for any millisecond before the year 2527', () => {
    const max = Date.UTC(2527, 0, 1) - 1;
    expect(statusVersion(max, 2 ** 20 - 1)).toBeLessThan(2n ** 64n);
    expect(statusVersion(Date.UTC(2026, 0, 1), 0)).toBeGreaterThan(BigInt(Number.MAX_SAFE_INTEGER));
  });
});

describe('attribution.change.v1 rows', () => {
  it('maps every field to attribution_changes and a version of attribution_status', () => {
    const { change, status } = attributionChangeRows(attribution, ctx);
    expect(change).toEqual({
      change_id: 'c0ffee12',
      contract_id: 'example-mssp',
      contract_version: '2026.1',
      person_id: 'P6f1c2a9b0d3e4f5a6b7c',
      period_start: '2026-01-01',
      period_end: '2026-12-31',
      old_attributed: null,
      attributed: 1,
      old_npi: null,
      npi: '1234567893',
      tin: '123456789',
      method: 'claims:primary-care-physicians',
      reason: '3 qualifying visits',
      evidence_json: EVIDENCE_JSON,
      trigger: 'EVENT',
      as_of: '2026-03-05',
      at_ms: 1772700000000,
      at: '2026-03-05 08:40:00',
      source_partition: 3,
      source_offset: 1_048_581,
      published_at: '2026-03-05 08:40:00',
    });
    expect(Object.keys(change)).toEqual([...ATTRIBUTION_CHANGE_COLUMNS]);
    expect(status).toEqual({
      contract_id: 'example-mssp',
      period_start: '2026-01-01',
      person_id: 'P6f1c2a9b0d3e4f5a6b7c',
      version: statusVersion(1772700000000, 1_048_581),
      period_end: '2026-12-31',
      attributed: 1,
      npi: '1234567893',
      tin: '123456789',
      method: 'claims:primary-care-physicians',
      reason: '3 qualifying visits',
      evidence_json: EVIDENCE_JSON,
      contract_version: '2026.1',
      trigger: 'EVENT',
      as_of: '2026-03-05',
      at_ms: 1772700000000,
      at: '2026-03-05 08:40:00',
      change_id: 'c0ffee12',
    });
    expect(Object.keys(status)).toEqual([...ATTRIBUTION_STATUS_COLUMNS]);
  });

  it('keeps a previous attribution of false as 0, not null', () => {
    const { change } = attributionChangeRows(
      { ...attribution, oldAttributed: false, attributed: false },
      ctx,
    );
    expect(change).toMatchObject({ old_attributed: 0, attributed: 0 });
  });

  it('refuses a bad period', () => {
    expect(() => attributionChangeRows({ ...attribution, periodStart: '' }, ctx)).toThrow(
      /attribution\.change\.v1 change c0ffee12 has a periodStart/,
    );
  });
});

describe('evidence', () => {
  it('stores the Avro fields only, in schema order, missing optionals as null', () => {
    const json = evidenceJson([
      {
        factId: 'f',
        recordId: 'r',
        system: null,
        code: 'X',
        date: null,
        value: null,
        extra: 'dropped',
        source: { topic: 't', partition: null, offset: null, ref: 'ref-1', name: 'dropped' },
      } as unknown as GapChangeValue['evidence'][number],
    ]);
    expect(json).toBe(
      '[{"factId":"f","recordId":"r","system":null,"code":"X","date":null,"value":null,"source":{"topic":"t","partition":null,"offset":null,"ref":"ref-1"}}]',
    );
    expect(parseEvidence(json)).toEqual([
      {
        factId: 'f',
        recordId: 'r',
        system: null,
        code: 'X',
        date: null,
        value: null,
        source: { topic: 't', partition: null, offset: null, ref: 'ref-1' },
      },
    ]);
    expect(parseEvidence('')).toEqual([]);
    expect(parseEvidence('{}')).toEqual([]);
  });

  it('checks ISO dates for real calendar days', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2023-02-29')).toBe(false);
    expect(isIsoDate('2026-13-01')).toBe(false);
    expect(isIsoDate('20260101')).toBe(false);
  });
});

describe('reading back', () => {
  it('parses gap_rates rows with 64-bit counts as strings and a null rate', () => {
    expect(
      gapRateFromRow({
        contract_id: 'c',
        measure_id: 'CMS125',
        period_start: '2026-01-01',
        period_end: '2026-12-31',
        attributed_tin: null,
        attributed_npi: null,
        denominator: '0',
        numerator: '0',
        exclusions: '2',
        open_gaps: '0',
        closed_gaps: '0',
        not_in_denominator: '5',
        rate: null,
      }),
    ).toEqual({
      contractId: 'c',
      measureId: 'CMS125',
      periodStart: '2026-01-01',
      periodEnd: '2026-12-31',
      attributedTin: null,
      attributedNpi: null,
      denominator: 0,
      numerator: 0,
      exclusions: 2,
      openGaps: 0,
      closedGaps: 0,
      notInDenominator: 5,
      rate: null,
    });
  });

  it('parses a gap_status row back to the member view of the change', () => {
    const { status } = gapChangeRows(gap, ctx);
    const selected = { ...status, version: String(status.version), at_ms: String(status.at_ms) };
    expect(gapMemberFromRow(selected)).toEqual({
      contractId: gap.contractId,
      measureId: gap.measureId,
      periodStart: gap.periodStart,
      periodEnd: gap.periodEnd,
      personId: gap.personId,
      status: 'CLOSED',
      numeratorMet: false,
      exclusion: null,
      reason: gap.reason,
      evidence: gap.evidence,
      dueBy: null,
      attributedTin: '123456789',
      attributedNpi: '1234567893',
      contractVersion: '2026.1',
      measureVersion: '2024.0',
      at: gap.at,
      changeId: gap.changeId,
    });
  });
});

describe('care-gap sinks', () => {
  it('read their topics and write history before status, both tables per batch', async () => {
    const inserts: [string, readonly Record<string, unknown>[]][] = [];
    const store = {
      insert: (table: string, rows: readonly Record<string, unknown>[]) => {
        inserts.push([table, rows]);
        return Promise.resolve();
      },
    } as unknown as Store;
    const sinks = careGapSinks(store);
    expect([sinks.gaps.input, sinks.attribution.input]).toEqual(['gap.change.v1', 'attribution.change.v1']);
    expect([sinks.gaps.name, sinks.attribution.name]).toEqual([
      'gap-changes-clickhouse',
      'attribution-changes-clickhouse',
    ]);
    await sinks.gaps.write(sinks.gaps.toRows(gap, ctx));
    await sinks.attribution.write(sinks.attribution.toRows(attribution, ctx));
    expect(inserts.map(([t, rows]) => [t, rows.length])).toEqual([
      ['gap_changes', 1],
      ['gap_status', 1],
      ['attribution_changes', 1],
      ['attribution_status', 1],
    ]);
    expect(inserts[1]![1][0]).toEqual(gapChangeRows(gap, ctx).status);
  });
});

describe('migration 0006 matches the column lists', () => {
  const sql = readFileSync(join(DEFAULT_MIGRATIONS_DIR, '0006_care_gaps.sql'), 'utf8');
  const statements = splitStatements(sql);
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
  const view = (name: string): string =>
    statements.find((s) => s.startsWith(`CREATE VIEW IF NOT EXISTS ${name} `))!;

  it('history and status tables', () => {
    expect(ddlColumns('gap_changes')).toEqual([...GAP_CHANGE_COLUMNS]);
    expect(ddlColumns('gap_status')).toEqual([...GAP_STATUS_COLUMNS]);
    expect(ddlColumns('attribution_changes')).toEqual([...ATTRIBUTION_CHANGE_COLUMNS]);
    expect(ddlColumns('attribution_status')).toEqual([...ATTRIBUTION_STATUS_COLUMNS]);
  });

  it('the latest-status views name every status column; the report views their columns', () => {
    for (const [name, columns] of [
      ['gap_status_latest', GAP_STATUS_COLUMNS],
      ['attribution_status_latest', ATTRIBUTION_STATUS_COLUMNS],
      ['gap_rates', GAP_RATE_COLUMNS],
      ['gap_worklist', GAP_WORKLIST_COLUMNS],
    ] as const) {
      const text = view(name);
      expect(text, name).toBeDefined();
      for (const c of columns)
        expect(text, `${name}.${c}`).toMatch(new RegExp(`AS ${c}\\b|^\\s+${c},?$`, 'm'));
    }
  });

  it('keys history by change id and status by its natural key; every statement idempotent', () => {
    expect(sql).toMatch(
      /gap_changes[\s\S]*?ENGINE = ReplacingMergeTree\nORDER BY \(contract_id, person_id, change_id, at_ms\)/,
    );
    expect(sql).toMatch(
      /gap_status\n[\s\S]*?ENGINE = ReplacingMergeTree\(version\)\nORDER BY \(contract_id, measure_id, period_start, person_id\)/,
    );
    expect(sql).toMatch(
      /attribution_status\n[\s\S]*?ENGINE = ReplacingMergeTree\(version\)\nORDER BY \(contract_id, period_start, person_id\)/,
    );
    for (const s of statements) expect(s).toMatch(/^CREATE (TABLE|VIEW) IF NOT EXISTS /);
  });

  it('uses no type or function 18.16 lacks', () => {
    const text = statements.join('\n');
    expect(text).not.toMatch(
      /DateTime64|Date32|LowCardinality|\bJSON\b|Object\(|\bBool\b|OVER\s*\(|JSONExtract/,
    );
  });
});
