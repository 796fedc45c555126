/**
 * How far what the pipeline concluded (ClickHouse: identity, attribution and gap status) agrees
 * with a generated population's truth (`gapstream synth` writes truth/members.csv and
 * truth/gaps.csv beside the files, decided by construction). Members are found by their EMR
 * record (`MR|NORTHCLINIC|<mrn>`), so identity mistakes count against agreement too.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from '../sinks/clickhouse/store.ts';

export interface Agreement {
  total: number;
  agree: number;
}

export interface TruthAgreement {
  attribution: Agreement;
  gaps: Agreement;
  /** `${contract} ${measure}` → agreement. */
  byMeasure: Record<string, Agreement>;
  /** A few disagreements to look at: `contract measure mrn: expected → got (scenario)`. */
  samples: string[];
}

/** Minimal CSV: the truth files quote only fields with commas or quotes. */
function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (c !== '\r') field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  const [header, ...body] = rows;
  return body.map((r) => Object.fromEntries((header ?? []).map((h, i) => [h, r[i] ?? ''])));
}

/** Current person of every index record: the latest LINK/UPDATE, or MERGE/SPLIT that moved it. */
const RECORD_PERSON_SQL = `
SELECT rid, argMax(person_id, (at_ms, request_offset, n)) AS person
FROM
(
    SELECT record_id AS rid, person_id, at_ms,
           toUInt64(splitByChar('/', request_id)[3]) AS request_offset,
           toUInt64(splitByChar('#', event_id)[2]) AS n
    FROM identity_links FINAL WHERE kind IN ('LINK', 'UPDATE')
    UNION ALL
    SELECT arrayJoin(moved_record_ids) AS rid, person_id, at_ms,
           toUInt64(splitByChar('/', request_id)[3]) AS request_offset,
           toUInt64(splitByChar('#', event_id)[2]) AS n
    FROM identity_links FINAL WHERE kind IN ('MERGE', 'SPLIT')
)
GROUP BY rid`;

const add = (a: Agreement, ok: boolean): void => {
  a.total++;
  if (ok) a.agree++;
};

export async function truthAgreement(
  store: Store,
  populationDir: string,
  mrnAuthority = 'NORTHCLINIC',
): Promise<TruthAgreement> {
  const members = parseCsv(await readFile(join(populationDir, 'truth', 'members.csv'), 'utf8'));
  const gaps = parseCsv(await readFile(join(populationDir, 'truth', 'gaps.csv'), 'utf8'));
  const personOf = new Map(
    (await store.query<{ rid: string; person: string }>(RECORD_PERSON_SQL)).map((r) => [r.rid, r.person]),
  );
  const statusOf = new Map(
    (
      await store.query<{ contract_id: string; measure_id: string; person_id: string; status: string }>(
        'SELECT contract_id, measure_id, person_id, status FROM gap_status_latest',
      )
    ).map((r) => [`${r.contract_id}|${r.measure_id}|${r.person_id}`, r.status]),
  );
  const attributedOf = new Map(
    (
      await store.query<{ contract_id: string; person_id: string; attributed: number | string }>(
        'SELECT contract_id, person_id, attributed FROM attribution_status_latest',
      )
    ).map((r) => [`${r.contract_id}|${r.person_id}`, Number(r.attributed) === 1]),
  );
  const person = (mrn: string): string | undefined => personOf.get(`MR|${mrnAuthority}|${mrn}`);

  const result: TruthAgreement = {
    attribution: { total: 0, agree: 0 },
    gaps: { total: 0, agree: 0 },
    byMeasure: {},
    samples: [],
  };
  for (const m of members) {
    const p = person(m['mrn'] ?? '');
    const got = p !== undefined && attributedOf.get(`${m['contract_id']}|${p}`) === true;
    const ok = got === (m['attributed'] === 'true');
    add(result.attribution, ok);
    if (!ok && result.samples.length < 40)
      result.samples.push(
        `${m['contract_id']} attribution ${m['mrn']}: expected ${m['attributed']} → got ${got} (${m['scenario']})`,
      );
  }
  for (const g of gaps) {
    const p = person(g['mrn'] ?? '');
    const got = (p && statusOf.get(`${g['contract_id']}|${g['measure_id']}|${p}`)) || 'NOT_IN_DENOMINATOR';
    const expected = (g['expected_status'] ?? '').toUpperCase().replace(/-/g, '_');
    const ok = got === expected;
    add(result.gaps, ok);
    add((result.byMeasure[`${g['contract_id']} ${g['measure_id']}`] ??= { total: 0, agree: 0 }), ok);
    if (!ok && result.samples.length < 40)
      result.samples.push(
        `${g['contract_id']} ${g['measure_id']} ${g['mrn']}: expected ${expected} → got ${got} (${g['scenario']})`,
      );
  }
  return result;
}

export const percent = (a: Agreement): string =>
  a.total === 0 ? 'n/a' : `${((100 * a.agree) / a.total).toFixed(1)} %`;
