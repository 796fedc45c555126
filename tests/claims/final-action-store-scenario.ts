/**
 * The final-action store scenario, run on chDB (final-action-store.test.ts) and on a ClickHouse
 * server (final-action-store.int.test.ts): hand-built CCLF and X12 deliveries land through the
 * claims sinks in several orders and splits, the job materializes final action from ClickHouse,
 * and every order must give the same tables — equal to `computeFinalAction` over all rows in
 * memory, and to facts derived by hand from docs/claims-final-action.md.
 *
 * All identifiers are synthetic (MBI-shaped but made up).
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { materializeFinalAction, type FinalActionRun } from '../../processors/claims/final-action-job.ts';
import {
  readFinalLines,
  readRemovedVersions,
  latestFinalActionRun,
} from '../../processors/claims/final-action-read.ts';
import { computeFinalAction, type MbiCrosswalkEntry } from '../../processors/claims/final-action.ts';
import type { ClaimLineRecord } from '../../processors/claims/final-action-rows.ts';
import type { StepContext } from '../../runtime/runner/step.ts';
import { prng } from '../../runtime/prng.ts';
import { createLocalCodec, type Codec } from '../../schemas/codec.ts';
import { EXAMPLES } from '../../schemas/examples.ts';
import type { Store } from '../../sinks/clickhouse/store.ts';
import { claimsSinks, latestManifest } from '../../sinks/claims/index.ts';
import { fromRow, selectList } from '../../sinks/claims/columns.ts';
import { ROSTER_MEMBER_COLUMNS } from '../../sinks/claims/tables.ts';

/** Opens a store on a fresh database; the scenario drops it afterwards. */
export type OpenScenarioStore = (database: string) => Promise<Store>;

const MBI_NEW = '1EG4TE5MK73';
const MBI_OLD = '9AB1CD2EF34';
const MBI_TWO = '2FH5UF6NL84';

const cclf = (n: number, month: string): string => `P.A1234.ACO.ZC${n}Y24.D24${month}15.T0101010`;
const JAN1 = cclf(1, '01');
const JAN2 = cclf(2, '01');
const JAN5 = cclf(5, '01');
const FEB1 = cclf(1, '02');
const FEB2 = cclf(2, '02');
const FEB5 = cclf(5, '02');
const FEB9 = cclf(9, '02');
const MAR2 = cclf(2, '03');
const MAR5 = cclf(5, '03');
const X12_JAN = 'claims-2024-01-20.837';
const X12_FEB = 'claims-2024-02-20.837';

const sha = (file: string): string => createHash('sha256').update(file).digest('hex');

type Value = Record<string, unknown>;

function claim(file: string, lineNumber: number, over: Value): Value {
  return {
    ...EXAMPLES['claim.line.v1'],
    sourceFile: file,
    sourceFileSha256: sha(file),
    lineNumber,
    procedureModifiers: [],
    ...over,
  };
}

function partA(file: string, line: number, over: Value): Value {
  return claim(file, line, {
    sourceFormat: 'CCLF1',
    claimLineNumber: null,
    claimControlNumber: null,
    claimTypeCode: '60',
    fromDate: '2024-01-02',
    thruDate: '2024-01-05',
    serviceFromDate: null,
    serviceThruDate: null,
    procedureCode: null,
    billingCcn: '330101',
    providerSpecialtyCode: null,
    allowedAmount: null,
    diagnosisCodes: ['I10'],
    ...over,
  });
}

function detail(file: string, line: number, claimId: string): Value {
  return partA(file, line, {
    sourceFormat: 'CCLF2',
    claimId,
    claimLineNumber: 1,
    adjustmentTypeCode: null,
    claimEffectiveDate: null,
    revenueCode: '0450',
    diagnosisCodes: [],
    paidAmount: null,
  });
}

function partB(file: string, line: number, over: Value): Value {
  return claim(file, line, { sourceFormat: 'CCLF5', claimLineNumber: 1, ...over });
}

function x12(file: string, over: Value): Value {
  return claim(file, 20, {
    sourceFormat: 'X12_837P',
    claimLineNumber: 1,
    claimTypeCode: null,
    claimEffectiveDate: null,
    memberIdType: 'PAYER_MEMBER_ID',
    providerSpecialtyCode: null,
    ...over,
  });
}

/** One delivered file: its topic and values. */
interface Delivery {
  file: string;
  topic: 'claim.line.v1' | 'member.xref.v1';
  values: Value[];
}

// January: originals. a1 (Part A, new MBI), a3 (Part A under the OLD MBI), a2 (another member),
// b1 and b2 (Part B; b2 under the old MBI), x1 (an 837P original).
const A1 = partA(JAN1, 1, {
  claimId: '1000000000001',
  adjustmentTypeCode: '0',
  claimEffectiveDate: '2024-01-10',
  memberId: MBI_NEW,
  paidAmount: '1000.00',
});
const A3 = partA(JAN1, 2, {
  claimId: '1000000000021',
  adjustmentTypeCode: '0',
  claimEffectiveDate: '2024-01-12',
  memberId: MBI_OLD,
  billingCcn: '330202',
  fromDate: '2024-01-08',
  thruDate: '2024-01-09',
  paidAmount: '700.00',
});
const A2 = partA(JAN1, 3, {
  claimId: '1000000000031',
  adjustmentTypeCode: '0',
  claimEffectiveDate: '2024-01-20',
  memberId: MBI_TWO,
  fromDate: '2024-01-15',
  thruDate: '2024-01-16',
  paidAmount: '300.00',
});
const D1 = detail(JAN2, 1, '1000000000001');
const B1 = partB(JAN5, 1, {
  claimId: '2000000000001',
  claimControlNumber: 'CN-1',
  adjustmentTypeCode: '0',
  claimEffectiveDate: '2024-01-10',
  memberId: MBI_NEW,
  paidAmount: '80.00',
});
const B2 = partB(JAN5, 2, {
  claimId: '2000000000011',
  claimControlNumber: 'CN-2',
  adjustmentTypeCode: '0',
  claimEffectiveDate: '2024-01-11',
  memberId: MBI_OLD,
  paidAmount: '50.00',
});
const X1 = x12(X12_JAN, {
  claimId: 'PCN-1',
  claimControlNumber: 'ICN-1',
  frequencyCode: '1',
  adjustmentTypeCode: '0',
  memberId: 'W100000001',
  paidAmount: '125.00',
});
// February: a1 cancelled (negative amount, as claim.line.v1 allows) and re-adjusted with a new
// detail; a3 cancelled under the NEW MBI; b1 adjusted; b2 re-delivered; CCLF9 old → new; x1 replaced
// with a corrected member id.
const A1C = partA(FEB1, 1, {
  claimId: '1000000000002',
  adjustmentTypeCode: '1',
  claimEffectiveDate: '2024-02-01',
  memberId: MBI_NEW,
  paidAmount: '-1000.00',
});
const A1R = partA(FEB1, 2, {
  claimId: '1000000000003',
  adjustmentTypeCode: '2',
  claimEffectiveDate: '2024-02-01',
  memberId: MBI_NEW,
  paidAmount: '900.00',
});
const A3C = partA(FEB1, 3, {
  claimId: '1000000000022',
  adjustmentTypeCode: '1',
  claimEffectiveDate: '2024-02-02',
  memberId: MBI_NEW,
  billingCcn: '330202',
  fromDate: '2024-01-08',
  thruDate: '2024-01-09',
  paidAmount: '700.00',
});
const D1R = detail(FEB2, 1, '1000000000003');
const B1A = partB(FEB5, 1, {
  claimId: '2000000000005',
  claimControlNumber: 'CN-1',
  adjustmentTypeCode: '2',
  claimEffectiveDate: '2024-02-05',
  memberId: MBI_NEW,
  paidAmount: '95.00',
});
const B2_AGAIN = { ...B2, sourceFile: FEB5, sourceFileSha256: sha(FEB5) };
const X1R = x12(X12_FEB, {
  claimId: 'PCN-1R',
  claimControlNumber: 'ICN-1',
  frequencyCode: '7',
  adjustmentTypeCode: '2',
  memberId: 'W100000002',
  paidAmount: '130.00',
});
const XREF: Value = {
  ...EXAMPLES['member.xref.v1'],
  sourceFile: FEB9,
  sourceFileSha256: sha(FEB9),
  lineNumber: 1,
  previousId: MBI_OLD,
  currentId: MBI_NEW,
};
// March: a Part B line whose latest version is its cancellation.
const B3 = partB(MAR5, 1, {
  claimId: '2000000000031',
  claimControlNumber: 'CN-3',
  adjustmentTypeCode: '0',
  claimEffectiveDate: '2024-03-01',
  memberId: MBI_TWO,
  paidAmount: '40.00',
});
const B3C = partB(MAR5, 2, {
  claimId: '2000000000032',
  claimControlNumber: 'CN-3',
  adjustmentTypeCode: '1',
  claimEffectiveDate: '2024-03-05',
  memberId: MBI_TWO,
  paidAmount: '-40.00',
});
// Rows the rules cannot use, for the problem lists: Part B lines without a claim control number
// (two members, so two buckets) and a Part A detail whose header never arrives.
const B_NO_KEY_JAN = partB(JAN5, 3, {
  claimId: '2000000000041',
  claimControlNumber: null,
  memberId: MBI_OLD,
});
const B_NO_KEY_MAR = partB(MAR5, 3, {
  claimId: '2000000000042',
  claimControlNumber: null,
  memberId: MBI_TWO,
});
const D_ORPHAN = { ...detail(MAR2, 1, '1000000000099'), memberId: MBI_TWO };

const DELIVERIES: readonly Delivery[] = [
  { file: JAN1, topic: 'claim.line.v1', values: [A1, A3, A2] },
  { file: JAN2, topic: 'claim.line.v1', values: [D1] },
  { file: JAN5, topic: 'claim.line.v1', values: [B1, B2, B_NO_KEY_JAN] },
  { file: X12_JAN, topic: 'claim.line.v1', values: [X1] },
  { file: FEB1, topic: 'claim.line.v1', values: [A1C, A1R, A3C] },
  { file: FEB2, topic: 'claim.line.v1', values: [D1R] },
  { file: FEB5, topic: 'claim.line.v1', values: [B1A, B2_AGAIN] },
  { file: FEB9, topic: 'member.xref.v1', values: [XREF] },
  { file: X12_FEB, topic: 'claim.line.v1', values: [X1R] },
  { file: MAR5, topic: 'claim.line.v1', values: [B3, B3C, B_NO_KEY_MAR] },
  { file: MAR2, topic: 'claim.line.v1', values: [D_ORPHAN] },
];

type Batch = { topic: Delivery['topic']; values: Value[] };

const byFile = (...files: string[]): Batch[] =>
  files.map((f) => {
    const d = DELIVERIES.find((x) => x.file === f)!;
    return { topic: d.topic, values: d.values };
  });

/** Every record alone, shuffled with `seed`, the re-delivered files appended again. */
function shuffled(seed: number, { xref }: { xref: 'first' | 'last' | 'mixed' }): Batch[] {
  const random = prng(seed);
  const singles: Batch[] = DELIVERIES.flatMap((d) => d.values.map((v) => ({ topic: d.topic, values: [v] })));
  for (let i = singles.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [singles[i], singles[j]] = [singles[j]!, singles[i]!];
  }
  const claims = singles.filter((b) => b.topic === 'claim.line.v1');
  const xrefs = singles.filter((b) => b.topic === 'member.xref.v1');
  const order = xref === 'first' ? [...xrefs, ...claims] : xref === 'last' ? [...claims, ...xrefs] : singles;
  // A re-drop of identical files: same content, same positions (sha, name, line).
  return [...order, ...byFile(FEB5, JAN1, FEB9)];
}

/** Named orders and splits of the same deliveries. */
const ORDERS: { name: string; batches: () => Batch[]; maxRowsPerChunk: number }[] = [
  {
    name: 'chronological, one batch per file, one chunk',
    batches: () => byFile(...DELIVERIES.map((d) => d.file)),
    maxRowsPerChunk: 50_000,
  },
  {
    name: 'reverse chronological, 2-row chunks',
    batches: () => byFile(...DELIVERIES.map((d) => d.file).reverse()),
    maxRowsPerChunk: 2,
  },
  {
    name: 'record by record shuffled, crosswalk last, identical files re-sent, 3-row chunks',
    batches: () => shuffled(7, { xref: 'last' }),
    maxRowsPerChunk: 3,
  },
  {
    name: 'record by record shuffled, crosswalk first, identical files re-sent, 1-row chunks',
    batches: () => shuffled(42, { xref: 'first' }),
    maxRowsPerChunk: 1,
  },
];

/** The oracle: the pure computation over every distinct decoded row, in memory. */
function oracle(claims: ClaimLineRecord[], xref: Value[]) {
  const entries: MbiCrosswalkEntry[] = xref.map((x) => ({
    previousId: x['previousId'] as string,
    currentId: x['currentId'] as string,
    sourceFile: x['sourceFile'] as string,
    lineNumber: x['lineNumber'] as number,
  }));
  return computeFinalAction(claims, entries);
}

const byPlace = (a: { naturalKey: string; sourceFile: string; lineNumber: number }, b: typeof a): number =>
  a.naturalKey < b.naturalKey
    ? -1
    : a.naturalKey > b.naturalKey
      ? 1
      : a.sourceFile < b.sourceFile
        ? -1
        : a.sourceFile > b.sourceFile
          ? 1
          : a.lineNumber - b.lineNumber;

/** What the tables hold after a run, in a canonical order. */
async function snapshot(store: Store) {
  const lines = (await readFinalLines(store))
    .map((l) => ({ ...l, sourceFile: l.row.sourceFile, lineNumber: l.row.lineNumber }))
    .sort(byPlace);
  const removed = (await readRemovedVersions(store)).sort(byPlace);
  return { lines, removed };
}

/** Registers the scenario for one store. */
export function describeFinalActionStore(name: string, openStore: OpenScenarioStore): void {
  describe(`final action from ClickHouse (${name})`, () => {
    let codec: Codec;
    const open: Store[] = [];

    beforeAll(async () => {
      codec = await createLocalCodec();
    });

    const fresh = async (): Promise<Store> => {
      const database = `gs_fa_${createHash('sha256').update(`${Date.now()}${Math.random()}`).digest('hex').slice(0, 12)}`;
      const store = await openStore(database);
      open.push(store);
      return store;
    };

    /** Drops a store's database and closes it (chDB allows one open store per process). */
    const release = async (store: Store): Promise<void> => {
      open.splice(open.indexOf(store), 1);
      const [db] = await store.query<{ d: string }>('SELECT currentDatabase() AS d');
      if (db !== undefined) await store.exec(`DROP DATABASE IF EXISTS ${db.d}`);
      await store.close();
    };

    afterEach(async () => {
      for (const store of [...open]) await release(store);
    });

    /** Values as a consumer sees them: Avro-encoded and decoded like real records. */
    const roundTrip = async (topic: string, value: Value): Promise<Value> =>
      codec.decode<Value>(topic, await codec.encode(topic, value));

    /** Lands batches through the sinks' own toRows/write, as the sink runner does. */
    const land = async (store: Store, batches: Batch[]): Promise<void> => {
      const sinks = claimsSinks(store);
      let offset = 0;
      for (const batch of batches) {
        const spec = batch.topic === 'claim.line.v1' ? sinks.claimLines : sinks.memberXref;
        const rows = [];
        for (const value of batch.values) {
          const ctx: StepContext = {
            source: { topic: batch.topic, partition: 0, offset: offset++ },
            key: null,
            timestamp: Date.UTC(2024, 2, 20, 12),
          };
          rows.push(...spec.toRows(await roundTrip(batch.topic, value), ctx));
        }
        await spec.write(rows);
      }
    };

    const everything = async (): Promise<{ claims: ClaimLineRecord[]; xref: Value[] }> => {
      const claims: ClaimLineRecord[] = [];
      const xref: Value[] = [];
      for (const d of DELIVERIES)
        for (const v of d.values) {
          const decoded = await roundTrip(d.topic, v);
          if (d.topic === 'claim.line.v1') claims.push(decoded as ClaimLineRecord);
          else xref.push(decoded);
        }
      return { claims, xref };
    };

    it('gives the same final-action tables for every order and split, equal to the in-memory computation', async () => {
      const { claims, xref } = await everything();
      const expected = oracle(claims, xref);
      const expectedLines = expected.lines
        .map((l) => ({
          naturalKey: l.naturalKey,
          family: l.family,
          currentMemberId: l.currentMemberId,
          row: l.row,
          sourceFile: l.row.sourceFile,
          lineNumber: l.row.lineNumber,
        }))
        .sort(byPlace);
      const expectedRemoved = expected.keys
        .flatMap((k) => k.removed.map((v) => ({ naturalKey: k.naturalKey, family: k.family, ...v })))
        .sort(byPlace);

      let first: Awaited<ReturnType<typeof snapshot>> | undefined;
      for (const order of ORDERS) {
        const store = await fresh();
        await land(store, order.batches());
        const run = await materializeFinalAction(store, { maxRowsPerChunk: order.maxRowsPerChunk });
        const got = await snapshot(store);
        expect(got.lines, order.name).toEqual(expectedLines);
        expect(got.removed, order.name).toEqual(expectedRemoved);
        expect(run.problems, order.name).toEqual(expected.problems);
        expect(run.inputRows, order.name).toBe(claims.length);
        expect(run.buckets, order.name).toBe(Math.ceil(claims.length / order.maxRowsPerChunk));
        if (first === undefined) first = got;
        else expect(got, order.name).toEqual(first);
        await release(store);
      }
    });

    it('matches the domain rules worked out by hand', async () => {
      const store = await fresh();
      await land(store, shuffled(3, { xref: 'mixed' }));
      const run = await materializeFinalAction(store, { maxRowsPerChunk: 2 });
      const { lines, removed } = await snapshot(store);
      const final = lines.map((l) => `${l.row.sourceFormat}:${l.row.claimId}`).sort();
      // Part A: a1 and its cancellation pair off (same absolute amount, IP §5.2.1); the
      // re-adjustment stands with its own detail row; a3 (old MBI) is cancelled by a cancellation
      // filed under the new MBI once CCLF9 rolls it forward; a2 was never touched.
      // Part B: CN-1's latest version (the adjustment) wins; CN-2 stands (from its latest
      // delivery); CN-3's latest version is a cancellation, so it has no final line.
      // X12: the replacement (frequency 7, REF*F8 ICN-1) replaces the original.
      expect(final).toEqual([
        'CCLF1:1000000000003',
        'CCLF1:1000000000031',
        'CCLF2:1000000000003',
        'CCLF5:2000000000005',
        'CCLF5:2000000000011',
        'X12_837P:PCN-1R',
      ]);
      const lineOf = (claimId: string) =>
        lines.find((l) => l.row.claimId === claimId && l.row.sourceFormat !== 'CCLF2')!;
      expect(lineOf('2000000000005').row.paidAmount).toBe('95.00');
      expect(lineOf('1000000000003').row.paidAmount).toBe('900.00');
      expect(lineOf('2000000000011').currentMemberId).toBe(MBI_NEW);
      expect(lineOf('2000000000011').row.memberId).toBe(MBI_OLD);
      expect(lineOf('2000000000011').row.sourceFile).toBe(FEB5);
      expect(lineOf('PCN-1R').row.memberId).toBe('W100000002');
      expect(lineOf('PCN-1R').family).toBe('X12');
      const reasons = Object.fromEntries(removed.map((r) => [r.claimId, r.reason]));
      expect(reasons).toEqual({
        '1000000000001': 'CANCELLED',
        '1000000000002': 'CANCELLATION',
        '1000000000021': 'CANCELLED',
        '1000000000022': 'CANCELLATION',
        '2000000000001': 'SUPERSEDED',
        '2000000000031': 'CANCELLED',
        '2000000000032': 'CANCELLATION',
        'PCN-1': 'SUPERSEDED',
      });
      // Nothing is dropped silently: the unusable rows are named by file and line, one problem per
      // rule even though they were computed in different buckets.
      expect(run.problems.map((p) => [p.code, p.refs])).toEqual([
        ['DETAIL_WITHOUT_HEADER', [{ sourceFile: MAR2, lineNumber: 1 }]],
        [
          'MISSING_KEY_FIELD',
          [
            { sourceFile: JAN5, lineNumber: 3 },
            { sourceFile: MAR5, lineNumber: 3 },
          ],
        ],
      ]);
      // Re-dropped identical files land once: ReplacingMergeTree keyed by (sha, file, line).
      const [count] = await store.query<{ n: string }>('SELECT count() AS n FROM claim_lines FINAL');
      expect(Number(count?.n)).toBe(
        DELIVERIES.filter((d) => d.topic === 'claim.line.v1').flatMap((d) => d.values).length,
      );
    });

    it('is incremental: a run before the crosswalk arrives sees two members, the next one rolls forward', async () => {
      const store = await fresh();
      const withoutXref = DELIVERIES.filter((d) => d.topic !== 'member.xref.v1').map((d) => d.file);
      await land(store, byFile(...withoutXref));
      const before = await materializeFinalAction(store, { keepRuns: 1 });
      // Without CCLF9 the old-MBI claim and the new-MBI cancellation are different keys.
      const finalBefore = (await readFinalLines(store)).map((l) => l.row.claimId);
      expect(finalBefore).toContain('1000000000021');
      expect(before.problems.map((p) => p.code)).toEqual(['DETAIL_WITHOUT_HEADER', 'MISSING_KEY_FIELD']);
      expect((await readRemovedVersions(store)).find((r) => r.claimId === '1000000000022')?.reason).toBe(
        'UNMATCHED_CANCELLATION',
      );

      await land(store, byFile(FEB9));
      const after = await materializeFinalAction(store, { keepRuns: 1 });
      expect(after.runId).toBeGreaterThan(before.runId);
      expect(after.droppedRuns).toEqual([before.runId]);
      expect((await readFinalLines(store)).map((l) => l.row.claimId)).not.toContain('1000000000021');
      expect((await latestFinalActionRun(store))?.runId).toBe(after.runId);

      // A rerun over unchanged tables gives the same rows under a new run.
      const first = await snapshot(store);
      const again = await materializeFinalAction(store, { keepRuns: 1, maxRowsPerChunk: 1 });
      expect(again.runId).toBeGreaterThan(after.runId);
      expect(await snapshot(store)).toEqual(first);
      for (const table of ['claim_final_action', 'claim_removed_versions']) {
        const runs = await store.query<{ run_id: string }>(`SELECT DISTINCT run_id FROM ${table}`);
        expect(runs.map((r) => Number(r.run_id))).toEqual([again.runId]);
      }
    });

    it('leaves a failed run invisible and drops it on the next run', async () => {
      const store = await fresh();
      await land(store, byFile(JAN1, JAN5));
      const good = await materializeFinalAction(store);
      // A run that dies after writing rows but before its runs row: simulated by a store whose
      // insert into the runs table fails.
      const failing: Store = {
        driver: store.driver,
        exec: (sql, params) => store.exec(sql, params),
        query: (sql, params) => store.query(sql, params),
        insert: (table, rows) =>
          table === 'claim_final_action_runs'
            ? Promise.reject(new Error('simulated crash before the commit point'))
            : store.insert(table, rows),
        close: () => store.close(),
      };
      await land(store, byFile(FEB1));
      await expect(materializeFinalAction(failing)).rejects.toThrow(/simulated crash/);
      expect((await latestFinalActionRun(store))?.runId).toBe(good.runId);
      expect((await readFinalLines(store)).map((l) => l.row.claimId)).toContain('1000000000001');
      const next: FinalActionRun = await materializeFinalAction(store, { keepRuns: 1 });
      const runs = await store.query<{ run_id: string }>('SELECT DISTINCT run_id FROM claim_final_action');
      expect(runs.map((r) => Number(r.run_id))).toEqual([next.runId]);
      expect((await readFinalLines(store)).map((l) => l.row.claimId)).not.toContain('1000000000001');
    });

    it('lands rosters and the manifest history, and reads the latest state per file', async () => {
      const store = await fresh();
      const sinks = claimsSinks(store);
      const ctx = (offset: number): StepContext => ({
        source: { topic: 't', partition: 0, offset },
        key: null,
        timestamp: Date.UTC(2024, 3, 1),
      });
      const roster = await roundTrip('roster.member.v1', EXAMPLES['roster.member.v1']);
      await sinks.rosterMembers.write([
        ...sinks.rosterMembers.toRows(roster, ctx(1)),
        ...sinks.rosterMembers.toRows(roster, ctx(1)),
      ]);
      const back = await store.query(`SELECT ${selectList(ROSTER_MEMBER_COLUMNS)} FROM roster_members FINAL`);
      // Birth dates before 1970 survive (dates are ISO text on every server).
      expect(back.map((r) => fromRow(ROSTER_MEMBER_COLUMNS, r))).toEqual([roster]);

      const base = EXAMPLES['file.manifest.v1'];
      const events: Value[] = [
        { ...base, event: 'STARTED', status: 'IN_PROGRESS', linesCommitted: 0, at: 1_000 },
        { ...base, event: 'PROGRESS', status: 'IN_PROGRESS', linesCommitted: 100_000, at: 2_000 },
        { ...base, event: 'PROGRESS', status: 'IN_PROGRESS', linesCommitted: 200_000, at: 3_000 },
        { ...base, event: 'COMPLETED', status: 'DONE', linesCommitted: 200_000, at: 3_000 },
        {
          ...base,
          fileName: 'renamed-copy',
          event: 'DUPLICATE',
          status: 'DONE',
          linesCommitted: 200_000,
          at: 9_000,
        },
      ];
      const decoded = await Promise.all(events.map((e) => roundTrip('file.manifest.v1', e)));
      // Newest first and one event re-delivered: neither changes the history or the latest state.
      const rows = [...decoded].reverse().flatMap((v, i) => sinks.fileManifest.toRows(v, ctx(i)));
      await sinks.fileManifest.write(rows);
      await sinks.fileManifest.write(rows.slice(1, 2));
      const [history] = await store.query<{ n: string }>('SELECT count() AS n FROM file_manifest FINAL');
      expect(Number(history?.n)).toBe(5);
      const latest = await latestManifest(store);
      expect(latest).toHaveLength(1);
      expect(latest[0]).toMatchObject({
        sha256: base.sha256,
        fileName: 'renamed-copy',
        event: 'DUPLICATE',
        status: 'DONE',
        linesCommitted: 200_000,
        at: 9_000,
        firstAt: 1_000,
        events: 5,
        problemCodes: ['BAD_DATE'],
      });
    });
  });
}
