/**
 * `gapstream report gaps …`: measure rates and member statuses of a contract, read from ClickHouse
 * (gap_rates, gap_status; migration 0006, docs/clickhouse-store.md "Care-gap tables").
 *
 * - default: one line per measure and period (denominator, numerator, exclusions, open gaps, rate);
 * - `--by-provider`: the same per attributed TIN/NPI;
 * - `--members`: each person's current status with reason and evidence.
 *
 * Output names person ids, provider ids, codes, dates and source references only: never names, and
 * of the evidence neither the record ids (MRNs) nor result values.
 */
import { parseArgs } from 'node:util';
import type { EvidenceRef } from '../processors/contracts/types.ts';
import type { Store } from '../sinks/clickhouse/store.ts';
import { gapMembers, gapRates, isIsoDate, type GapMember, type GapRate } from '../sinks/gaps/index.ts';

export { gapRates } from '../sinks/gaps/index.ts';
export type { GapMember, GapRate } from '../sinks/gaps/index.ts';

/** Help lines of `gapstream report`, for the CLI usage text. */
export const REPORT_USAGE = `  gapstream report gaps --contract <id> [--period-start YYYY-MM-DD] [--format table|csv|json]
                       [--by-provider | --members]
        measure rates of a contract from ClickHouse: denominator, numerator, exclusions, open gaps,
        rate; --by-provider per attributed TIN/NPI; --members each person's status, reason, evidence`;

export type ReportFormat = 'table' | 'csv' | 'json';

/** What `report gaps` prints: rates per measure, rates per provider, or member statuses. */
export type ReportView = 'measures' | 'providers' | 'members';

/** A parsed `gapstream report …` command line. */
export interface ReportCommand {
  command: 'gaps';
  contractId: string;
  /** Only this measurement period (its start date); all periods when null. */
  periodStart: string | null;
  format: ReportFormat;
  view: ReportView;
}

/** A command line that cannot be run (exit 2); the message says what to type instead. */
export class ReportUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportUsageError';
  }
}

const SHAPE = '`gapstream report gaps --contract <id>`';

/** Parses the arguments after `gapstream report`; throws {@link ReportUsageError}. */
export function parseReportArgs(argv: readonly string[]): ReportCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        contract: { type: 'string' },
        'period-start': { type: 'string' },
        format: { type: 'string' },
        members: { type: 'boolean' },
        'by-provider': { type: 'boolean' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new ReportUsageError(`${(err as Error).message}. Usage: ${SHAPE}.`);
  }
  const { values, positionals } = parsed;
  const [sub, ...extra] = positionals;
  if (sub === undefined) throw new ReportUsageError(`\`gapstream report\` needs a report: ${SHAPE}.`);
  if (sub !== 'gaps') throw new ReportUsageError(`Unknown report "${sub}": expected ${SHAPE}.`);
  if (extra.length > 0)
    throw new ReportUsageError(
      `Unexpected argument "${extra[0]}" after \`report gaps\`: options are --contract, --period-start, --format, --by-provider, --members.`,
    );
  const contractId = values.contract?.trim() ?? '';
  if (contractId === '')
    throw new ReportUsageError(
      '`report gaps` needs --contract <id>: the contract id as in contracts/<id>.yaml, e.g. --contract example-mssp.',
    );
  const period = values['period-start'];
  if (period !== undefined && !isIsoDate(period))
    throw new ReportUsageError(
      `--period-start must be a date written YYYY-MM-DD (the measurement period's first day, e.g. 2026-01-01); got "${period}".`,
    );
  const format = values.format ?? 'table';
  if (format !== 'table' && format !== 'csv' && format !== 'json')
    throw new ReportUsageError(`--format must be table, csv or json; got "${format}".`);
  if (values.members === true && values['by-provider'] === true)
    throw new ReportUsageError(
      '--members and --by-provider cannot be combined: member lines already show the TIN and NPI.',
    );
  return {
    command: 'gaps',
    contractId,
    periodStart: period ?? null,
    format,
    view: values.members === true ? 'members' : values['by-provider'] === true ? 'providers' : 'measures',
  };
}

// ---- Aggregation and formatting (pure) -----------------------------------------------------

/** Rates of one measure in one period, over all providers. */
export interface MeasureRate {
  contractId: string;
  measureId: string;
  periodStart: string;
  periodEnd: string;
  denominator: number;
  numerator: number;
  exclusions: number;
  openGaps: number;
  closedGaps: number;
  notInDenominator: number;
  /** numerator / denominator; null without a denominator. */
  rate: number | null;
}

/** Sums provider lines per contract, measure and period (input order of first appearance kept). */
export function ratesByMeasure(rows: readonly GapRate[]): MeasureRate[] {
  const byKey = new Map<string, MeasureRate>();
  for (const r of rows) {
    const key = JSON.stringify([r.contractId, r.measureId, r.periodStart, r.periodEnd]);
    const m = byKey.get(key) ?? {
      contractId: r.contractId,
      measureId: r.measureId,
      periodStart: r.periodStart,
      periodEnd: r.periodEnd,
      denominator: 0,
      numerator: 0,
      exclusions: 0,
      openGaps: 0,
      closedGaps: 0,
      notInDenominator: 0,
      rate: null,
    };
    m.denominator += r.denominator;
    m.numerator += r.numerator;
    m.exclusions += r.exclusions;
    m.openGaps += r.openGaps;
    m.closedGaps += r.closedGaps;
    m.notInDenominator += r.notInDenominator;
    m.rate = m.denominator === 0 ? null : m.numerator / m.denominator;
    byKey.set(key, m);
  }
  return [...byKey.values()];
}

/** A rate as a percentage with one decimal (`66.7%`), `-` without a denominator. */
export function formatRate(rate: number | null): string {
  return rate === null ? '-' : `${(rate * 100).toFixed(1)}%`;
}

/**
 * Columns padded to their widest cell, joined by two spaces; columns flagged in `right` are
 * right-aligned (numbers). The last column is not padded on the right.
 */
export function alignTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  right: readonly boolean[] = [],
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) =>
        right[i] === true ? c.padStart(widths[i]!) : i === cells.length - 1 ? c : c.padEnd(widths[i]!),
      )
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

const period = (start: string, end: string): string => `${start}..${end}`;
const orDash = (s: string | null): string => (s === null || s === '' ? '-' : s);
const COUNT_HEADER = ['DENOMINATOR', 'NUMERATOR', 'EXCLUSIONS', 'OPEN', 'RATE'] as const;
const counts = (r: MeasureRate | GapRate): string[] => [
  String(r.denominator),
  String(r.numerator),
  String(r.exclusions),
  String(r.openGaps),
  formatRate(r.rate),
];

/**
 * The rates table: one line per measure and period (provider lines summed), or with
 * `byProvider` one line per attributed TIN/NPI (`-` for none). Rates as percentages.
 */
export function formatRatesTable(rows: readonly GapRate[], options: { byProvider?: boolean } = {}): string {
  const right = (n: number): boolean[] => [
    ...Array.from({ length: n }, () => false),
    ...COUNT_HEADER.map(() => true),
  ];
  if (options.byProvider === true)
    return alignTable(
      ['MEASURE', 'PERIOD', 'TIN', 'NPI', ...COUNT_HEADER],
      rows.map((r) => [
        r.measureId,
        period(r.periodStart, r.periodEnd),
        orDash(r.attributedTin),
        orDash(r.attributedNpi),
        ...counts(r),
      ]),
      right(4),
    );
  return alignTable(
    ['MEASURE', 'PERIOD', ...COUNT_HEADER],
    ratesByMeasure(rows).map((r) => [r.measureId, period(r.periodStart, r.periodEnd), ...counts(r)]),
    right(2),
  );
}

/** One evidence item as printed: code system, code, date and source reference (no ids, no values). */
export function evidenceSummary(e: EvidenceRef): string {
  const code = [e.system, e.code].filter((s) => s !== null && s !== undefined && s !== '').join(' ');
  return [code === '' ? null : code, e.date ?? null, `${e.source.topic}:${e.source.ref}`]
    .filter((s): s is string => s !== null)
    .join(' ');
}

/** What member output carries of the evidence: no fact/record ids (MRNs), no result values. */
export function publicEvidence(
  e: EvidenceRef,
): Pick<EvidenceRef, 'system' | 'code' | 'date'> & { source: EvidenceRef['source'] } {
  return {
    system: e.system ?? null,
    code: e.code ?? null,
    date: e.date ?? null,
    source: {
      topic: e.source.topic,
      partition: e.source.partition ?? null,
      offset: e.source.offset ?? null,
      ref: e.source.ref,
    },
  };
}

const evidenceText = (m: GapMember): string =>
  m.evidence.length === 0 ? '-' : m.evidence.map(evidenceSummary).join('; ');

/** The members table: one line per person and measure. */
export function formatMembersTable(members: readonly GapMember[]): string {
  return alignTable(
    ['MEASURE', 'PERIOD', 'PERSON', 'STATUS', 'TIN', 'NPI', 'DUE_BY', 'REASON', 'EVIDENCE'],
    members.map((m) => [
      m.measureId,
      period(m.periodStart, m.periodEnd),
      m.personId,
      m.status,
      orDash(m.attributedTin),
      orDash(m.attributedNpi),
      orDash(m.dueBy),
      m.reason === '' ? '-' : m.reason,
      evidenceText(m),
    ]),
  );
}

/** One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF. */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csv(header: readonly string[], rows: readonly (readonly (string | number | null)[])[]): string {
  return [header, ...rows].map((r) => `${r.map(csvField).join(',')}\r\n`).join('');
}

/** Rates as CSV: `rate` is the fraction (empty without a denominator), full precision. */
export function formatRatesCsv(rows: readonly GapRate[], options: { byProvider?: boolean } = {}): string {
  const tail = [
    'denominator',
    'numerator',
    'exclusions',
    'open_gaps',
    'closed_gaps',
    'not_in_denominator',
    'rate',
  ];
  const numbers = (r: MeasureRate | GapRate): (number | null)[] => [
    r.denominator,
    r.numerator,
    r.exclusions,
    r.openGaps,
    r.closedGaps,
    r.notInDenominator,
    r.rate,
  ];
  if (options.byProvider === true)
    return csv(
      [
        'contract_id',
        'measure_id',
        'period_start',
        'period_end',
        'attributed_tin',
        'attributed_npi',
        ...tail,
      ],
      rows.map((r) => [
        r.contractId,
        r.measureId,
        r.periodStart,
        r.periodEnd,
        r.attributedTin,
        r.attributedNpi,
        ...numbers(r),
      ]),
    );
  return csv(
    ['contract_id', 'measure_id', 'period_start', 'period_end', ...tail],
    ratesByMeasure(rows).map((r) => [r.contractId, r.measureId, r.periodStart, r.periodEnd, ...numbers(r)]),
  );
}

/** Members as CSV; evidence as one field, items joined by `; `. */
export function formatMembersCsv(members: readonly GapMember[]): string {
  return csv(
    [
      'contract_id',
      'measure_id',
      'period_start',
      'period_end',
      'person_id',
      'status',
      'numerator_met',
      'exclusion',
      'attributed_tin',
      'attributed_npi',
      'due_by',
      'reason',
      'evidence',
      'contract_version',
      'measure_version',
    ],
    members.map((m) => [
      m.contractId,
      m.measureId,
      m.periodStart,
      m.periodEnd,
      m.personId,
      m.status,
      m.numeratorMet ? 1 : 0,
      m.exclusion,
      m.attributedTin,
      m.attributedNpi,
      m.dueBy,
      m.reason,
      m.evidence.map(evidenceSummary).join('; '),
      m.contractVersion,
      m.measureVersion,
    ]),
  );
}

/** JSON lines, one object per line. */
function jsonLines(items: readonly unknown[]): string {
  return items.map((i) => `${JSON.stringify(i)}\n`).join('');
}

/** Rates as JSON lines (per measure, or per provider). */
export function formatRatesJson(rows: readonly GapRate[], options: { byProvider?: boolean } = {}): string {
  return jsonLines(options.byProvider === true ? rows : ratesByMeasure(rows));
}

/** Members as JSON lines; evidence without fact/record ids and result values. */
export function formatMembersJson(members: readonly GapMember[]): string {
  return jsonLines(
    members.map((m) => ({
      contractId: m.contractId,
      measureId: m.measureId,
      periodStart: m.periodStart,
      periodEnd: m.periodEnd,
      personId: m.personId,
      status: m.status,
      numeratorMet: m.numeratorMet,
      exclusion: m.exclusion,
      attributedTin: m.attributedTin,
      attributedNpi: m.attributedNpi,
      dueBy: m.dueBy,
      reason: m.reason,
      evidence: m.evidence.map(publicEvidence),
      contractVersion: m.contractVersion,
      measureVersion: m.measureVersion,
      at: m.at,
      changeId: m.changeId,
    })),
  );
}

/** Rates in the requested format and view (`measures` or `providers`). */
export function formatRates(rows: readonly GapRate[], format: ReportFormat, byProvider: boolean): string {
  if (format === 'csv') return formatRatesCsv(rows, { byProvider });
  if (format === 'json') return formatRatesJson(rows, { byProvider });
  return formatRatesTable(rows, { byProvider });
}

/** Members in the requested format. */
export function formatMembers(members: readonly GapMember[], format: ReportFormat): string {
  if (format === 'csv') return formatMembersCsv(members);
  if (format === 'json') return formatMembersJson(members);
  return formatMembersTable(members);
}

/**
 * Runs a parsed command against the store, writing to `out`. Returns the exit code: 0, or 1 when
 * the contract (period) has no gap status at all (the table format says so; csv prints the header
 * only, json nothing).
 */
export async function runReportCommand(
  store: Store,
  cmd: ReportCommand,
  out: (s: string) => void,
): Promise<number> {
  const periodStart = cmd.periodStart ?? undefined;
  const empty = (): number => {
    if (cmd.format === 'table')
      out(
        `No care-gap status for contract ${cmd.contractId}${cmd.periodStart === null ? '' : ` in the period starting ${cmd.periodStart}`}.\n`,
      );
    return 1;
  };
  if (cmd.view === 'members') {
    const members = await gapMembers(store, cmd.contractId, periodStart);
    if (members.length === 0 && cmd.format !== 'csv') return empty();
    out(formatMembers(members, cmd.format));
    return members.length === 0 ? 1 : 0;
  }
  const rows = await gapRates(store, cmd.contractId, periodStart);
  if (rows.length === 0 && cmd.format !== 'csv') return empty();
  out(formatRates(rows, cmd.format, cmd.view === 'providers'));
  return rows.length === 0 ? 1 : 0;
}
