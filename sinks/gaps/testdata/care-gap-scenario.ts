/**
 * A hand-built care-gap scenario shared by the chDB test (cli/report-cli.test.ts) and the
 * ClickHouse-server test (sinks/gaps/care-gaps.int.test.ts): changes in topic order, including a
 * gap going OPEN → CLOSED, a provider change, a CLOSED → OPEN return that repeats a change id, two
 * changes of one key in the same millisecond, a republished duplicate, another period and another
 * contract; and the numbers the views must show. Made-up ids only.
 */
import type { EvidenceRef } from '../../../processors/contracts/types.ts';
import type { GapRate } from '../rows.ts';
import type { AttributionChangeValue, GapChangeValue } from '../rows.ts';

export const CONTRACT = 'test-mssp';
export const OTHER_CONTRACT = 'other-aco';
export const T0 = Date.UTC(2026, 2, 1, 9, 0, 0);
const TIN = '123456789';
const N1 = '1234567893';
const N2 = '1245319599';

const person = (n: number): string => `P${String(n).padStart(20, '0')}`;

function evidence(
  ref: string,
  system: string,
  code: string,
  date: string,
  topic = 'clinical.event.v1',
): EvidenceRef {
  return {
    factId: `code|MR|NORTH|${ref}`,
    recordId: `MR|NORTH|${ref}`,
    system,
    code,
    date,
    value: null,
    source: { topic, partition: 0, offset: 100, ref },
  };
}

const base: GapChangeValue = {
  changeId: '',
  contractId: CONTRACT,
  contractVersion: '2026.1',
  measureId: 'CMS125',
  measureVersion: '2024.0',
  personId: '',
  periodStart: '2026-01-01',
  periodEnd: '2026-12-31',
  oldStatus: null,
  newStatus: 'OPEN',
  numeratorMet: false,
  exclusion: null,
  reason: 'no qualifying evidence',
  evidence: [],
  dueBy: null,
  attributedNpi: N1,
  attributedTin: TIN,
  trigger: 'EVENT',
  asOf: '2026-03-01',
  at: T0,
};

/** A change; its id as the processor builds it (contract|version|measure|person|period|status|evidence). */
function gap(n: number, o: Partial<GapChangeValue>): GapChangeValue {
  const v = { ...base, personId: person(n), ...o };
  const facts = v.evidence.map((e) => e.factId).join(',') || '-';
  return {
    ...v,
    changeId: [
      v.contractId,
      v.contractVersion,
      v.measureId,
      v.personId,
      v.periodStart,
      v.newStatus,
      facts,
    ].join('|'),
  };
}

const mammography = (ref: string, date: string): EvidenceRef[] => [evidence(ref, 'CPT', '77067', date)];

/** gap.change.v1 values in topic order. */
export const GAP_CHANGES: GapChangeValue[] = [
  gap(1, {}),
  gap(2, {}),
  gap(3, {
    newStatus: 'EXCLUDED',
    exclusion: 'hospice',
    reason: 'excluded: hospice',
    attributedNpi: N2,
    evidence: [evidence('ev-3', 'HCPCS', 'G9473', '2026-02-01')],
  }),
  gap(4, {}),
  gap(5, {
    newStatus: 'NOT_IN_DENOMINATOR',
    reason: 'not attributed',
    attributedNpi: null,
    attributedTin: null,
  }),
  gap(6, { attributedNpi: N2 }),
  gap(9, { at: T0 + 1000 }),
  // OPEN -> CLOSED.
  gap(1, {
    oldStatus: 'OPEN',
    newStatus: 'CLOSED',
    numeratorMet: true,
    reason: 'mammography 2026-02-20',
    evidence: mammography('ev-1', '2026-02-20'),
    dueBy: '2027-12-31',
    at: T0 + 2000,
  }),
  // Closed by a claim, and attributed to another NPI meanwhile: counts only under N2.
  gap(4, {
    oldStatus: 'OPEN',
    newStatus: 'CLOSED',
    numeratorMet: true,
    reason: 'mammography 2026-01-15',
    evidence: [evidence('CLM-77|1', 'CPT', '77067', '2026-01-15', 'claim.line.v1')],
    attributedNpi: N2,
    at: T0 + 2000,
  }),
  gap(6, {
    oldStatus: 'OPEN',
    newStatus: 'CLOSED',
    numeratorMet: true,
    reason: 'mammography 2026-02-25',
    evidence: mammography('ev-6', '2026-02-25'),
    attributedNpi: N2,
    at: T0 + 3000,
  }),
  // The evidence moved away with a split: OPEN again, the same change id as the first OPEN.
  gap(6, { oldStatus: 'CLOSED', attributedNpi: N2, trigger: 'TRANSFER', at: T0 + 4000 }),
  // Same millisecond as P9's OPEN, later on the topic: CLOSED wins.
  gap(9, {
    oldStatus: 'OPEN',
    newStatus: 'CLOSED',
    numeratorMet: true,
    reason: 'mammography 2026-02-27',
    evidence: mammography('ev-9', '2026-02-27'),
    at: T0 + 1000,
  }),
  // The processor republished P2's first change (a duplicate).
  gap(2, {}),
  // CMS122 (inverse): the numerator is poor control, a gap is open when it is met.
  gap(1, {
    measureId: 'CMS122',
    newStatus: 'CLOSED',
    reason: 'latest HbA1c 2026-03-02',
    evidence: [{ ...evidence('ev-11', 'LOINC', '4548-4', '2026-03-02'), value: 7.1 }],
  }),
  gap(2, { measureId: 'CMS122', numeratorMet: true, reason: 'latest HbA1c 2026-02-10 above 9' }),
  gap(8, { measureId: 'CMS122', newStatus: 'CLOSED', reason: 'latest HbA1c 2026-01-20' }),
  // Last year's period, recomputed under last year's contract version.
  gap(1, {
    contractVersion: '2025.2',
    periodStart: '2025-01-01',
    periodEnd: '2025-12-31',
    newStatus: 'CLOSED',
    numeratorMet: true,
    reason: 'mammography 2025-05-02',
    evidence: mammography('ev-0', '2025-05-02'),
    asOf: '2025-12-31',
    trigger: 'RECOMPUTE',
  }),
  // Another contract: never in this contract's report.
  gap(1, { contractId: OTHER_CONTRACT }),
];

/** Distinct (change id, at) pairs: every change but the republished duplicate. */
export const DISTINCT_GAP_CHANGES = GAP_CHANGES.length - 1;

const attributionBase: AttributionChangeValue = {
  changeId: '',
  contractId: CONTRACT,
  contractVersion: '2026.1',
  personId: '',
  periodStart: '2026-01-01',
  periodEnd: '2026-12-31',
  oldAttributed: null,
  attributed: true,
  oldNpi: null,
  npi: N1,
  tin: TIN,
  method: 'claims:primary-care-physicians',
  reason: '2 qualifying visits',
  evidence: [],
  trigger: 'EVENT',
  asOf: '2026-03-01',
  at: T0,
};

function attribution(n: number, o: Partial<AttributionChangeValue>): AttributionChangeValue {
  const v = { ...attributionBase, personId: person(n), ...o };
  return {
    ...v,
    changeId: [v.contractId, v.contractVersion, v.personId, v.periodStart, v.attributed, v.npi ?? '-'].join(
      '|',
    ),
  };
}

/** attribution.change.v1 values in topic order (the second P2 is a republished duplicate). */
export const ATTRIBUTION_CHANGES: AttributionChangeValue[] = [
  attribution(1, { evidence: [evidence('CLM-1|1', 'CPT', '99213', '2026-01-05', 'claim.line.v1')] }),
  attribution(2, {}),
  attribution(4, {}),
  attribution(4, { oldAttributed: true, oldNpi: N1, npi: N2, reason: '3 qualifying visits', at: T0 + 2000 }),
  attribution(5, { attributed: false, npi: null, tin: null, method: 'none', reason: 'no qualifying visits' }),
  attribution(2, {}),
];

/** Current attribution of the contract's 2026 period: person → NPI (null: not attributed). */
export const EXPECTED_ATTRIBUTION: Record<string, string | null> = {
  [person(1)]: N1,
  [person(2)]: N1,
  [person(4)]: N2,
  [person(5)]: null,
};

const rate = (
  measureId: string,
  periodStart: string,
  npi: string | null,
  n: Pick<
    GapRate,
    'denominator' | 'numerator' | 'exclusions' | 'openGaps' | 'closedGaps' | 'notInDenominator'
  >,
): GapRate => ({
  contractId: CONTRACT,
  measureId,
  periodStart,
  periodEnd: `${periodStart.slice(0, 4)}-12-31`,
  attributedTin: npi === null ? null : TIN,
  attributedNpi: npi,
  ...n,
  rate: n.denominator === 0 ? null : n.numerator / n.denominator,
});

/** gapRates(store, CONTRACT): every period, ordered by measure, period, TIN, NPI (none last). */
export const EXPECTED_RATES: GapRate[] = [
  rate('CMS122', '2026-01-01', N1, {
    denominator: 3,
    numerator: 1,
    exclusions: 0,
    openGaps: 1,
    closedGaps: 2,
    notInDenominator: 0,
  }),
  rate('CMS125', '2025-01-01', N1, {
    denominator: 1,
    numerator: 1,
    exclusions: 0,
    openGaps: 0,
    closedGaps: 1,
    notInDenominator: 0,
  }),
  rate('CMS125', '2026-01-01', N1, {
    denominator: 3,
    numerator: 2,
    exclusions: 0,
    openGaps: 1,
    closedGaps: 2,
    notInDenominator: 0,
  }),
  rate('CMS125', '2026-01-01', N2, {
    denominator: 2,
    numerator: 1,
    exclusions: 1,
    openGaps: 1,
    closedGaps: 1,
    notInDenominator: 0,
  }),
  rate('CMS125', '2026-01-01', null, {
    denominator: 0,
    numerator: 0,
    exclusions: 0,
    openGaps: 0,
    closedGaps: 0,
    notInDenominator: 1,
  }),
];

/** The default report (per measure) of CONTRACT, every period. */
export const EXPECTED_MEASURE_TABLE = `MEASURE  PERIOD                  DENOMINATOR  NUMERATOR  EXCLUSIONS  OPEN    RATE
CMS122   2026-01-01..2026-12-31            3          1           0     1   33.3%
CMS125   2025-01-01..2025-12-31            1          1           0     0  100.0%
CMS125   2026-01-01..2026-12-31            5          3           1     2   60.0%
`;

/** gap_worklist of CONTRACT: [measure, NPI, person], ordered. */
export const EXPECTED_WORKLIST: [string, string, string][] = [
  ['CMS122', N1, person(2)],
  ['CMS125', N1, person(2)],
  ['CMS125', N2, person(6)],
];

export { N1, N2, TIN, person };
