import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stableStringify } from './claim-order.ts';
import {
  bucketCount,
  finalActionGroup,
  mergeChunkProblems,
  rolledIds,
  ROLLED_MEMBER_ID_TYPES,
} from './final-action-chunks.ts';
import { problem } from './final-action-problems.ts';
import {
  computeFinalAction,
  FinalActionProblemCode,
  type ClaimVersionRow,
  type FinalActionSet,
  type MbiCrosswalkEntry,
} from './final-action.ts';
import { resolveCrosswalk } from './mbi-crosswalk.ts';

const JAN = (n: number): string => `P.A1234.ACO.ZC${n}Y24.D240115.T0101010`;
const FEB = (n: number): string => `P.A1234.ACO.ZC${n}Y24.D240215.T0101010`;

describe('finalActionGroup', () => {
  const base = { claimId: 'C1', memberId: ' 1EG4TE5MK73 ', claimControlNumber: null };
  it('groups CCLF rows by trimmed member id, whatever the id type', () => {
    for (const sourceFormat of ['CCLF1', 'CCLF2', 'CCLF5', 'CCLF6', 'CCLF7'])
      expect(finalActionGroup({ ...base, sourceFormat })).toBe('M:1EG4TE5MK73');
  });

  it('groups X12 and payer rows by claim reference, never by member (a replacement may correct it)', () => {
    expect(finalActionGroup({ ...base, sourceFormat: 'X12_837P', claimControlNumber: ' ICN-1 ' })).toBe(
      'R:ICN-1',
    );
    expect(finalActionGroup({ ...base, sourceFormat: 'X12_837I', claimControlNumber: '  ' })).toBe('R:C1');
    expect(finalActionGroup({ ...base, sourceFormat: 'PAYER_CSV' })).toBe('R:C1');
  });
});

describe('rolledIds', () => {
  it('lists every id the crosswalk moves, chains followed to their end', () => {
    expect(
      rolledIds([
        { previousId: 'A', currentId: 'B', sourceFile: JAN(9), lineNumber: 1 },
        { previousId: 'B', currentId: 'C', sourceFile: FEB(9), lineNumber: 1 },
        { previousId: 'D', currentId: 'D', sourceFile: FEB(9), lineNumber: 2 },
      ]),
    ).toEqual([
      { previousId: 'A', currentId: 'C' },
      { previousId: 'B', currentId: 'C' },
    ]);
  });

  it('maps a cycle to its smallest id, as resolveCrosswalk does', () => {
    expect(
      rolledIds([
        { previousId: 'Y', currentId: 'X' },
        { previousId: 'X', currentId: 'Z' },
        { previousId: 'Z', currentId: 'Y' },
      ]),
    ).toEqual([
      { previousId: 'Y', currentId: 'X' },
      { previousId: 'Z', currentId: 'X' },
    ]);
  });
});

describe('bucketCount', () => {
  it('spreads rows over buckets of at most about maxRowsPerChunk, at least one', () => {
    expect(bucketCount(0, 10)).toBe(1);
    expect(bucketCount(10, 10)).toBe(1);
    expect(bucketCount(11, 10)).toBe(2);
    expect(bucketCount(1_000_000, 50_000)).toBe(20);
  });

  it('refuses a chunk size that is not a positive integer', () => {
    expect(() => bucketCount(5, 0)).toThrow(/positive integer/);
    expect(() => bucketCount(5, 1.5)).toThrow(/positive integer/);
  });
});

describe('mergeChunkProblems', () => {
  it('unites refs per (code, message) and keeps the crosswalk problems once', () => {
    const xref = problem(FinalActionProblemCode.XREF_CONFLICT, 'conflict', [
      { sourceFile: 'x', lineNumber: 1 },
    ]);
    const a = problem(FinalActionProblemCode.MISSING_KEY_FIELD, 'missing', [
      { sourceFile: 'f', lineNumber: 3 },
    ]);
    const b = problem(FinalActionProblemCode.MISSING_KEY_FIELD, 'missing', [
      { sourceFile: 'f', lineNumber: 1 },
    ]);
    expect(
      mergeChunkProblems(
        [
          [xref, a],
          [xref, b],
        ],
        [xref],
      ),
    ).toEqual([
      problem(FinalActionProblemCode.MISSING_KEY_FIELD, 'missing', [
        { sourceFile: 'f', lineNumber: 1 },
        { sourceFile: 'f', lineNumber: 3 },
      ]),
      xref,
    ]);
  });
});

// Chunked = whole: the job's claim, checked on random histories. Rows are bucketed exactly as the
// job's SQL does (group, rolled forward for MBI/HICN rows, hashed), computed per bucket, merged.
type Row = ClaimVersionRow & Record<string, unknown>;
const MEMBERS = ['MBI-A', 'MBI-B', 'MBI-C', 'HICN-D'];
// A Part A claim id belongs to one member, so its detail rows share the header's member (as CCLF
// delivers them); the job's grouping relies on that.
const memberOfClaim = (claimId: string): string => MEMBERS[Number(claimId.slice(-1)) % MEMBERS.length]!;

const partA = fc
  .record({
    claimId: fc.constantFrom('100', '101', '102', '103'),
    detail: fc.boolean(),
    adj: fc.constantFrom('0', '1', '2'),
    eff: fc.constantFrom('2024-01-10', '2024-02-01', null),
    ccn: fc.constantFrom('330101', '330202'),
    paid: fc.constantFrom('100.00', '-100.00', '50.00'),
    file: fc.constantFrom(1, 2),
    line: fc.integer({ min: 1, max: 4 }),
  })
  .map((r): Row => ({
    sourceFile: r.file === 1 ? JAN(r.detail ? 2 : 1) : FEB(r.detail ? 2 : 1),
    lineNumber: r.line,
    sourceFormat: r.detail ? 'CCLF2' : 'CCLF1',
    claimId: r.claimId,
    claimLineNumber: r.detail ? 1 : null,
    adjustmentTypeCode: r.detail ? null : r.adj,
    claimEffectiveDate: r.detail ? null : r.eff,
    memberId: memberOfClaim(r.claimId),
    memberIdType: memberOfClaim(r.claimId).startsWith('HICN') ? 'HICN' : 'MBI',
    fromDate: '2024-01-02',
    thruDate: '2024-01-05',
    billingCcn: r.ccn,
    paidAmount: r.detail ? null : r.paid,
  }));

const partB = fc
  .record({
    claimId: fc.constantFrom('200', '201', '202', '203'),
    cntl: fc.constantFrom('CN-1', 'CN-2'),
    line: fc.constantFrom(1, 2),
    adj: fc.constantFrom('0', '1', '2'),
    eff: fc.constantFrom('2024-01-10', '2024-02-05'),
    member: fc.constantFrom(...MEMBERS, 'W-PAYER'),
    file: fc.constantFrom(1, 2),
  })
  .map((r): Row => ({
    sourceFile: r.file === 1 ? JAN(5) : FEB(5),
    lineNumber: r.line,
    sourceFormat: 'CCLF5',
    claimId: r.claimId,
    claimLineNumber: r.line,
    claimControlNumber: r.cntl,
    adjustmentTypeCode: r.adj,
    claimEffectiveDate: r.eff,
    memberId: r.member,
    memberIdType: r.member === 'W-PAYER' ? 'PAYER_MEMBER_ID' : r.member.startsWith('HICN') ? 'HICN' : 'MBI',
    paidAmount: '80.00',
  }));

const x12 = fc
  .record({
    claimId: fc.constantFrom('PCN-1', 'PCN-2'),
    ref: fc.constantFrom('ICN-1', 'ICN-2', null),
    freq: fc.constantFrom('1', '7', '8'),
    member: fc.constantFrom(...MEMBERS, 'W-1', 'W-2'),
    file: fc.constantFrom('a.837', 'b.837'),
  })
  .map((r): Row => ({
    sourceFile: r.file,
    lineNumber: 20,
    sourceFormat: 'X12_837P',
    claimId: r.claimId,
    claimLineNumber: 1,
    claimControlNumber: r.ref,
    frequencyCode: r.freq,
    memberId: r.member,
    memberIdType: r.member.startsWith('W') ? 'PAYER_MEMBER_ID' : 'MBI',
    paidAmount: '10.00',
  }));

const crosswalk = fc.array(
  fc.record({
    previousId: fc.constantFrom(...MEMBERS),
    currentId: fc.constantFrom(...MEMBERS),
    sourceFile: fc.constantFrom(JAN(9), FEB(9)),
    lineNumber: fc.integer({ min: 1, max: 3 }),
  }),
  { maxLength: 4 },
);

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h;
}

function chunked(rows: Row[], entries: MbiCrosswalkEntry[], buckets: number) {
  const rolled = new Map(rolledIds(entries).map((r) => [r.previousId, r.currentId]));
  const effective = (row: Row): string => {
    const group = finalActionGroup(row);
    const current = group.startsWith('M:') ? rolled.get(group.slice(2)) : undefined;
    return current !== undefined && ROLLED_MEMBER_ID_TYPES.includes(row.memberIdType)
      ? `M:${current}`
      : group;
  };
  const parts: Row[][] = Array.from({ length: buckets }, () => []);
  for (const row of rows) parts[hash(effective(row)) % buckets]!.push(row);
  const results = parts.filter((p) => p.length > 0).map((p) => computeFinalAction(p, entries));
  return canonical({
    lines: results.flatMap((r) => r.lines),
    keys: results.flatMap((r) => r.keys),
    problems: mergeChunkProblems(
      results.map((r) => r.problems),
      resolveCrosswalk(entries).problems,
    ),
  });
}

function canonical(set: FinalActionSet<Row>) {
  const by =
    <T>(f: (x: T) => string) =>
    (a: T, b: T) =>
      f(a) < f(b) ? -1 : f(a) > f(b) ? 1 : 0;
  return {
    lines: [...set.lines].sort(by((l) => `${l.naturalKey}\u0000${stableStringify(l.row)}`)),
    keys: [...set.keys].sort(by((k) => k.naturalKey)),
    problems: set.problems,
  };
}

describe('chunked final action', () => {
  it('equals the computation over all rows at once, for any number of buckets', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(partA, partB, x12), { maxLength: 30 }),
        crosswalk,
        fc.integer({ min: 1, max: 6 }),
        (rows, entries, buckets) => {
          expect(chunked(rows, entries, buckets)).toEqual(canonical(computeFinalAction(rows, entries)));
        },
      ),
      { numRuns: 300 },
    );
  });
});
