import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StepContext } from '../runtime/runner/step.ts';
import { openStore, type Store } from '../sinks/clickhouse/store.ts';
import {
  attributionChangeRows,
  gapChangeRows,
  gapMembers,
  type GapMember,
  type GapRate,
} from '../sinks/gaps/index.ts';
import {
  ATTRIBUTION_CHANGES,
  CONTRACT,
  DISTINCT_GAP_CHANGES,
  EXPECTED_ATTRIBUTION,
  EXPECTED_MEASURE_TABLE,
  EXPECTED_RATES,
  EXPECTED_WORKLIST,
  GAP_CHANGES,
  N1,
  N2,
  person,
} from '../sinks/gaps/testdata/care-gap-scenario.ts';
import { GAP_RATE_COLUMNS, GAP_WORKLIST_COLUMNS } from '../sinks/gaps/tables.ts';
import {
  alignTable,
  csvField,
  evidenceSummary,
  formatMembers,
  formatRate,
  formatRates,
  formatRatesTable,
  gapRates,
  parseReportArgs,
  ratesByMeasure,
  REPORT_USAGE,
  ReportUsageError,
  runReportCommand,
} from './report-cli.ts';

describe('parseReportArgs', () => {
  it('parses the default, period, formats and views', () => {
    expect(parseReportArgs(['gaps', '--contract', 'example-mssp'])).toEqual({
      command: 'gaps',
      contractId: 'example-mssp',
      periodStart: null,
      format: 'table',
      view: 'measures',
    });
    expect(
      parseReportArgs([
        'gaps',
        '--contract=c1',
        '--period-start',
        '2026-01-01',
        '--format',
        'csv',
        '--by-provider',
      ]),
    ).toEqual({
      command: 'gaps',
      contractId: 'c1',
      periodStart: '2026-01-01',
      format: 'csv',
      view: 'providers',
    });
    expect(parseReportArgs(['gaps', '--members', '--format', 'json', '--contract', 'c1'])).toMatchObject({
      format: 'json',
      view: 'members',
    });
  });

  it.each([
    [[], /`gapstream report` needs a report: `gapstream report gaps --contract <id>`/],
    [['rates'], /Unknown report "rates": expected `gapstream report gaps --contract <id>`/],
    [['gaps'], /`report gaps` needs --contract <id>/],
    [['gaps', '--contract', '  '], /`report gaps` needs --contract <id>/],
    [['gaps', '--contract', 'c', 'extra'], /Unexpected argument "extra" after `report gaps`/],
    [
      ['gaps', '--contract', 'c', '--period-start', '2026-02-30'],
      /--period-start must be a date written YYYY-MM-DD.*got "2026-02-30"/,
    ],
    [['gaps', '--contract', 'c', '--period-start', '2026'], /--period-start must be a date/],
    [['gaps', '--contract', 'c', '--format', 'xml'], /--format must be table, csv or json; got "xml"/],
    [
      ['gaps', '--contract', 'c', '--members', '--by-provider'],
      /--members and --by-provider cannot be combined/,
    ],
    [['gaps', '--contract', 'c', '--measure', 'CMS125'], /Unknown option '--measure'/],
    [['gaps', '--contract'], /argument missing|--contract/],
  ])('refuses %j with a precise message', (argv, message) => {
    expect(() => parseReportArgs(argv)).toThrow(ReportUsageError);
    expect(() => parseReportArgs(argv)).toThrow(message);
  });

  it('documents every option in the usage text', () => {
    for (const o of ['--contract', '--period-start', '--format table|csv|json', '--by-provider', '--members'])
      expect(REPORT_USAGE).toContain(o);
  });
});

const rate = (o: Partial<GapRate>): GapRate => ({
  contractId: 'c1',
  measureId: 'CMS125',
  periodStart: '2026-01-01',
  periodEnd: '2026-12-31',
  attributedTin: '123456789',
  attributedNpi: N1,
  denominator: 0,
  numerator: 0,
  exclusions: 0,
  openGaps: 0,
  closedGaps: 0,
  notInDenominator: 0,
  rate: null,
  ...o,
});

const ROWS: GapRate[] = [
  rate({ measureId: 'CMS122', denominator: 3, numerator: 1, openGaps: 1, closedGaps: 2, rate: 1 / 3 }),
  rate({ denominator: 3, numerator: 2, openGaps: 1, closedGaps: 2, rate: 2 / 3 }),
  rate({
    attributedNpi: N2,
    denominator: 2,
    numerator: 1,
    exclusions: 1,
    openGaps: 1,
    closedGaps: 1,
    rate: 0.5,
  }),
  rate({ attributedTin: null, attributedNpi: null, notInDenominator: 4 }),
];

const MEMBER: GapMember = {
  contractId: 'c1',
  measureId: 'CMS125',
  periodStart: '2026-01-01',
  periodEnd: '2026-12-31',
  personId: person(1),
  status: 'CLOSED',
  numeratorMet: true,
  exclusion: null,
  reason: 'mammography 2026-02-20, bilateral',
  evidence: [
    {
      factId: 'code|MR|NORTH|12345|77067',
      recordId: 'MR|NORTH|12345',
      system: 'CPT',
      code: '77067',
      date: '2026-02-20',
      value: 12.5,
      source: { topic: 'clinical.event.v1', partition: 0, offset: 7, ref: 'ev-7' },
    },
    {
      factId: 'code|MR|NORTH|12345|x',
      recordId: 'MR|NORTH|12345',
      system: null,
      code: null,
      date: null,
      value: null,
      source: { topic: 'claim.line.v1', partition: null, offset: null, ref: 'CLM-9|2' },
    },
  ],
  dueBy: '2027-12-31',
  attributedTin: '123456789',
  attributedNpi: N1,
  contractVersion: '2026.1',
  measureVersion: '2024.0',
  at: Date.UTC(2026, 2, 1),
  changeId: 'chg-1',
};

describe('formatting', () => {
  it('sums provider lines per measure and recomputes the rate', () => {
    expect(
      ratesByMeasure(ROWS).map((r) => [
        r.measureId,
        r.denominator,
        r.numerator,
        r.exclusions,
        r.openGaps,
        r.notInDenominator,
        r.rate,
      ]),
    ).toEqual([
      ['CMS122', 3, 1, 0, 1, 0, 1 / 3],
      ['CMS125', 5, 3, 1, 2, 4, 0.6],
    ]);
    expect(ratesByMeasure([rate({ notInDenominator: 2 })])[0]!.rate).toBeNull();
  });

  it('prints rates as percentages with one decimal, - without a denominator', () => {
    expect([formatRate(2 / 3), formatRate(1), formatRate(0), formatRate(null)]).toEqual([
      '66.7%',
      '100.0%',
      '0.0%',
      '-',
    ]);
  });

  it('prints the per-measure table aligned, numbers right-aligned', () => {
    expect(formatRatesTable(ROWS)).toBe(
      `MEASURE  PERIOD                  DENOMINATOR  NUMERATOR  EXCLUSIONS  OPEN   RATE
CMS122   2026-01-01..2026-12-31            3          1           0     1  33.3%
CMS125   2026-01-01..2026-12-31            5          3           1     2  60.0%
`,
    );
  });

  it('prints the per-provider table with - for no provider', () => {
    expect(formatRatesTable(ROWS, { byProvider: true })).toBe(
      `MEASURE  PERIOD                  TIN        NPI         DENOMINATOR  NUMERATOR  EXCLUSIONS  OPEN   RATE
CMS122   2026-01-01..2026-12-31  123456789  1234567893            3          1           0     1  33.3%
CMS125   2026-01-01..2026-12-31  123456789  1234567893            3          2           0     1  66.7%
CMS125   2026-01-01..2026-12-31  123456789  1245319599            2          1           1     1  50.0%
CMS125   2026-01-01..2026-12-31  -          -                     0          0           0     0      -
`,
    );
  });

  it('aligns any table; the last left-aligned column is not padded', () => {
    expect(
      alignTable(
        ['A', 'BB'],
        [
          ['xyz', 'q'],
          ['1', ''],
        ],
      ),
    ).toBe('A    BB\nxyz  q\n1\n');
    expect(
      alignTable(
        ['N', 'X'],
        [
          ['5', 'a'],
          ['100', 'b'],
        ],
        [true],
      ),
    ).toBe('  N  X\n  5  a\n100  b\n');
  });

  it('writes CSV with RFC 4180 quoting and the rate as a fraction', () => {
    expect(formatRates(ROWS, 'csv', false)).toBe(
      'contract_id,measure_id,period_start,period_end,denominator,numerator,exclusions,open_gaps,closed_gaps,not_in_denominator,rate\r\n' +
        `c1,CMS122,2026-01-01,2026-12-31,3,1,0,1,2,0,${1 / 3}\r\n` +
        'c1,CMS125,2026-01-01,2026-12-31,5,3,1,2,3,4,0.6\r\n',
    );
    const byProvider = formatRates(ROWS, 'csv', true).split('\r\n');
    expect(byProvider[0]).toBe(
      'contract_id,measure_id,period_start,period_end,attributed_tin,attributed_npi,denominator,numerator,exclusions,open_gaps,closed_gaps,not_in_denominator,rate',
    );
    expect(byProvider[4]).toBe('c1,CMS125,2026-01-01,2026-12-31,,,0,0,0,0,0,4,');
    expect([csvField('a,b'), csvField('say "hi"'), csvField('x\ny'), csvField(null), csvField(0.5)]).toEqual([
      '"a,b"',
      '"say ""hi"""',
      '"x\ny"',
      '',
      '0.5',
    ]);
  });

  it('writes JSON lines per measure or per provider', () => {
    const lines = formatRates(ROWS, 'json', false)
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toEqual({
      contractId: 'c1',
      measureId: 'CMS125',
      periodStart: '2026-01-01',
      periodEnd: '2026-12-31',
      denominator: 5,
      numerator: 3,
      exclusions: 1,
      openGaps: 2,
      closedGaps: 3,
      notInDenominator: 4,
      rate: 0.6,
    });
    expect(formatRates(ROWS, 'json', true).trimEnd().split('\n')).toHaveLength(4);
  });

  it('summarizes evidence as code, date and source reference', () => {
    expect(MEMBER.evidence.map(evidenceSummary)).toEqual([
      'CPT 77067 2026-02-20 clinical.event.v1:ev-7',
      'claim.line.v1:CLM-9|2',
    ]);
  });

  it('prints members with status, provider, reason and evidence; never record ids or result values', () => {
    const table = formatMembers(
      [
        MEMBER,
        {
          ...MEMBER,
          personId: person(2),
          status: 'OPEN',
          evidence: [],
          dueBy: null,
          attributedNpi: null,
          attributedTin: null,
          reason: '',
        },
      ],
      'table',
    );
    expect(table).toBe(
      `MEASURE  PERIOD                  PERSON                 STATUS  TIN        NPI         DUE_BY      REASON                             EVIDENCE
CMS125   2026-01-01..2026-12-31  P00000000000000000001  CLOSED  123456789  1234567893  2027-12-31  mammography 2026-02-20, bilateral  CPT 77067 2026-02-20 clinical.event.v1:ev-7; claim.line.v1:CLM-9|2
CMS125   2026-01-01..2026-12-31  P00000000000000000002  OPEN    -          -           -           -                                  -
`,
    );
    const csvText = formatMembers([MEMBER], 'csv');
    expect(csvText.split('\r\n')[1]).toBe(
      'c1,CMS125,2026-01-01,2026-12-31,P00000000000000000001,CLOSED,1,,123456789,1234567893,2027-12-31,"mammography 2026-02-20, bilateral",CPT 77067 2026-02-20 clinical.event.v1:ev-7; claim.line.v1:CLM-9|2,2026.1,2024.0',
    );
    const json = JSON.parse(formatMembers([MEMBER], 'json')) as { evidence: unknown[] };
    expect(json.evidence[0]).toEqual({
      system: 'CPT',
      code: '77067',
      date: '2026-02-20',
      source: { topic: 'clinical.event.v1', partition: 0, offset: 7, ref: 'ev-7' },
    });
    for (const text of [table, csvText, JSON.stringify(json)]) {
      expect(text).not.toContain('MR|NORTH');
      expect(text).not.toContain('12.5');
    }
  });
});

// One chDB store per test file (libchdb binds one data directory per process).
describe('gap_rates and gap_worklist on chDB', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gs-report-chdb-'));
  let store: Store;
  const ctx = (offset: number): StepContext => ({
    source: { topic: 'gap.change.v1', partition: 0, offset },
    key: null,
    timestamp: Date.UTC(2026, 2, 1, 9, 0, 0),
  });
  const gapRows = GAP_CHANGES.map((v, i) => gapChangeRows(v, ctx(i)));
  const attributionRows = ATTRIBUTION_CHANGES.map((v, i) => attributionChangeRows(v, ctx(i)));

  const insertGaps = async (rows: typeof gapRows): Promise<void> => {
    await store.insert(
      'gap_changes',
      rows.map((r) => r.change),
    );
    await store.insert(
      'gap_status',
      rows.map((r) => r.status),
    );
  };

  beforeAll(async () => {
    store = await openStore({ driver: 'chdb', path: dataDir, database: 'gs_report' });
    // Keep the parts apart so the views are checked on unmerged duplicates.
    await store.exec('SYSTEM STOP MERGES gap_status');
    // Three blocks (separate parts, unmerged): the opening statuses, the rest, then a replay of all.
    await insertGaps(gapRows.slice(0, 7));
    await insertGaps(gapRows.slice(7));
    await insertGaps(gapRows);
    await store.insert(
      'attribution_changes',
      attributionRows.map((r) => r.change),
    );
    await store.insert(
      'attribution_status',
      attributionRows.map((r) => r.status),
    );
    await store.insert(
      'attribution_status',
      attributionRows.slice(0, 2).map((r) => r.status),
    );
  });

  afterAll(async () => {
    await store?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const worklist = (): Promise<{ measure_id: string; attributed_npi: string; person_id: string }[]> =>
    store.query(
      'SELECT measure_id, attributed_npi, person_id FROM gap_worklist WHERE contract_id = {c:String} ORDER BY measure_id, attributed_npi, person_id',
      { c: CONTRACT },
    );

  it('the views have the documented columns', async () => {
    const names = async (t: string): Promise<string[]> =>
      (await store.query<{ name: string }>(`DESCRIBE TABLE ${t}`)).map((r) => r.name);
    expect(await names('gap_rates')).toEqual([...GAP_RATE_COLUMNS]);
    expect(await names('gap_worklist')).toEqual([...GAP_WORKLIST_COLUMNS]);
  });

  it('counts only the latest status of each person, before any merge', async () => {
    const [raw] = await store.query<{ n: string }>('SELECT count() AS n FROM gap_status');
    // More rows than keys (12): older versions and replays are still there (chDB folds
    // duplicates within one insert block, optimize_on_insert; 18.16 does not).
    expect(Number(raw!.n)).toBeGreaterThan(12);
    expect(await gapRates(store, CONTRACT)).toEqual(EXPECTED_RATES);
    expect((await worklist()).map((r) => [r.measure_id, r.attributed_npi, r.person_id])).toEqual(
      EXPECTED_WORKLIST,
    );
  });

  it('filters by period and contract', async () => {
    expect(await gapRates(store, CONTRACT, '2026-01-01')).toEqual(
      EXPECTED_RATES.filter((r) => r.periodStart === '2026-01-01'),
    );
    expect(await gapRates(store, CONTRACT, '2024-01-01')).toEqual([]);
    expect((await gapRates(store, 'other-aco')).map((r) => [r.measureId, r.openGaps])).toEqual([
      ['CMS125', 1],
    ]);
    expect(await gapRates(store, "x' OR 1=1 --")).toEqual([]);
  });

  it('keeps every change once in the history, a returning status included', async () => {
    const [h] = await store.query<{ n: string; ids: string }>(
      'SELECT count() AS n, uniqExact(change_id) AS ids FROM gap_changes FINAL',
    );
    expect(Number(h!.n)).toBe(DISTINCT_GAP_CHANGES);
    // P6's second OPEN repeats its first OPEN's change id.
    expect(Number(h!.ids)).toBe(DISTINCT_GAP_CHANGES - 1);
    const p6 = await store.query<{ new_status: string; trigger: string }>(
      'SELECT new_status, trigger FROM gap_changes FINAL WHERE person_id = {p:String} ORDER BY at_ms',
      { p: person(6) },
    );
    expect(p6.map((r) => [r.new_status, r.trigger])).toEqual([
      ['OPEN', 'EVENT'],
      ['CLOSED', 'EVENT'],
      ['OPEN', 'TRANSFER'],
    ]);
  });

  it('tracks the current attribution per person', async () => {
    const rows = await store.query<{ person_id: string; attributed: number; npi: string | null }>(
      "SELECT person_id, attributed, npi FROM attribution_status_latest WHERE contract_id = {c:String} AND period_start = '2026-01-01' ORDER BY person_id",
      { c: CONTRACT },
    );
    expect(
      Object.fromEntries(rows.map((r) => [r.person_id, Number(r.attributed) === 1 ? r.npi : null])),
    ).toEqual(EXPECTED_ATTRIBUTION);
    const [h] = await store.query<{ n: string }>('SELECT count() AS n FROM attribution_changes FINAL');
    expect(Number(h!.n)).toBe(ATTRIBUTION_CHANGES.length - 1);
  });

  it('prints the report: per measure, per provider, members', async () => {
    const run = async (argv: string[]): Promise<[number, string]> => {
      let text = '';
      const code = await runReportCommand(store, parseReportArgs(argv), (s) => (text += s));
      return [code, text];
    };
    expect(await run(['gaps', '--contract', CONTRACT])).toEqual([0, EXPECTED_MEASURE_TABLE]);
    const [, providers] = await run([
      'gaps',
      '--contract',
      CONTRACT,
      '--by-provider',
      '--period-start',
      '2026-01-01',
    ]);
    expect(providers.split('\n').filter((l) => l.startsWith('CMS125'))).toHaveLength(3);
    const [, members] = await run([
      'gaps',
      '--contract',
      CONTRACT,
      '--members',
      '--period-start',
      '2026-01-01',
    ]);
    const p1 = members.split('\n').find((l) => l.startsWith('CMS125') && l.includes(person(1)))!;
    expect(p1).toMatch(
      /CLOSED .*2027-12-31\s+mammography 2026-02-20\s+CPT 77067 2026-02-20 clinical\.event\.v1:ev-1$/,
    );
    expect(members).not.toContain('MR|NORTH');
    expect(await run(['gaps', '--contract', 'nobody'])).toEqual([
      1,
      'No care-gap status for contract nobody.\n',
    ]);
    expect(await run(['gaps', '--contract', 'nobody', '--format', 'json'])).toEqual([1, '']);
    const [code, csvText] = await run(['gaps', '--contract', 'nobody', '--format', 'csv', '--members']);
    expect([code, csvText.split('\r\n').length]).toEqual([1, 2]);
  });

  it('member statuses (gap_status FINAL) agree with the rates view (argMax)', async () => {
    const members = await gapMembers(store, CONTRACT, '2026-01-01');
    const open = members
      .filter((m) => m.status === 'OPEN')
      .map((m) => [m.measureId, m.attributedNpi, m.personId]);
    expect(open).toEqual(EXPECTED_WORKLIST);
    expect(members.find((m) => m.personId === person(9))?.status).toBe('CLOSED');
  });

  it('merging (OPTIMIZE … FINAL) keeps the same answers', async () => {
    await store.exec('SYSTEM START MERGES gap_status');
    await store.exec('OPTIMIZE TABLE gap_status FINAL');
    await store.exec('OPTIMIZE TABLE gap_changes FINAL');
    const [raw] = await store.query<{ n: string }>('SELECT count() AS n FROM gap_status');
    // One row per (contract, measure, period, person).
    expect(Number(raw!.n)).toBe(12);
    expect(await gapRates(store, CONTRACT)).toEqual(EXPECTED_RATES);
    expect((await worklist()).map((r) => [r.measure_id, r.attributed_npi, r.person_id])).toEqual(
      EXPECTED_WORKLIST,
    );
  });
});
