import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BadRecordError } from '../../runtime/errors.ts';
import type { StepContext } from '../../runtime/runner/step.ts';
import { EXAMPLES } from '../../schemas/examples.ts';
import { DEFAULT_MIGRATIONS_DIR } from '../clickhouse/migrations.ts';
import { canonicalAmount, ColumnKind, fromRow, selectList, snakeCase, type Column } from './columns.ts';
import { claimLineRow, fileManifestRow, memberXrefRow, rosterMemberRow } from './rows.ts';
import {
  CLAIM_LINE_COLUMNS,
  FILE_MANIFEST_COLUMNS,
  MEMBER_XREF_COLUMNS,
  ROSTER_MEMBER_COLUMNS,
  SOURCE_COLUMNS,
} from './tables.ts';

const ctx: StepContext = {
  source: { topic: 'claim.line.v1', partition: 3, offset: 1234 },
  key: 'k',
  timestamp: Date.UTC(2024, 1, 15, 8, 30, 5, 678),
};

/** What ClickHouse hands back for a row written with toRow: 64-bit ints as strings, amounts as toString text. */
function asSelected(columns: readonly Column[], row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of columns) {
    const v = row[c.column];
    if (c.kind === ColumnKind.AMOUNT) out[`${c.column}_text`] = typeof v === 'number' ? String(v) : null;
    else if (c.kind === ColumnKind.UINT) out[c.column] = typeof v === 'number' ? String(v) : v;
    else out[c.column] = v;
  }
  return out;
}

describe('claim_lines row', () => {
  const value = EXAMPLES['claim.line.v1'];

  it('maps every field to its snake_case column, amounts as exact JSON numbers, plus group and source', () => {
    const row = claimLineRow(value, ctx);
    expect(row).toMatchObject({
      source_file: value.sourceFile,
      source_file_sha256: value.sourceFileSha256,
      line_number: 42,
      claim_effective_date: '2024-02-09',
      procedure_modifiers: ['25'],
      allowed_amount: 128.34,
      paid_amount: 100.57,
      final_action_group: 'M:1EG4TE5MK73',
      source_partition: 3,
      source_offset: 1234,
      // Second precision: 18.16 refuses fractional seconds in DateTime text.
      published_at: '2024-02-15 08:30:05',
    });
    expect(Object.keys(row)).toHaveLength(CLAIM_LINE_COLUMNS.length + 1 + SOURCE_COLUMNS.length);
  });

  it('stores a missing SHA-256 as the empty string (a sorting-key column) and reads it back as null', () => {
    const row = claimLineRow({ ...value, sourceFileSha256: null }, ctx);
    expect(row['source_file_sha256']).toBe('');
    expect(fromRow(CLAIM_LINE_COLUMNS, asSelected(CLAIM_LINE_COLUMNS, row))['sourceFileSha256']).toBeNull();
  });

  it('reads back exactly the value it was written from', () => {
    const negative = { ...value, allowedAmount: '-12.50', paidAmount: null, claimLineNumber: null };
    for (const v of [value, negative])
      expect(fromRow(CLAIM_LINE_COLUMNS, asSelected(CLAIM_LINE_COLUMNS, claimLineRow(v, ctx)))).toEqual(v);
  });

  it('groups X12 claims by their reference', () => {
    const row = claimLineRow(
      { ...value, sourceFormat: 'X12_837P', claimControlNumber: 'ICN-9', memberIdType: 'PAYER_MEMBER_ID' },
      ctx,
    );
    expect(row['final_action_group']).toBe('R:ICN-9');
  });

  it('refuses an amount a JSON number cannot carry exactly, without quoting it', () => {
    const err = (() => {
      try {
        claimLineRow({ ...value, paidAmount: '12345678901234.00' }, ctx);
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(BadRecordError);
    expect((err as BadRecordError).code).toBe('CLICKHOUSE_ROW_AMOUNT');
    expect((err as Error).message).not.toContain('12345678901234');
  });
});

describe('other landing rows', () => {
  it('roster and crosswalk rows round-trip, dates before 1970 included', () => {
    const roster = EXAMPLES['roster.member.v1'];
    const r = rosterMemberRow(roster, ctx);
    expect(r['birth_date']).toBe('1958-04-12');
    expect(r['source_file_sha256']).toBe('');
    expect(fromRow(ROSTER_MEMBER_COLUMNS, asSelected(ROSTER_MEMBER_COLUMNS, r))).toEqual(roster);
    const xref = EXAMPLES['member.xref.v1'];
    const x = memberXrefRow(xref, ctx);
    expect(x).toMatchObject({ previous_id: '9AB1CD2EF34', current_id: '1EG4TE5MK73', id_type: 'MBI' });
    expect(fromRow(MEMBER_XREF_COLUMNS, asSelected(MEMBER_XREF_COLUMNS, x))).toEqual(xref);
  });

  it('manifest rows keep exact milliseconds for order, a readable time, and the event rank', () => {
    const m = EXAMPLES['file.manifest.v1'];
    const row = fileManifestRow(m, ctx);
    expect(row).toMatchObject({
      sha256: m.sha256,
      at_ms: 1706707801456,
      at: '2024-01-31 13:30:01',
      event: 'PROGRESS',
      event_rank: 1,
      problem_codes: ['BAD_DATE'],
    });
    // parseFingerprint is the watcher's resume check, not history: the table leaves it out.
    const { parseFingerprint: _resumeOnly, ...landed } = m;
    expect(fromRow(FILE_MANIFEST_COLUMNS, asSelected(FILE_MANIFEST_COLUMNS, row))).toEqual(landed);
    expect(fileManifestRow({ ...m, event: 'COMPLETED' }, ctx)['event_rank']).toBe(2);
    expect(fileManifestRow({ ...m, event: 'DUPLICATE' }, ctx)['event_rank']).toBe(3);
    expect(() => fileManifestRow({ ...m, event: 'EXPLODED' }, ctx)).toThrow(/one of STARTED, PROGRESS/);
  });
});

describe('columns', () => {
  it('snake_cases field names', () => {
    expect(snakeCase('sourceFileSha256')).toBe('source_file_sha256');
    expect(snakeCase('icdProcedureCodes')).toBe('icd_procedure_codes');
    expect(snakeCase('at')).toBe('at');
  });

  it('pads decimal text from either server to two fraction digits', () => {
    expect(canonicalAmount('-12.5')).toBe('-12.50');
    expect(canonicalAmount('-12.50')).toBe('-12.50');
    expect(canonicalAmount('100')).toBe('100.00');
    expect(canonicalAmount('0')).toBe('0.00');
  });

  it('reads amounts through toString under a new alias (a reused column name would be substituted everywhere)', () => {
    expect(selectList([{ field: 'paidAmount', column: 'paid_amount', kind: ColumnKind.AMOUNT }])).toBe(
      'toString(paid_amount) AS paid_amount_text',
    );
  });
});

describe('migrations match the column lists', () => {
  /** Column names of `CREATE TABLE IF NOT EXISTS <table>` in a migration file. */
  const ddlColumns = (file: string, table: string): string[] => {
    const sql = readFileSync(join(DEFAULT_MIGRATIONS_DIR, file), 'utf8');
    const start = sql.indexOf(`CREATE TABLE IF NOT EXISTS ${table}\n`);
    expect(start, `${table} in ${file}`).toBeGreaterThanOrEqual(0);
    const body = sql.slice(sql.indexOf('(', start) + 1, sql.indexOf('\n)', start));
    return body
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('--'))
      .map((l) => l.split(/\s+/)[0]!);
  };
  const names = (cols: readonly Column[]): string[] => cols.map((c) => c.column);

  it('0003 claims landing tables', () => {
    const source = names(SOURCE_COLUMNS);
    expect(ddlColumns('0003_claims_landing.sql', 'claim_lines')).toEqual([
      ...names(CLAIM_LINE_COLUMNS),
      'final_action_group',
      ...source,
    ]);
    // 0005 adds mrn and mrn_assigning_authority after phone (ALTER TABLE ... AFTER).
    const added = ['mrn', 'mrn_assigning_authority'];
    const roster = ddlColumns('0003_claims_landing.sql', 'roster_members');
    roster.splice(roster.indexOf('phone') + 1, 0, ...added);
    expect(roster).toEqual([...names(ROSTER_MEMBER_COLUMNS), ...source]);
    const alters = readFileSync(join(DEFAULT_MIGRATIONS_DIR, '0005_identity.sql'), 'utf8');
    for (const c of added)
      expect(alters).toContain(`ALTER TABLE roster_members ADD COLUMN ${c} Nullable(String)`);
    expect(ddlColumns('0003_claims_landing.sql', 'member_xref')).toEqual([
      ...names(MEMBER_XREF_COLUMNS),
      ...source,
    ]);
    expect(ddlColumns('0003_claims_landing.sql', 'file_manifest')).toEqual([
      ...names(FILE_MANIFEST_COLUMNS),
      'at',
      'event_rank',
      ...source,
    ]);
  });

  it('0004 claim_final_action carries every claim column', () => {
    expect(ddlColumns('0004_claim_final_action.sql', 'claim_final_action')).toEqual([
      'run_id',
      'natural_key',
      'family',
      'current_member_id',
      ...names(CLAIM_LINE_COLUMNS),
    ]);
  });
});
