/**
 * What the truth needs from contracts/*.yaml, restated as data: the measure lists of each
 * contract version with their effective dates, and each measure's population (age band, sex,
 * qualifying diagnosis) and which shared exclusions it applies. Kept by hand so the truth is
 * decided without running gapstream code; producers/synth/contracts.test.ts checks it against
 * the YAML so the two cannot drift apart silently.
 */

export const MSSP_CONTRACT = 'example-mssp-aco';
export const COMMERCIAL_CONTRACT = 'example-health-commercial';
export type ContractId = typeof MSSP_CONTRACT | typeof COMMERCIAL_CONTRACT;

export type MeasureId = 'CMS122' | 'CMS122-LT8' | 'CMS124' | 'CMS125' | 'CMS130' | 'CMS165' | 'AWV';

/** A measure's population as the truth applies it (ages at mp-end). */
export interface MeasurePopulation {
  id: MeasureId;
  age: { min: number; max: number };
  sex: 'F' | 'M' | null;
  /** Qualifying diagnosis beyond the encounter every member has. */
  needs: 'diabetes' | 'hypertension' | null;
  /** Which member-level exclusions (exclusions.yaml refs) the measure lists. */
  hospice: boolean;
  palliative: boolean;
  deceased: boolean;
}

const all = { hospice: true, palliative: true, deceased: true };

/** contracts/measures/*.yaml populations. */
export const MEASURES: Readonly<Record<MeasureId, MeasurePopulation>> = {
  CMS122: { id: 'CMS122', age: { min: 18, max: 75 }, sex: null, needs: 'diabetes', ...all },
  'CMS122-LT8': { id: 'CMS122-LT8', age: { min: 18, max: 75 }, sex: null, needs: 'diabetes', ...all },
  CMS124: { id: 'CMS124', age: { min: 24, max: 64 }, sex: 'F', needs: null, ...all },
  CMS125: { id: 'CMS125', age: { min: 52, max: 74 }, sex: 'F', needs: null, ...all },
  CMS130: { id: 'CMS130', age: { min: 46, max: 75 }, sex: null, needs: null, ...all },
  CMS165: { id: 'CMS165', age: { min: 18, max: 85 }, sex: null, needs: 'hypertension', ...all },
  AWV: {
    id: 'AWV',
    age: { min: 18, max: 130 },
    sex: null,
    needs: null,
    hospice: true,
    palliative: false,
    deceased: true,
  },
};

/** One contract version: effective dates and its measures (with population overrides applied). */
export interface ContractVersion {
  contractId: ContractId;
  version: string;
  from: string;
  to: string | null;
  requireEnrollment: boolean;
  measures: readonly MeasurePopulation[];
}

const m = (id: MeasureId): MeasurePopulation => MEASURES[id];

/** contracts/example-*.yaml versions. */
export const CONTRACT_VERSIONS: readonly ContractVersion[] = [
  {
    contractId: MSSP_CONTRACT,
    version: '2026.1',
    from: '2026-01-01',
    to: null,
    requireEnrollment: false,
    measures: [m('CMS122'), m('CMS125'), m('CMS130'), m('CMS165')],
  },
  {
    contractId: COMMERCIAL_CONTRACT,
    version: '2026.1',
    from: '2026-01-01',
    to: '2026-06-30',
    requireEnrollment: true,
    measures: [m('CMS122'), m('CMS122-LT8'), m('CMS124'), m('CMS125'), m('CMS130'), m('CMS165')],
  },
  {
    contractId: COMMERCIAL_CONTRACT,
    version: '2026.2',
    from: '2026-07-01',
    to: null,
    requireEnrollment: true,
    measures: [
      m('CMS122'),
      m('CMS122-LT8'),
      m('CMS124'),
      m('CMS125'),
      // 2026.2 override: colorectal screening from 45.
      { ...m('CMS130'), age: { min: 45, max: 75 } },
      m('CMS165'),
      m('AWV'),
    ],
  },
];

/** The version of a contract in effect on `asOf`; throws when none is. */
export function activeVersion(contractId: ContractId, asOf: string): ContractVersion {
  const v = CONTRACT_VERSIONS.find(
    (x) => x.contractId === contractId && x.from <= asOf && (x.to === null || asOf <= x.to),
  );
  if (v === undefined)
    throw new Error(
      `no version of contract ${contractId} is in effect on ${asOf} (contracts/*.yaml versions start 2026-01-01); choose an as-of date from 2026-01-01`,
    );
  return v;
}
