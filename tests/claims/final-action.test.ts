import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  computeFinalAction,
  emptyFinalActionState,
  finalActionSet,
  mergeFinalActionStates,
  reduceCrosswalk,
  reduceFinalAction,
  type ClaimVersionRow,
  type FinalActionSet,
  type FinalActionState,
  type MbiCrosswalkEntry,
} from '../../processors/claims/final-action.ts';
import { resolveCrosswalk } from '../../processors/claims/mbi-crosswalk.ts';

// CCLF delivery names carry a D<yymmdd>.T<hhmmsst> stamp, which orders deliveries.
const JAN = (n: number): string => `P.A1234.ACO.ZC${n}Y24.D240115.T0101010`;
const FEB = (n: number): string => `P.A1234.ACO.ZC${n}Y24.D240215.T0101010`;
const MAR = (n: number): string => `P.A1234.ACO.ZC${n}Y24.D240315.T0101010`;

type Row = ClaimVersionRow & Record<string, unknown>;

function partA(over: Partial<Row>): Row {
  return {
    sourceFile: JAN(1),
    lineNumber: 1,
    sourceFormat: 'CCLF1',
    claimId: '1000000000001',
    claimLineNumber: null,
    claimControlNumber: null,
    claimTypeCode: '60',
    adjustmentTypeCode: '0',
    claimEffectiveDate: '2024-01-10',
    frequencyCode: null,
    memberId: '1EG4TE5MK73',
    memberIdType: 'MBI',
    fromDate: '2024-01-02',
    thruDate: '2024-01-05',
    billingCcn: '330101',
    nonPaymentReasonCode: null,
    paidAmount: '1000.00',
    ...over,
  };
}

function partB(over: Partial<Row>): Row {
  return {
    sourceFile: JAN(5),
    lineNumber: 1,
    sourceFormat: 'CCLF5',
    claimId: '2000000000001',
    claimLineNumber: 1,
    claimControlNumber: 'CN-1',
    claimTypeCode: '71',
    adjustmentTypeCode: '0',
    claimEffectiveDate: '2024-01-10',
    frequencyCode: null,
    memberId: '1EG4TE5MK73',
    memberIdType: 'MBI',
    fromDate: '2024-01-02',
    thruDate: '2024-01-02',
    paidAmount: '80.00',
    procedureCode: '99214',
    ...over,
  };
}

function x12(over: Partial<Row>): Row {
  return {
    sourceFile: 'claims-2024-01-10.837',
    lineNumber: 20,
    sourceFormat: 'X12_837P',
    claimId: 'PCN-1',
    claimLineNumber: 1,
    claimControlNumber: 'ICN-1',
    adjustmentTypeCode: null,
    claimEffectiveDate: '2024-01-10',
    frequencyCode: '1',
    memberId: 'W123456789',
    memberIdType: 'PAYER_MEMBER_ID',
    fromDate: '2024-01-02',
    thruDate: '2024-01-02',
    paidAmount: null,
    procedureCode: '99213',
    ...over,
  };
}

const finalIds = (r: FinalActionSet<Row>): string[] =>
  r.lines.map((l) => `${l.row.claimId}:${l.row.sourceFormat}`);

describe('Part A (CCLF1-4): cancellations pair with what they cancel (IP §5.2.1)', () => {
  it('original → cancel → adjustment leaves the adjustment', () => {
    const r = computeFinalAction([
      partA({
        claimId: '11',
        adjustmentTypeCode: '0',
        claimEffectiveDate: '2024-01-10',
        paidAmount: '1000.00',
      }),
      partA({
        claimId: '12',
        adjustmentTypeCode: '1',
        claimEffectiveDate: '2024-02-01',
        paidAmount: '1000.00',
        sourceFile: FEB(1),
      }),
      partA({
        claimId: '13',
        adjustmentTypeCode: '2',
        claimEffectiveDate: '2024-02-01',
        paidAmount: '1200.00',
        sourceFile: FEB(1),
        lineNumber: 2,
      }),
    ]);
    expect(finalIds(r)).toEqual(['13:CCLF1']);
    expect(r.keys).toHaveLength(1);
    expect(r.keys[0]!.removed.map((v) => [v.claimId, v.reason])).toEqual([
      ['11', 'CANCELLED'],
      ['12', 'CANCELLATION'],
    ]);
  });

  it('a chain of adjustments, each cancelled, keeps only the last; cancels match on the absolute amount', () => {
    const r = computeFinalAction([
      partA({
        claimId: '21',
        adjustmentTypeCode: '0',
        claimEffectiveDate: '2024-01-10',
        paidAmount: '100.00',
      }),
      partA({
        claimId: '22',
        adjustmentTypeCode: '1',
        claimEffectiveDate: '2024-02-01',
        paidAmount: '-100.00',
      }),
      partA({
        claimId: '23',
        adjustmentTypeCode: '2',
        claimEffectiveDate: '2024-02-01',
        paidAmount: '150.00',
      }),
      partA({
        claimId: '24',
        adjustmentTypeCode: '1',
        claimEffectiveDate: '2024-03-01',
        paidAmount: '150.0',
      }),
      partA({
        claimId: '25',
        adjustmentTypeCode: '2',
        claimEffectiveDate: '2024-03-01',
        paidAmount: '175.00',
      }),
    ]);
    expect(finalIds(r)).toEqual(['25:CCLF1']);
  });

  it('n cancels of an amount remove the n OLDEST claims of that amount; a key can keep two claims', () => {
    const r = computeFinalAction([
      partA({ claimId: '31', claimEffectiveDate: '2024-01-10', paidAmount: '50.00' }),
      partA({ claimId: '32', claimEffectiveDate: '2024-01-20', paidAmount: '50.00' }),
      partA({ claimId: '33', claimEffectiveDate: '2024-01-05', paidAmount: '70.00' }),
      partA({
        claimId: '34',
        adjustmentTypeCode: '1',
        claimEffectiveDate: '2024-02-01',
        paidAmount: '50.00',
      }),
    ]);
    expect(finalIds(r)).toEqual(['32:CCLF1', '33:CCLF1']);
    expect(r.keys[0]!.final.map((v) => v.claimId)).toEqual(['33', '32']); // oldest first
  });

  it('an unmatched cancel is dropped, never final; unpaid claims are excluded', () => {
    const r = computeFinalAction([
      partA({ claimId: '41', adjustmentTypeCode: '1', paidAmount: '10.00' }),
      partA({ claimId: '42', nonPaymentReasonCode: 'A', paidAmount: '99.00' }),
    ]);
    expect(r.lines).toEqual([]);
    expect(r.keys[0]!.removed.map((v) => v.reason).sort()).toEqual(['UNMATCHED_CANCELLATION', 'UNPAID']);
  });

  it('different CCN/dates/MBI are different natural keys: a cancel does not cross keys', () => {
    const r = computeFinalAction([
      partA({ claimId: '51', billingCcn: '330101' }),
      partA({ claimId: '52', billingCcn: '330999', adjustmentTypeCode: '1' }),
    ]);
    expect(finalIds(r)).toEqual(['51:CCLF1']);
    expect(r.keys).toHaveLength(2);
  });

  it('CCLF2/3/4 detail rows follow their final header by claim id; latest delivery copy only', () => {
    const detail = (claimId: string, file: string, line: number): Row =>
      partA({
        claimId,
        sourceFormat: 'CCLF2',
        claimLineNumber: 1,
        adjustmentTypeCode: null,
        claimEffectiveDate: null,
        sourceFile: file,
        lineNumber: line,
        billingCcn: null,
      });
    const r = computeFinalAction([
      partA({ claimId: '61' }),
      partA({ claimId: '62', adjustmentTypeCode: '1' }),
      partA({ claimId: '63', adjustmentTypeCode: '2', paidAmount: '900.00', sourceFile: FEB(1) }),
      detail('61', JAN(2), 1),
      detail('63', FEB(2), 7),
      detail('63', MAR(2), 3), // re-delivered in March: only this copy is kept
      detail('99', MAR(2), 4), // no header yet
    ]);
    expect(r.lines.map((l) => `${l.row.claimId}:${l.row.sourceFormat}:${l.row.sourceFile}`)).toEqual([
      `63:CCLF1:${FEB(1)}`,
      `63:CCLF2:${MAR(2)}`,
    ]);
    expect(r.problems.map((p) => p.code)).toEqual(['DETAIL_WITHOUT_HEADER']);
    expect(r.problems[0]!.refs).toEqual([{ sourceFile: MAR(2), lineNumber: 4 }]);
  });

  it('the same version re-delivered in a later file counts once (latest file kept)', () => {
    const r = computeFinalAction([
      partA({ claimId: '71', sourceFile: JAN(1), lineNumber: 5 }),
      partA({ claimId: '71', sourceFile: FEB(1), lineNumber: 9 }),
      partA({ claimId: '72', adjustmentTypeCode: '1', sourceFile: FEB(1), lineNumber: 10 }),
    ]);
    expect(r.lines).toEqual([]); // one original, one cancel: nothing left
  });
});

describe('Part B (CCLF5/6): latest version wins per control number + line + MBI (IP §5.3)', () => {
  it('latest effective date wins, then the highest claim id (numerically)', () => {
    const r = computeFinalAction([
      partB({ claimId: '9', claimEffectiveDate: '2024-03-01', adjustmentTypeCode: '2' }),
      partB({
        claimId: '10',
        claimEffectiveDate: '2024-03-01',
        adjustmentTypeCode: '2',
        paidAmount: '85.00',
      }),
      partB({ claimId: '99', claimEffectiveDate: '2024-01-01' }),
    ]);
    expect(r.lines.map((l) => l.row.claimId)).toEqual(['10']);
  });

  it('lines are separate keys', () => {
    const r = computeFinalAction([
      partB({ claimLineNumber: 1 }),
      partB({ claimLineNumber: 2, lineNumber: 2 }),
    ]);
    expect(r.lines).toHaveLength(2);
  });

  it('a winning cancel removes the line; same-date cancel + adjustment keeps the adjustment', () => {
    const cancelled = computeFinalAction([
      partB({ claimId: '1' }),
      partB({ claimId: '2', adjustmentTypeCode: '1', claimEffectiveDate: '2024-02-01' }),
    ]);
    expect(cancelled.lines).toEqual([]);
    expect(cancelled.keys[0]!.removed.map((v) => v.reason)).toEqual(['CANCELLED', 'CANCELLATION']);
    const adjusted = computeFinalAction([
      partB({ claimId: '1' }),
      partB({ claimId: '3', adjustmentTypeCode: '1', claimEffectiveDate: '2024-02-01' }),
      partB({ claimId: '2', adjustmentTypeCode: '2', claimEffectiveDate: '2024-02-01' }),
    ]);
    expect(adjusted.lines.map((l) => l.row.claimId)).toEqual(['2']);
  });

  it('missing control number is reported, not silently grouped', () => {
    const r = computeFinalAction([partB({ claimControlNumber: '  ' })]);
    expect(r.lines).toEqual([]);
    expect(r.problems.map((p) => p.code)).toEqual(['MISSING_KEY_FIELD']);
  });
});

describe('MBI roll-forward (CCLF9)', () => {
  it('versions under an old MBI join the current MBI key, through a chain', () => {
    const xw: MbiCrosswalkEntry[] = [
      { previousId: 'OLD1', currentId: 'MID1' },
      { previousId: 'MID1', currentId: 'NEW1' },
    ];
    const r = computeFinalAction(
      [
        partB({ claimId: '1', memberId: 'OLD1' }),
        partB({ claimId: '2', memberId: 'NEW1', adjustmentTypeCode: '2', claimEffectiveDate: '2024-02-01' }),
        partA({ claimId: '3', memberId: 'OLD1' }),
        partA({ claimId: '4', memberId: 'MID1', adjustmentTypeCode: '1' }),
      ],
      xw,
    );
    expect(r.lines.map((l) => [l.row.claimId, l.currentMemberId])).toEqual([['2', 'NEW1']]);
    expect(r.problems).toEqual([]);
  });

  it('payer member ids are not rolled forward', () => {
    const r = computeFinalAction([x12({ memberId: 'OLD1' })], [{ previousId: 'OLD1', currentId: 'NEW1' }]);
    expect(r.lines[0]!.currentMemberId).toBe('OLD1');
  });

  it('a cycle terminates, is reported without ids, and keeps the members together', () => {
    const xw: MbiCrosswalkEntry[] = [
      { previousId: 'B', currentId: 'C', sourceFile: JAN(9), lineNumber: 1 },
      { previousId: 'C', currentId: 'B', sourceFile: JAN(9), lineNumber: 2 },
      { previousId: 'A', currentId: 'B', sourceFile: JAN(9), lineNumber: 3 },
    ];
    const x = resolveCrosswalk(xw);
    expect([x.resolve('A'), x.resolve('B'), x.resolve('C'), x.resolve('D')]).toEqual(['B', 'B', 'B', 'D']);
    expect(x.problems.map((p) => p.code)).toEqual(['XREF_CYCLE']);
    expect(JSON.stringify(x.problems)).not.toMatch(/"[ABC]"/);
    const r = computeFinalAction(
      [
        partB({ claimId: '1', memberId: 'C' }),
        partB({ claimId: '2', memberId: 'A', claimEffectiveDate: '2024-05-01' }),
      ],
      xw,
    );
    expect(r.lines.map((l) => [l.row.claimId, l.currentMemberId])).toEqual([['2', 'B']]);
  });

  it('a long chain ending in a cycle and a self-loop', () => {
    const xw: MbiCrosswalkEntry[] = [];
    for (let i = 0; i < 1000; i++) xw.push({ previousId: `M${i}`, currentId: `M${i + 1}` });
    xw.push({ previousId: 'M1000', currentId: 'M500' }, { previousId: 'Z', currentId: 'Z' });
    const x = resolveCrosswalk(xw);
    expect(x.resolve('M0')).toBe('M1000'); // smallest id of the cycle M500..M1000 by code unit
    expect(x.resolve('Z')).toBe('Z');
    expect(x.problems).toHaveLength(1);
  });

  it('conflicting entries: the latest delivery wins, reported', () => {
    const x = resolveCrosswalk([
      { previousId: 'A', currentId: 'NEW-FEB', sourceFile: FEB(9), lineNumber: 1 },
      { previousId: 'A', currentId: 'NEW-JAN', sourceFile: JAN(9), lineNumber: 1 },
    ]);
    expect(x.resolve('A')).toBe('NEW-FEB');
    expect(x.problems.map((p) => p.code)).toEqual(['XREF_CONFLICT']);
  });
});

describe('X12 837 claim frequency (CLM05-3): 7 replaces, 8 voids the claim named by REF*F8', () => {
  it('a replacement replaces every line of the original', () => {
    const r = computeFinalAction([
      x12({ claimId: 'PCN-1', claimLineNumber: 1, lineNumber: 20 }),
      x12({ claimId: 'PCN-1', claimLineNumber: 2, lineNumber: 24, procedureCode: '3074F' }),
      x12({
        claimId: 'PCN-1R',
        frequencyCode: '7',
        sourceFile: 'claims-2024-01-20.837',
        claimEffectiveDate: '2024-01-20',
        procedureCode: '99214',
      }),
    ]);
    expect(r.lines.map((l) => `${l.row.claimId}/${l.row.claimLineNumber}`)).toEqual(['PCN-1R/1']);
    expect(r.keys[0]!.removed.map((v) => v.reason)).toEqual(['SUPERSEDED']);
  });

  it('a void removes the claim; same-date 7/8 follow the original', () => {
    const r = computeFinalAction([
      x12({ frequencyCode: '8', claimId: 'PCN-1V', lineNumber: 5 }),
      x12({ frequencyCode: '1', lineNumber: 90 }),
    ]);
    expect(r.lines).toEqual([]);
    expect(r.keys[0]!.removed.map((v) => v.reason)).toEqual(['VOIDED', 'VOID']);
  });

  it('a replacement without REF*F8 falls back to CLM01 and is reported', () => {
    const r = computeFinalAction([
      x12({ claimControlNumber: null }),
      x12({
        claimControlNumber: null,
        frequencyCode: '7',
        claimEffectiveDate: '2024-02-01',
        paidAmount: '1.00',
      }),
    ]);
    expect(r.lines.map((l) => l.row.frequencyCode)).toEqual(['7']);
    expect(r.problems.map((p) => p.code)).toEqual(['X12_REFERENCE_MISSING']);
  });
});

describe('duplicates and incremental state', () => {
  it('the same version delivered twice, or the same object reduced twice, changes nothing', () => {
    const rows = [partB({ claimId: '1' }), partB({ claimId: '2', claimEffectiveDate: '2024-02-01' })];
    const once = computeFinalAction(rows);
    const twice = computeFinalAction([...rows, ...rows.map((r) => ({ ...r }))]);
    expect(twice).toEqual(once);
    let s = emptyFinalActionState<Row>();
    for (const r of [...rows, ...rows]) s = reduceFinalAction(s, r);
    expect(s.rows.size).toBe(2);
    expect(finalActionSet(s)).toEqual(once);
  });

  it('unsupported formats are reported, not dropped silently', () => {
    const r = computeFinalAction([partB({ sourceFormat: 'CCLF7' })]);
    expect(r.problems.map((p) => p.code)).toEqual(['UNSUPPORTED_SOURCE_FORMAT']);
  });
});

// ---------------------------------------------------------------------------------------------
// Property: any permutation of the versions, any split into deliveries, any re-delivery of
// duplicates, crosswalk entries interleaved anywhere — the same final-action set (issue 4).

const MBIS = ['M1', 'M2', 'M3', 'M4', 'M5'];
const FILES = [JAN(1), FEB(1), MAR(1), 'P.A1234.ACO.ZC1Y24.NOSTAMP', JAN(5), FEB(5)];
const DATES = [null, '2024-01-01', '2024-02-01', '2024-03-01'];
const AMOUNTS = ['10.00', '-10.00', '20.00', '10.0', null];

const arbPartA: fc.Arbitrary<Row> = fc
  .record({
    claimId: fc.integer({ min: 1, max: 12 }).map(String),
    adjustmentTypeCode: fc.constantFrom('0', '1', '2'),
    claimEffectiveDate: fc.constantFrom(...DATES),
    paidAmount: fc.constantFrom(...AMOUNTS),
    memberId: fc.constantFrom(...MBIS),
    billingCcn: fc.constantFrom('330101', '330102'),
    thruDate: fc.constantFrom('2024-01-05', '2024-01-06'),
    nonPaymentReasonCode: fc.constantFrom(null, null, null, 'A'),
    sourceFile: fc.constantFrom(...FILES),
    lineNumber: fc.integer({ min: 1, max: 4 }),
  })
  .map((o) => partA(o));

const arbPartADetail: fc.Arbitrary<Row> = fc
  .record({
    claimId: fc.integer({ min: 1, max: 12 }).map(String),
    sourceFile: fc.constantFrom(...FILES),
    lineNumber: fc.integer({ min: 1, max: 4 }),
    claimLineNumber: fc.integer({ min: 1, max: 2 }),
  })
  .map((o) =>
    partA({
      ...o,
      sourceFormat: 'CCLF2',
      adjustmentTypeCode: null,
      claimEffectiveDate: null,
      billingCcn: null,
    }),
  );

const arbPartB: fc.Arbitrary<Row> = fc
  .record({
    claimId: fc.integer({ min: 1, max: 12 }).map(String),
    claimLineNumber: fc.integer({ min: 1, max: 2 }),
    claimControlNumber: fc.constantFrom('CN-1', 'CN-2', ' '),
    adjustmentTypeCode: fc.constantFrom('0', '1', '2', null),
    claimEffectiveDate: fc.constantFrom(...DATES),
    memberId: fc.constantFrom(...MBIS),
    sourceFile: fc.constantFrom(...FILES),
    lineNumber: fc.integer({ min: 1, max: 4 }),
  })
  .map((o) => partB(o));

const arbX12: fc.Arbitrary<Row> = fc
  .record({
    claimId: fc.constantFrom('PCN-1', 'PCN-2', 'PCN-3'),
    claimLineNumber: fc.integer({ min: 1, max: 2 }),
    claimControlNumber: fc.constantFrom('ICN-1', 'ICN-2', null),
    frequencyCode: fc.constantFrom('1', '7', '8'),
    claimEffectiveDate: fc.constantFrom(...DATES),
    sourceFile: fc.constantFrom('a.837', 'b.837', 'c.837'),
    lineNumber: fc.integer({ min: 1, max: 40 }),
  })
  .map((o) => x12(o));

const arbXref: fc.Arbitrary<MbiCrosswalkEntry> = fc.record({
  previousId: fc.constantFrom(...MBIS),
  currentId: fc.constantFrom(...MBIS),
  sourceFile: fc.constantFrom(JAN(9), FEB(9)),
  lineNumber: fc.integer({ min: 1, max: 3 }),
});

type Item = { kind: 'row'; row: Row } | { kind: 'xref'; entry: MbiCrosswalkEntry };

const arbHistory = fc.record({
  rows: fc.array(fc.oneof(arbPartA, arbPartA, arbPartADetail, arbPartB, arbPartB, arbX12), { maxLength: 40 }),
  xrefs: fc.array(arbXref, { maxLength: 6 }),
});

function reduceItem(s: FinalActionState<Row>, item: Item): FinalActionState<Row> {
  return item.kind === 'row' ? reduceFinalAction(s, item.row) : reduceCrosswalk(s, item.entry);
}

describe('order independence (property)', () => {
  it('any permutation, split into deliveries, with re-delivered duplicates, gives the same set', () => {
    fc.assert(
      fc.property(
        arbHistory.chain((h) => {
          const items: Item[] = [
            ...h.rows.map((row): Item => ({ kind: 'row', row })),
            ...h.xrefs.map((entry): Item => ({ kind: 'xref', entry })),
          ];
          const n = items.length;
          return fc.record({
            h: fc.constant(h),
            items: fc.constant(items),
            // a permutation, then cut points, then re-deliveries (indices into the permutation)
            order: fc.shuffledSubarray(
              items.map((_, i) => i),
              { minLength: n, maxLength: n },
            ),
            cuts: fc.array(fc.integer({ min: 0, max: Math.max(n, 1) }), { maxLength: 5 }),
            redeliver: fc.array(fc.integer({ min: 0, max: Math.max(n - 1, 0) }), { maxLength: 10 }),
            copyRows: fc.boolean(),
          });
        }),
        ({ h, items, order, cuts, redeliver, copyRows }) => {
          const expected = computeFinalAction(h.rows, h.xrefs);

          // 1) one stream: the permutation, plus duplicates re-sent afterwards (as fresh objects).
          const stream: Item[] = order.map((i) => items[i]!);
          for (const i of redeliver) {
            const it = stream[i];
            if (it) stream.push(copyRows ? (JSON.parse(JSON.stringify(it)) as Item) : it);
          }
          const sequential = stream.reduce(reduceItem, emptyFinalActionState<Row>());
          expect(finalActionSet(sequential)).toEqual(expected);

          // 2) split into deliveries, each reduced on its own, then joined in reverse order
          //    (what a re-keyed or repartitioned processor does).
          const bounds = [
            ...new Set([0, ...cuts.map((c) => Math.min(c, stream.length)), stream.length]),
          ].sort((a, b) => a - b);
          const parts: FinalActionState<Row>[] = [];
          for (let k = 0; k + 1 < bounds.length; k++)
            parts.push(
              stream.slice(bounds[k], bounds[k + 1]).reduce(reduceItem, emptyFinalActionState<Row>()),
            );
          const merged = parts.reverse().reduce(mergeFinalActionStates, emptyFinalActionState<Row>());
          expect(finalActionSet(merged)).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the final set never holds a cancellation or a void, and no row twice', () => {
    fc.assert(
      fc.property(arbHistory, (h) => {
        const r = computeFinalAction(h.rows, h.xrefs);
        for (const l of r.lines) {
          if (l.family === 'PART_A' || l.family === 'PART_B') expect(l.row.adjustmentTypeCode).not.toBe('1');
          if (l.family === 'X12') expect(l.row.frequencyCode).not.toBe('8');
        }
        expect(new Set(r.lines.map((l) => JSON.stringify(l.row))).size).toBe(r.lines.length);
      }),
      { numRuns: 300 },
    );
  });
});
