/**
 * HL7 v2.5.1 text of the EMR feed: ADT^A04 (registration/visit), ADT^A08 (history, death) and
 * ORU^R01 (results), as North Clinic's Epic-style interface sends them (feeds/example-
 * northclinic.yaml: MSH-3 EPIC, MSH-4 NORTHCLINIC, MRN = PID-3 typed MR from NORTHCLINIC, member
 * id in IN1-36, America/Chicago times). Field meanings: domain-facts.md §1.5.
 */
import { compact } from './dates.ts';
import { nameCase, type Demographics } from './person.ts';
import type { Provider } from './providers.ts';
import type { Hl7Order, Hl7Record, Hl7Visit, SynthMember } from './types.ts';

export const SENDING_APPLICATION = 'EPIC';
export const SENDING_FACILITY = 'NORTHCLINIC';

/** Escape the delimiters in a text value (escape character first; HL7 v2.5.1 §2.7). */
export function escapeText(s: string): string {
  if (!/[|^~\\&]/.test(s)) return s;
  return s
    .replace(/\\/g, '\\E\\')
    .replace(/\|/g, '\\F\\')
    .replace(/\^/g, '\\S\\')
    .replace(/~/g, '\\R\\')
    .replace(/&/g, '\\T\\');
}

/** A segment from field number -> value (values already encoded). */
function seg(name: string, fields: Record<number, string>): string {
  let max = 0;
  for (const k in fields) if (Number(k) > max) max = Number(k);
  let out = name;
  for (let i = 1; i <= max; i++) out += '|' + (fields[i] ?? '');
  return out;
}

function ts(date: string, time: string): string {
  return compact(date) + time + '00';
}

function xcn(p: Provider): string {
  return `${p.npi}^${escapeText(p.family)}^${escapeText(p.given)}^^^^^^NPI^^^^NPI`;
}

function ce(code: string, display: string, system: string): string {
  return `${escapeText(code)}^${escapeText(display)}^${system}`;
}

function formatPhone(p: string): string {
  return `(${p.slice(0, 3)})${p.slice(3, 6)}-${p.slice(6)}`;
}

function pid(m: SynthMember, r: Hl7Record, d: Demographics): string {
  let ids = `${m.mrn}^^^${SENDING_FACILITY}^MR`;
  if (r.withMbi && m.mbi !== null) ids += `~${m.mbi}^^^CMS^MB`;
  const name = [
    escapeText(nameCase(d.family, 'upper')),
    escapeText(nameCase(d.given, 'upper', d.givenAsTyped)),
    d.middle === null ? '' : escapeText(nameCase(d.middle, 'upper')),
  ].join('^');
  const address = [
    escapeText(d.street.toUpperCase()),
    d.street2 === null ? '' : escapeText(d.street2.toUpperCase()),
    escapeText(d.city.toUpperCase()),
    d.state,
    d.postalCode,
    'USA',
    'H',
  ].join('^');
  const fields: Record<number, string> = {
    1: '1',
    3: ids,
    5: `${name}^^^^L`,
    7: compact(d.birthDate),
    8: d.sex,
    11: address,
  };
  if (d.phone !== null) fields[13] = `${formatPhone(d.phone)}^PRN^PH`;
  if (r.deathDate !== null) {
    fields[29] = compact(r.deathDate);
    fields[30] = 'Y';
  }
  return seg('PID', fields);
}

function pv1(v: Hl7Visit): string {
  return seg('PV1', {
    1: '1',
    2: v.patientClass,
    3: v.location,
    7: xcn(v.provider),
    10: v.patientClass === 'E' ? 'EM' : 'MED',
    19: v.number,
    44: ts(v.date, v.time),
  });
}

function orderSegments(o: Hl7Order, k: number, out: string[]): void {
  const at = ts(o.date, o.time);
  out.push(seg('ORC', { 1: 'RE', 2: o.placer, 3: o.filler, 5: 'CM', 12: xcn(o.ordering) }));
  out.push(
    seg('OBR', {
      1: String(k),
      2: o.placer,
      3: o.filler,
      4: ce(o.service.code, o.service.display, 'LN'),
      7: at,
      16: xcn(o.ordering),
      22: at,
      24: o.section,
      25: o.status,
    }),
  );
  o.results.forEach((x, j) => {
    const fields: Record<number, string> = {
      1: String(j + 1),
      2: x.valueType,
      3: ce(x.code.code, x.code.display, 'LN'),
      11: x.status,
      14: at,
    };
    if (x.value !== null) fields[5] = x.valueType === 'CWE' ? x.value : escapeText(x.value);
    if (x.unit !== null) fields[6] = x.unit;
    if (x.range !== null) fields[7] = x.range;
    if (x.flag !== null) fields[8] = x.flag;
    out.push(seg('OBX', fields));
  });
}

/** The text of one message (segments ended by CR, as HL7 requires). */
export function hl7Message(m: SynthMember, r: Hl7Record): string {
  const at = ts(r.date, r.time);
  const [code, trigger] = r.trigger.split('^') as [string, string];
  const structure = code === 'ORU' ? 'ORU_R01' : 'ADT_A01';
  const out: string[] = [
    `MSH|^~\\&|${SENDING_APPLICATION}|${SENDING_FACILITY}|GAPSTREAM|VBC|${at}||${code}^${trigger}^${structure}|${r.controlId}|P|2.5.1`,
  ];
  if (code === 'ADT') {
    const occurred = r.visit === null ? at : ts(r.visit.date, r.visit.time);
    out.push(seg('EVN', { 1: trigger, 2: at, 6: occurred }));
  }
  out.push(pid(m, r, r.demo));
  if (r.visit !== null) out.push(pv1(r.visit));
  else if (code === 'ORU') out.push(seg('PV1', { 1: '1', 2: 'O', 3: 'LAB^^^NORTHCLINIC' }));
  r.diagnoses.forEach((d, i) =>
    out.push(
      seg('DG1', {
        1: String(i + 1),
        3: ce(d.code.code, d.code.display, 'I10'),
        5: compact(d.date),
        6: 'F',
        15: i === 0 ? '1' : '',
      }),
    ),
  );
  r.procedures.forEach((p, i) =>
    out.push(
      seg('PR1', {
        1: String(i + 1),
        3: ce(p.code.code, p.code.display, p.system),
        5: r.visit !== null && r.visit.date === p.date ? ts(p.date, r.visit.time) : compact(p.date),
      }),
    ),
  );
  if (r.coverage && m.memberId !== null)
    out.push(
      seg('IN1', {
        1: '1',
        2: 'EXHCOM^Example Health Commercial',
        3: 'EXH01^^^^NI',
        4: 'EXAMPLE HEALTH PLAN',
        8: `G${m.memberId.slice(-4)}`,
        15: 'COM',
        36: m.memberId,
      }),
    );
  r.orders.forEach((o, k) => orderSegments(o, k + 1, out));
  return out.join('\r') + '\r';
}

/** FHS + BHS of a batch file (HL7 v2.5.1 §2.10.3). */
export function batchHeader(fileId: string, at: string): string {
  return (
    `FHS|^~\\&|${SENDING_APPLICATION}|${SENDING_FACILITY}|GAPSTREAM|VBC|${at}||||${fileId}\r` +
    `BHS|^~\\&|${SENDING_APPLICATION}|${SENDING_FACILITY}|GAPSTREAM|VBC|${at}||||${fileId}-1\r`
  );
}

/** BTS + FTS closing a one-batch file of `count` messages. */
export function batchTrailer(count: number): string {
  return `BTS|${count}\rFTS|1\r`;
}
