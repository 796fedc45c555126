/**
 * The scenario catalogue: for each measure group, the situations a member can be in, how often
 * they are drawn, and the status each one decides BY CONSTRUCTION (the generator builds exactly
 * the evidence the name says and nothing else that the measure reads). One twist per
 * member-measure. Windows are those of contracts/measures/*.yaml for MP = the calendar year Y.
 */
import type { GapStatus } from '../../processors/contracts/types.ts';
import type { MeasureId } from './contracts.ts';
import type { AttributionScenario } from './types.ts';

/** A scenario: draw weight and the status of each measure of its group. */
export interface ScenarioDef {
  weight: number;
  status: Partial<Record<MeasureId, Exclude<GapStatus, 'not-in-denominator'>>>;
  /** What is built, for truth/README.md. */
  means: string;
}

type Table = Readonly<Record<string, ScenarioDef>>;

const closed = 'closed' as const;
const open = 'open' as const;
const excluded = 'excluded' as const;

/** CMS125 (women 52-74): mammography Oct 1 of Y-2 .. Dec 31 of Y. */
export const BREAST: Table = {
  'mammo-claims-in-window': {
    weight: 3,
    status: { CMS125: closed },
    means: 'claim 77067 (outside radiology) in Y-1 or Y, claims only',
  },
  'mammo-hl7-in-window': {
    weight: 2,
    status: { CMS125: closed },
    means:
      'HL7 only: ORU MG report (LOINC 24606-6) + A08 PR1 77067, after the claims run-out or in Q4 of Y-2',
  },
  'mammo-window-start': {
    weight: 1,
    status: { CMS125: closed },
    means: 'HL7 mammography on Oct 1 of Y-2 (first day of the 27-month window)',
  },
  'mammo-before-window': {
    weight: 1.5,
    status: { CMS125: open },
    means: 'HL7 mammography on Sep 30 of Y-2 (one day before the window)',
  },
  'mammo-none': { weight: 2, status: { CMS125: open }, means: 'no mammography' },
  'bilateral-mastectomy': {
    weight: 0.6,
    status: { CMS125: excluded },
    means: 'Z90.13 on a visit (claims and HL7)',
  },
  'unilateral-left-and-right': {
    weight: 0.5,
    status: { CMS125: excluded },
    means: 'Z90.12 on an HL7 A08 history update and Z90.11 on a visit: both sides',
  },
  'unilateral-only': {
    weight: 0.5,
    status: { CMS125: open },
    means: 'Z90.12 only (one side), no mammography',
  },
};

/** CMS130 (46-75; 45-75 under commercial 2026.2). */
export const COLORECTAL: Table = {
  'colonoscopy-claims': {
    weight: 2,
    status: { CMS130: closed },
    means: 'claim 45378 (outside GI) in Y-1 or Y, claims only',
  },
  'colonoscopy-hl7-history': {
    weight: 1.5,
    status: { CMS130: closed },
    means: 'HL7 A08 PR1 45378 in Y-8..Y-2 (EMR history), HL7 only',
  },
  'colonoscopy-window-start': {
    weight: 0.7,
    status: { CMS130: closed },
    means: 'HL7 colonoscopy on Jan 1 of Y-9 (first day of the 10-year window)',
  },
  'colonoscopy-before-window': {
    weight: 0.8,
    status: { CMS130: open },
    means: 'HL7 colonoscopy on Dec 31 of Y-10',
  },
  'fit-in-period': {
    weight: 1.5,
    status: { CMS130: closed },
    means: 'ORU FIT 29771-3 with a result (Negative) in Y',
  },
  'fit-prior-year': {
    weight: 0.8,
    status: { CMS130: open },
    means: 'ORU FIT with a result in Y-1 (FOBT counts in the period only)',
  },
  'fit-no-result': {
    weight: 0.6,
    status: { CMS130: open },
    means: 'ORU FIT in Y, status F, OBX-5 empty (no result)',
  },
  'sdna-fit-in-window': {
    weight: 0.6,
    status: { CMS130: closed },
    means: 'ORU sDNA-FIT 77353-1 with a result in Y-2..Y-1 (3-year window)',
  },
  'colorectal-none': { weight: 2, status: { CMS130: open }, means: 'no screening' },
  'colorectal-cancer': {
    weight: 0.5,
    status: { CMS130: excluded },
    means: 'C18.9 on a visit (claims and HL7)',
  },
  'total-colectomy': {
    weight: 0.4,
    status: { CMS130: excluded },
    means: 'HL7 A08 PR1 44150 in Y-5',
  },
};

/** CMS122 (> 9 is the gap, inverse) and CMS122-LT8 (< 8 closes); latest HbA1c in the period. */
export const DIABETES: Table = {
  'a1c-lt8': {
    weight: 2,
    status: { CMS122: closed, 'CMS122-LT8': closed },
    means: 'one HbA1c 5.8-7.9 in Y',
  },
  'a1c-8-to-9': {
    weight: 1.3,
    status: { CMS122: closed, 'CMS122-LT8': open },
    means: 'one HbA1c 8.1-8.9 in Y',
  },
  'a1c-gt9': { weight: 1.3, status: { CMS122: open, 'CMS122-LT8': open }, means: 'one HbA1c 9.1-12.4 in Y' },
  'a1c-exactly-9': {
    weight: 0.5,
    status: { CMS122: closed, 'CMS122-LT8': open },
    means: 'HbA1c 9.0 (not > 9)',
  },
  'a1c-exactly-8': {
    weight: 0.5,
    status: { CMS122: closed, 'CMS122-LT8': open },
    means: 'HbA1c 8.0 (not < 8)',
  },
  'a1c-missing': { weight: 1.2, status: { CMS122: open, 'CMS122-LT8': open }, means: 'no HbA1c at all' },
  'a1c-prior-year-only': {
    weight: 0.6,
    status: { CMS122: open, 'CMS122-LT8': open },
    means: 'HbA1c 6.8 in December of Y-1 only',
  },
  'a1c-high-then-low': {
    weight: 0.8,
    status: { CMS122: closed, 'CMS122-LT8': closed },
    means: 'HbA1c 9.8, then 7.2 at least 30 days later',
  },
  'a1c-low-then-high': {
    weight: 0.7,
    status: { CMS122: open, 'CMS122-LT8': open },
    means: 'HbA1c 7.0, then 9.4 at least 30 days later',
  },
  'a1c-corrected-down': {
    weight: 0.6,
    status: { CMS122: closed, 'CMS122-LT8': closed },
    means: 'final 9.6, then a corrected (OBX-11 C) 7.4 for the same order and OBX-3, sent 3 days later',
  },
  'a1c-corrected-up': {
    weight: 0.5,
    status: { CMS122: open, 'CMS122-LT8': open },
    means: 'final 7.6, then a corrected 9.3 for the same order',
  },
  'a1c-cpt2-below-7': {
    weight: 0.6,
    status: { CMS122: closed, 'CMS122-LT8': closed },
    means: 'CPT II 3044F on a visit claim (claims only)',
  },
  'a1c-cpt2-above-9': {
    weight: 0.5,
    status: { CMS122: open, 'CMS122-LT8': open },
    means: 'CPT II 3046F on a visit claim (claims only)',
  },
  'a1c-no-value': {
    weight: 0.4,
    status: { CMS122: open, 'CMS122-LT8': open },
    means: 'one HbA1c in Y, status F, no result value',
  },
};

/** CMS165: the most recent outpatient day with both readings; ED days do not count. */
export const BLOOD_PRESSURE: Table = {
  'bp-controlled': { weight: 2, status: { CMS165: closed }, means: 'one outpatient day, < 140 / < 90' },
  'bp-uncontrolled': { weight: 1.5, status: { CMS165: open }, means: 'one outpatient day, >= 140 or >= 90' },
  'bp-systolic-140': { weight: 0.5, status: { CMS165: open }, means: '140 / 70-88 (not < 140)' },
  'bp-139-89': { weight: 0.5, status: { CMS165: closed }, means: '139 / 89' },
  'bp-latest-controlled': {
    weight: 0.8,
    status: { CMS165: closed },
    means: 'uncontrolled day, then a later controlled day',
  },
  'bp-latest-uncontrolled': {
    weight: 0.8,
    status: { CMS165: open },
    means: 'controlled day, then a later uncontrolled day',
  },
  'bp-same-day-lowest': {
    weight: 0.6,
    status: { CMS165: closed },
    means: 'one day, 150/84 then 134/96: lowest of each (134/84) counts',
  },
  'bp-ed-only': {
    weight: 0.8,
    status: { CMS165: open },
    means: 'controlled readings only in an ED visit (PV1-2 E): none count',
  },
  'bp-ed-after-controlled': {
    weight: 0.6,
    status: { CMS165: closed },
    means: 'controlled outpatient day, then a later uncontrolled ED day (ignored)',
  },
  'bp-cpt2-controlled': {
    weight: 0.6,
    status: { CMS165: closed },
    means: 'CPT II 3074F + 3078F on a visit claim (claims only)',
  },
  'bp-cpt2-uncontrolled': {
    weight: 0.5,
    status: { CMS165: open },
    means: 'CPT II 3077F + 3080F on a visit claim (claims only)',
  },
  'bp-none': { weight: 1, status: { CMS165: open }, means: 'no reading in the period' },
  esrd: { weight: 0.5, status: { CMS165: excluded }, means: 'N18.6 on a visit' },
};

/** CMS124 (women 24-64): cytology Y-2..Y, or hrHPV Y-4..Y at age 30+. */
export const CERVICAL: Table = {
  'cytology-in-window': {
    weight: 2,
    status: { CMS124: closed },
    means: 'ORU cytology 10524-7 with a result in Y-2..Y',
  },
  'cytology-window-start': {
    weight: 0.6,
    status: { CMS124: closed },
    means: 'cytology on Jan 1 of Y-2',
  },
  'cytology-before-window': {
    weight: 0.8,
    status: { CMS124: open },
    means: 'cytology on Dec 31 of Y-3',
  },
  'hpv-30-plus-in-window': {
    weight: 1,
    status: { CMS124: closed },
    means: 'hrHPV 71431-1 in Y-4..Y, age 30+ at the test',
  },
  'hpv-under-30': {
    weight: 0.8,
    status: { CMS124: open },
    means: 'hrHPV in the window but at age 29 (drawn for ages 30-34 at mp-end)',
  },
  'cervical-none': { weight: 1.5, status: { CMS124: open }, means: 'no screening' },
  hysterectomy: { weight: 0.5, status: { CMS124: excluded }, means: 'Z90.710 on a visit' },
};

/** AWV (commercial from 2026.2): G0402/G0438/G0439 in the period. */
export const WELLNESS: Table = {
  'awv-claims': { weight: 2, status: { AWV: closed }, means: 'claim G0439 in Y' },
  'awv-hl7': {
    weight: 0.6,
    status: { AWV: closed },
    means: 'HL7 A04 PR1 G0439 after the claims run-out (HL7 only)',
  },
  'awv-prior-year': { weight: 1, status: { AWV: open }, means: 'claim G0439 in Y-1 only' },
  'awv-none': { weight: 2, status: { AWV: open }, means: 'no wellness visit' },
};

/** Measure groups: one scenario per member and group decides all measures of the group. */
export const GROUPS = {
  breast: { measures: ['CMS125'], table: BREAST },
  colorectal: { measures: ['CMS130'], table: COLORECTAL },
  diabetes: { measures: ['CMS122', 'CMS122-LT8'], table: DIABETES },
  bp: { measures: ['CMS165'], table: BLOOD_PRESSURE },
  cervical: { measures: ['CMS124'], table: CERVICAL },
  awv: { measures: ['AWV'], table: WELLNESS },
} as const satisfies Record<string, { measures: readonly MeasureId[]; table: Table }>;

export type GroupId = keyof typeof GROUPS;

/** The group a measure belongs to. */
export function groupOf(measure: MeasureId): GroupId {
  for (const [g, def] of Object.entries(GROUPS) as [GroupId, (typeof GROUPS)[GroupId]][])
    if ((def.measures as readonly MeasureId[]).includes(measure)) return g;
  throw new Error(`measure ${measure} has no scenario group`);
}

/** Attribution scenarios with their draw weights and meaning. */
export const MEDICARE_ATTRIBUTION: Readonly<Partial<Record<AttributionScenario, number>>> = {
  'mssp-ours': 78,
  'mssp-outside': 10,
  'mssp-outside-more-dollars-fewer-visits': 4,
  'mssp-ours-more-dollars-fewer-visits': 4,
  'mssp-pcp-outside-np-ours': 4,
};
export const COMMERCIAL_ATTRIBUTION: Readonly<Partial<Record<AttributionScenario, number>>> = {
  'roster-ours': 70,
  'roster-outside': 8,
  'roster-late-start-within-45-days': 2.5,
  'roster-enrollment-gap': 2.5,
  'no-roster-claims-ours': 9,
  'no-roster-claims-outside': 5,
  'no-roster-no-prior-visits': 3,
};

/** What each attribution scenario builds (truth/README.md). */
export const ATTRIBUTION_MEANS: Readonly<Record<AttributionScenario, string>> = {
  'mssp-ours':
    'primary care visits in Y: most allowed dollars at one of our PCPs (01/08/11/38); maybe one smaller outside visit',
  'mssp-outside': 'most allowed dollars at an outside PCP; one smaller visit with us',
  'mssp-outside-more-dollars-fewer-visits':
    'us 3 x 99212 ($171) vs outside 99215 + 99214 ($315): dollars, not visits, decide -> outside',
  'mssp-ours-more-dollars-fewer-visits': 'us 2 x 99215 ($368) vs outside 3 x 99212 ($171) -> ours',
  'mssp-pcp-outside-np-ours':
    'one outside PCP visit ($92) vs 3 visits with our nurse practitioner ($393): step 1 looks at physicians only -> outside',
  'roster-ours': 'on the roster with one of our NPIs as PCP, enrolled since before Y',
  'roster-outside':
    'on the roster with an outside PCP, although most visits in Y-1 were with us: the roster wins -> not ours',
  'roster-late-start-within-45-days':
    'roster PCP ours, enrolled from Feb 5 of Y: a 35-day gap, within the 45 allowed -> measures apply',
  'roster-enrollment-gap':
    'roster PCP ours, enrolled from Mar 15 of Y: a 73-day gap -> attributed, but every measure not-in-denominator',
  'no-roster-claims-ours':
    'not on the roster; most Y-1 primary care visits with us -> ours (claims fallback)',
  'no-roster-claims-outside': 'not on the roster; most Y-1 visits at an outside practice -> not ours',
  'no-roster-no-prior-visits':
    'not on the roster; visits with us only in Y: prospective attribution looks at Y-1 -> nobody',
};
