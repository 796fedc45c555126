/**
 * Settings of the care-gaps processor (processors/gaps, docs/contracts.md): where the contracts
 * and value sets live, an optional fixed evaluation date, and the timer period. Field table in
 * the shape of runtime/config/fields.ts (every key under `gaps.`), merged into the central table.
 */
import { z } from 'zod';
import type { FieldSpec } from '../../runtime/config/fields.ts';
import { isIsoDate } from '../contracts/dates.ts';
import { listSetting, positiveIntSetting } from '../../runtime/config/value-schemas.ts';

export interface GapsSettings {
  contractsDir: string;
  /** Organization value-set directories loaded after the starter sets (same id replaces). */
  valueSetDirs?: string[];
  /** Evaluate as of this date instead of each record's date (demos, back-testing). */
  asOf?: string;
  timerMs: number;
}

export const GAPS_FIELDS: readonly FieldSpec[] = [
  {
    path: 'gaps.contractsDir',
    env: 'GAPSTREAM_CONTRACTS_DIR',
    description:
      'Contracts as code: `*.yaml` contracts, `measures/` (measure library and shared exclusions), `value-sets/` (starter value sets) and `tests/` (contract test cases); see docs/contracts.md.',
    expected: 'a directory path',
    example: '/etc/gapstream/contracts',
    default: 'contracts',
    schema: z.string().min(1),
  },
  {
    path: 'gaps.valueSetDirs',
    env: 'GAPSTREAM_VALUE_SET_DIRS',
    description:
      "Comma-separated directories of the organization's value sets (CSV or FHIR ValueSet JSON, e.g. licensed HEDIS sets), loaded after the starter sets; a set with the same id replaces the starter one.",
    expected: 'comma-separated directory paths',
    example: '/etc/gapstream/value-sets',
    schema: listSetting(/^.+$/),
  },
  {
    path: 'gaps.asOf',
    env: 'GAPS_AS_OF',
    description:
      "Evaluate care gaps and attribution as of this date instead of each record's append date (replaying a past period, demos on generated data). Unset in production.",
    expected: 'a date YYYY-MM-DD',
    example: '2026-11-25',
    schema: z.string().refine(isIsoDate),
  },
  {
    path: 'gaps.timerMs',
    env: 'GAPS_TIMER_MS',
    description:
      'How often the care-gaps timer re-evaluates people whose status can change by time alone (measurement-period rollover, contract version boundary, future-dated evidence).',
    expected: 'milliseconds, at least 1',
    example: '600000',
    default: '60000',
    schema: positiveIntSetting,
  },
];
