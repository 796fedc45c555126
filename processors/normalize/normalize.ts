/**
 * HL7 v2 message -> canonical clinical events (clinical.event.v1) and data-quality events
 * (dq.event.v1). Pure: no clocks, no I/O; the same message and source position always give the
 * same events with the same ids. The mapping tables are in docs/normalize.md; field meanings
 * are HL7 v2.5.1 (../shared/reference/domain-facts.md §1.3-1.5).
 */
import type { Hl7Field, Hl7Message, Hl7Repetition, Hl7Segment } from '../../runtime/hl7/index.ts';
import { clinicalPayload, type ClinicalEventKind } from '../../schemas/clinical-payload.ts';
import {
  isIcd10System,
  isLoincShaped,
  isLoincSystem,
  isValidNpi,
  normalizeIcd10,
  phoneDigits,
} from './codes.ts';
import { NormalizeError, NormalizeErrorCode } from './errors.ts';
import type { FeedProfile, FeedProfiles } from './feed-profile.ts';
import { dateToInstant, readHl7Time, type Hl7Time } from './time.ts';

/** Where the message came from: names event ids and DQ events. */
export interface NormalizeSource {
  /** Prefix of every event id: `topic/partition/offset` for a bus record, `file#n` for inspect. */
  idPrefix: string;
  topic: string | null;
  partition: number | null;
  offset: number | null;
  /** The record's append time (the step's ctx.timestamp): DQ occurredAt, last-resort recordedAt. */
  timestamp: number;
  /** hl7.raw.v1 receivedAt when known: recordedAt when the message has neither EVN-2 nor MSH-7. */
  receivedAt: number | null;
}

/** One payload field the source explicitly deleted with `""` (A08/A31 semantics). */
export type ClearedField = string;

/** A clinical.event.v1 value plus what the v1 schema cannot carry yet. */
export interface NormalizedEvent {
  key: string;
  value: ClinicalEventValue;
  /**
   * PATIENT only: payload fields sent as `""` (delete the stored value). In the value itself
   * they are null, like fields not sent (empty = unchanged); clinical.event.v1 cannot tell the
   * two apart yet (docs/normalize.md, "Delete versus unchanged").
   */
  clearedFields: ClearedField[];
}

/** The value written to clinical.event.v1 (shape of schemas/clinical.event.v1.avsc). */
export interface ClinicalEventValue {
  eventId: string;
  kind: ClinicalEventKind;
  sourceSystem: string | null;
  sourceFacility: string | null;
  sourceMessageControlId: string | null;
  patientIdentifiers: PatientIdentifier[];
  occurredAt: number | null;
  recordedAt: number;
  payload: Record<string, Record<string, unknown>>;
}

export interface PatientIdentifier {
  value: string;
  assigningAuthority: string | null;
  idType: string | null;
}

/** The value written to dq.event.v1 (shape of schemas/dq.event.v1.avsc). */
export interface DqEventValue {
  eventId: string;
  stage: string;
  rule: DqRule;
  severity: 'INFO' | 'WARNING' | 'ERROR';
  sourceSystem: string | null;
  sourceFacility: string | null;
  feedProfile: string | null;
  messageControlId: string | null;
  messageType: string | null;
  location: string | null;
  detail: string;
  sourceTopic: string | null;
  sourcePartition: number | null;
  sourceOffset: number | null;
  occurredAt: number;
}

/** Data-quality rules (docs/normalize.md lists each with its severity). */
export const DQ_RULES = [
  'MRN_NOT_FOUND',
  'CODE_UNMAPPED',
  'CODE_SYSTEM_ASSUMED',
  'CODE_INVALID',
  'MEMBER_ID_MISSING',
  'REQUIRED_FIELD_MISSING',
  'SEGMENT_MISSING',
  'VALUE_NOT_NUMERIC',
  'TIMESTAMP_INVALID',
  'TABLE_VALUE_UNKNOWN',
  'NPI_INVALID',
  'NPI_NOT_FOUND',
  'CORRECTION_WITHOUT_ORDER_NUMBER',
] as const;
export type DqRule = (typeof DQ_RULES)[number];

/** The outcome of one message. */
export interface NormalizeResult {
  events: NormalizedEvent[];
  dq: { key: string; value: DqEventValue }[];
  profile: FeedProfile;
  controlId: string | null;
  messageType: string;
}

const ADT_EVENTS = new Set(['A01', 'A03', 'A04', 'A08', 'A11', 'A13', 'A28', 'A31', 'A40']);
/** ADT events that are about a visit: a missing PV1 is worth a DQ event. */
const VISIT_EVENTS = new Set(['A01', 'A03', 'A04', 'A11', 'A13']);
/** HL7 table 0085 observation result status. */
const TABLE_0085 = new Set(['C', 'D', 'F', 'I', 'N', 'O', 'P', 'R', 'S', 'U', 'W', 'X']);
/** OBX-2 types whose OBX-5 is free text, several repetitions being several lines. */
const TEXT_TYPES = new Set(['TX', 'FT']);
/** OBX-2 types whose value is not kept inline (encapsulated or referenced documents). */
const OPAQUE_TYPES = new Set(['ED', 'RP']);

// ---------------------------------------------------------------------------------------------
// Small readers over the parser's model. Conventions (runtime/hl7): `undefined` = empty (not
// sent), `''` = the explicit null `""`.

function rep1(f: Hl7Field): Hl7Repetition | undefined {
  return f.repetition(1);
}

/** Component c (sub-component 1) of the first repetition, trimmed; undefined when empty. */
function comp(seg: Hl7Segment | undefined, field: number, c = 1): string | undefined {
  if (seg === undefined) return undefined;
  const v = rep1(seg.field(field))?.component(c);
  if (v === undefined) return undefined;
  const t = v.trim();
  return t === '' && v !== '' ? undefined : t;
}

/** Like `comp`, but the null `""` reads as undefined too (for fields where delete means nothing). */
function val(seg: Hl7Segment | undefined, field: number, c = 1): string | undefined {
  const v = comp(seg, field, c);
  return v === '' ? undefined : v;
}

function nn(v: string | undefined): string | null {
  return v === undefined || v === '' ? null : v;
}

/** HD (or CX.4) -> namespace id, else universal id. */
function hdOf(r: Hl7Repetition, c: number): string | null {
  const ns = r.subcomponent(c, 1);
  if (ns !== undefined && ns !== '') return ns.trim();
  const uid = r.subcomponent(c, 2);
  return uid !== undefined && uid !== '' ? uid.trim() : null;
}

/** Components joined with `^`, trailing empties dropped (PL, CE rendered for humans). */
function joined(r: Hl7Repetition | undefined): string | null {
  if (r === undefined) return null;
  const parts = r.components.map((sub) => (sub[0] === '""' ? '' : (sub[0] ?? '')));
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts.length === 0 ? null : parts.join('^');
}

function cxList(f: Hl7Field): PatientIdentifier[] {
  const out: PatientIdentifier[] = [];
  for (const r of f.repetitions) {
    const value = r.component(1)?.trim();
    if (value === undefined || value === '') continue;
    out.push({ value, assigningAuthority: hdOf(r, 4), idType: nn(r.component(5)?.trim()) });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

interface Ctx {
  msg: Hl7Message;
  profile: FeedProfile;
  source: NormalizeSource;
  controlId: string | null;
  messageType: string;
  trigger: string;
  sourceSystem: string | null;
  sourceFacility: string | null;
  recordedAt: number;
  /**
   * Occurrence count per segment name, by segment index (for DQ locations like OBX[3]-5);
   * built on the first `where` (most messages never need a location).
   */
  occurrence: Map<number, number> | undefined;
  /** Parsed TS values of this message by text (created on first use). */
  times: Map<string, Hl7Time | null> | undefined;
  events: NormalizedEvent[];
  dq: { key: string; value: DqEventValue }[];
}

/** Segment index -> occurrence of its segment id, for the second and later occurrences. */
function occurrences(msg: Hl7Message): Map<number, number> {
  const occurrence = new Map<number, number>();
  const counts = new Map<string, number>();
  for (const s of msg.segments) {
    const k = (counts.get(s.name) ?? 0) + 1;
    counts.set(s.name, k);
    if (k > 1) occurrence.set(s.index, k);
  }
  return occurrence;
}

function where(ctx: Ctx, seg: Hl7Segment, field?: number, component?: number): string {
  let occurrence = ctx.occurrence;
  if (occurrence === undefined) {
    occurrence = occurrences(ctx.msg);
    ctx.occurrence = occurrence;
  }
  const k = occurrence.get(seg.index) ?? 1;
  let s = `${seg.name}[${k}]`;
  if (field !== undefined) s += `-${field}`;
  if (component !== undefined) s += `.${component}`;
  return s;
}

function dq(
  ctx: Ctx,
  key: string,
  rule: DqRule,
  severity: DqEventValue['severity'],
  seg: Hl7Segment | null,
  location: string | null,
  detail: string,
): void {
  ctx.dq.push({
    key,
    value: {
      eventId: `${ctx.source.idPrefix}/${seg?.index ?? 0}/${rule}/${ctx.dq.length}`,
      stage: 'normalize',
      rule,
      severity,
      sourceSystem: ctx.sourceSystem,
      sourceFacility: ctx.sourceFacility,
      feedProfile: ctx.profile.id,
      messageControlId: ctx.controlId,
      messageType: ctx.messageType,
      location,
      detail,
      sourceTopic: ctx.source.topic,
      sourcePartition: ctx.source.partition,
      sourceOffset: ctx.source.offset,
      occurredAt: ctx.source.timestamp,
    },
  });
}

/** The time of a field as an instant; date-only values become UTC midnight (docs/normalize.md). */
function instantOf(ctx: Ctx, key: string, seg: Hl7Segment | undefined, field: number): number | null {
  const t = timeOf(ctx, key, seg, field);
  if (t === null) return null;
  return t.kind === 'instant' ? t.epochMs : dateToInstant(t.date);
}

/** The calendar date of a field as sent (no zone conversion: a birth date is a local date). */
function dateOf(ctx: Ctx, key: string, seg: Hl7Segment | undefined, field: number): string | null {
  const t = timeOf(ctx, key, seg, field);
  if (t === null) return null;
  return t.localDate;
}

function timeOf(ctx: Ctx, key: string, seg: Hl7Segment | undefined, field: number): Hl7Time | null {
  const raw = val(seg, field);
  if (raw === undefined || seg === undefined) return null;
  // One message repeats its timestamps (MSH-7, EVN-2, OBR-7, OBX-14...): parse each text once.
  // readHl7Time is pure and its results are only read, so sharing them is safe.
  let times = ctx.times;
  if (times === undefined) {
    times = new Map<string, Hl7Time | null>();
    ctx.times = times;
  }
  let t = times.get(raw);
  if (t === undefined) {
    t = readHl7Time(raw, ctx.profile.timeZone);
    times.set(raw, t);
  }
  if (t === null)
    dq(
      ctx,
      key,
      'TIMESTAMP_INVALID',
      'WARNING',
      seg,
      where(ctx, seg, field),
      `${seg.name}-${field} is not an HL7 DTM/TS (YYYY[MM[DD[HH[MM[SS[.S+]]]]]][+/-ZZZZ]); left empty`,
    );
  return t;
}

function event(
  ctx: Ctx,
  seg: Hl7Segment,
  kind: ClinicalEventKind,
  key: string,
  ids: PatientIdentifier[],
  occurredAt: number | null,
  payload: Record<string, unknown>,
  clearedFields: string[] = [],
): void {
  ctx.events.push({
    key,
    clearedFields,
    value: {
      eventId: `${ctx.source.idPrefix}/${seg.index}`,
      kind,
      sourceSystem: ctx.sourceSystem,
      sourceFacility: ctx.sourceFacility,
      sourceMessageControlId: ctx.controlId,
      patientIdentifiers: ids,
      occurredAt,
      recordedAt: ctx.recordedAt,
      // "" (delete) and empty (unchanged) both read as null; the deleted ones are listed.
      payload: clinicalPayload(kind, kind === 'PATIENT' ? { ...payload, clearedFields } : payload),
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Patient identity

interface PatientRef {
  key: string;
  ids: PatientIdentifier[];
}

function patientRef(ctx: Ctx, pid: Hl7Segment): PatientRef {
  // PID-3 first (the list HL7 v2.3+ uses), then PID-2 and PID-4 (backward-compatible fields old feeds use).
  const pid3 = cxList(pid.field(3));
  const ids = pid3.concat(cxList(pid.field(2)), cxList(pid.field(4)));
  if (ids.length === 0)
    throw new NormalizeError(
      NormalizeErrorCode.NO_PATIENT_ID,
      '101',
      `${ctx.messageType} message ${ctx.controlId ?? '(no MSH-10)'}: ${where(ctx, pid)} has no patient identifier (PID-3, PID-2 and PID-4 are empty)`,
    );
  const m = ctx.profile.mrn;
  let mrn: PatientIdentifier | undefined;
  // Plain loops (no per-call closures): the first identifier of the first listed type.
  const authorities = m.assigningAuthorities;
  for (const type of m.identifierTypes) {
    for (const i of pid3)
      if (
        i.idType === type &&
        (authorities.length === 0 ||
          (i.assigningAuthority !== null && authorities.includes(i.assigningAuthority)))
      ) {
        mrn = i;
        break;
      }
    if (mrn) break;
  }
  if (mrn === undefined && m.identifierTypes.length === 0 && authorities.length > 0)
    for (const i of pid3)
      if (i.assigningAuthority !== null && authorities.includes(i.assigningAuthority)) {
        mrn = i;
        break;
      }
  const facility = ctx.sourceFacility ?? '';
  if (mrn === undefined) {
    if (m.fallback === 'reject')
      throw new NormalizeError(
        NormalizeErrorCode.MRN_NOT_FOUND,
        '204',
        `${ctx.messageType} message ${ctx.controlId ?? '(no MSH-10)'}: no ${where(ctx, pid, 3)} repetition is the MRN per feed profile ${ctx.profile.id} (identifier types ${m.identifierTypes.join(',') || 'any'}, authorities ${m.assigningAuthorities.join(',') || 'any'})`,
      );
    mrn = ids[0]!;
    const key = `${facility}|${mrn.value}`;
    dq(
      ctx,
      key,
      'MRN_NOT_FOUND',
      'WARNING',
      pid,
      where(ctx, pid, 3),
      `no PID-3 repetition has identifier type ${m.identifierTypes.join('/') || 'any'}${m.assigningAuthorities.length ? ` from ${m.assigningAuthorities.join('/')}` : ''} (feed profile ${ctx.profile.id}); keyed by the first identifier (type ${mrn.idType ?? 'none'}, authority ${mrn.assigningAuthority ?? 'none'})`,
    );
    return { key, ids };
  }
  return { key: `${facility}|${mrn.value}`, ids };
}

// ---------------------------------------------------------------------------------------------
// Segment mappers

/** A PATIENT payload string: `""` -> null and the field listed as cleared; empty -> null. */
function tri(cleared: string[], field: string, v: string | undefined): string | null {
  if (v === '') {
    cleared.push(field);
    return null;
  }
  return v === undefined ? null : v.trim() || null;
}

/** A PATIENT date field: `""` -> null and cleared, else the calendar date as sent. */
function patientDate(
  ctx: Ctx,
  cleared: string[],
  pid: Hl7Segment,
  key: string,
  field: string,
  n: number,
): string | null {
  if (pid.field(n).isNull()) {
    cleared.push(field);
    return null;
  }
  return dateOf(ctx, key, pid, n);
}

const HAS_DIGIT = /\d/;

/** PID-13 (XTN): XTN.1 when it holds digits, else area code + local number, else XTN.12. */
function phoneOf(pid: Hl7Segment): string | undefined {
  const r = rep1(pid.field(13));
  if (r === undefined) return undefined;
  const c1 = r.component(1);
  if (c1 === '') return '';
  if (c1 !== undefined && HAS_DIGIT.test(c1)) return c1;
  const area = r.component(6) ?? '';
  const local = r.component(7) ?? '';
  const composed = `${area}${local}`;
  return composed !== '' ? composed : (r.component(12) ?? c1);
}

function mapPatient(ctx: Ctx, pid: Hl7Segment, p: PatientRef): void {
  const cleared: string[] = [];
  const f5 = pid.field(5);
  // The legal name (XPN.7 = L) when several are sent, else the first (clinical.event.v1 doc).
  const names = f5.repetitions;
  let name: Hl7Repetition | undefined = names[0];
  for (const r of names)
    if (r.component(7) === 'L') {
      name = r;
      break;
    }
  const familyName = tri(cleared, 'familyName', name?.subcomponent(1, 1));
  const givenName = tri(cleared, 'givenName', name?.component(2));
  const middleName = tri(cleared, 'middleName', name?.component(3));
  const birthDate = patientDate(ctx, cleared, pid, p.key, 'birthDate', 7);
  const sex = tri(cleared, 'sex', comp(pid, 8));
  const postalCode = tri(cleared, 'postalCode', rep1(pid.field(11))?.component(5));
  const phoneRaw = phoneOf(pid);
  const phone =
    phoneRaw === '' ? (cleared.push('phone'), null) : phoneRaw === undefined ? null : phoneDigits(phoneRaw);
  const deathDate = patientDate(ctx, cleared, pid, p.key, 'deathDate', 29);
  const d30 = comp(pid, 30);
  const deceased =
    d30 === '' ? (cleared.push('deceased'), null) : d30 === 'Y' ? true : d30 === 'N' ? false : null;
  event(
    ctx,
    pid,
    'PATIENT',
    p.key,
    p.ids,
    null,
    { familyName, givenName, middleName, birthDate, sex, postalCode, phone, deathDate, deceased },
    cleared,
  );
}

/** First XCN repetition that is an NPI: typed NPI (XCN.13 or XCN.9), else an untyped valid 10-digit id. */
function npiOf(ctx: Ctx, key: string, seg: Hl7Segment, field: number): string | null {
  const f = seg.field(field);
  if (f.isEmpty() || f.isNull()) return null;
  let untyped: string | null = null;
  for (const r of f.repetitions) {
    const id = r.component(1)?.trim();
    if (!id) continue;
    const typed = r.component(13) === 'NPI' || hdOf(r, 9) === 'NPI' || hdOf(r, 9) === '2.16.840.1.113883.4.6';
    if (typed) {
      if (isValidNpi(id)) return id;
      dq(
        ctx,
        key,
        'NPI_INVALID',
        'WARNING',
        seg,
        where(ctx, seg, field),
        `${seg.name}-${field} is typed NPI but fails the NPI check digit (CMS Luhn with prefix 80840); left empty`,
      );
      return null;
    }
    if (untyped === null && isValidNpi(id)) untyped = id;
  }
  if (untyped === null)
    dq(
      ctx,
      key,
      'NPI_NOT_FOUND',
      'INFO',
      seg,
      where(ctx, seg, field),
      `${seg.name}-${field} names a provider but no repetition is an NPI (XCN.13 NPI or a valid 10-digit id)`,
    );
  return untyped;
}

function mapEncounter(ctx: Ctx, pv1: Hl7Segment, p: PatientRef, evn: Hl7Segment | undefined): void {
  const admitAt = instantOf(ctx, p.key, pv1, 44);
  const dischargeAt = instantOf(ctx, p.key, pv1, 45);
  const eventOccurred = instantOf(ctx, p.key, evn, 6);
  const attendingNpi = npiOf(ctx, p.key, pv1, 7);
  const occurredAt = eventOccurred ?? (ctx.trigger === 'A03' ? (dischargeAt ?? admitAt) : (admitAt ?? null));
  event(ctx, pv1, 'ENCOUNTER', p.key, p.ids, occurredAt, {
    visitNumber: nn(val(pv1, 19)),
    patientClass: nn(val(pv1, 2)),
    location: joined(rep1(pv1.field(3))),
    attendingNpi,
    admitAt,
    dischargeAt,
    dischargeDisposition: nn(val(pv1, 36)),
    triggerEvent: ctx.trigger,
  });
}

/** A field the event cannot do without is empty: an ERROR DQ event, and no event is emitted. */
function missingRequired(ctx: Ctx, key: string, seg: Hl7Segment, field: number, detail: string): void {
  dq(ctx, key, 'REQUIRED_FIELD_MISSING', 'ERROR', seg, where(ctx, seg, field), detail);
}

function mapDiagnosis(ctx: Ctx, dg1: Hl7Segment, p: PatientRef): void {
  const code = val(dg1, 3);
  if (code === undefined) {
    missingRequired(ctx, p.key, dg1, 3, 'DG1-3 diagnosis code is empty; no DIAGNOSIS event');
    return;
  }
  // DG1-2 (coding method, deprecated since v2.3) carries the system in older feeds.
  let system = nn(val(dg1, 3, 3)) ?? nn(val(dg1, 2));
  let out = code;
  if (isIcd10System(system)) {
    const n = normalizeIcd10(code);
    if (n === null)
      dq(
        ctx,
        p.key,
        'CODE_INVALID',
        'WARNING',
        dg1,
        where(ctx, dg1, 3),
        `DG1-3 code is not shaped like ICD-10-CM (system ${system ?? ''}); kept as received`,
      );
    else out = n;
    system = 'I10';
  } else if (system === null) {
    const n = normalizeIcd10(code);
    if (n !== null && code.includes('.')) {
      // Only dotted letter-led codes are assumed to be ICD-10 (undotted ones collide with ICD-9 E/V codes).
      out = n;
      system = 'I10';
      dq(
        ctx,
        p.key,
        'CODE_SYSTEM_ASSUMED',
        'INFO',
        dg1,
        where(ctx, dg1, 3, 3),
        'DG1-3 has no coding system; the code is ICD-10-CM shaped and read as I10',
      );
    } else
      dq(
        ctx,
        p.key,
        'CODE_UNMAPPED',
        'WARNING',
        dg1,
        where(ctx, dg1, 3, 3),
        'DG1-3 has no coding system and is not ICD-10-CM shaped; kept as received',
      );
  }
  const prio = val(dg1, 15);
  const priority = prio !== undefined && /^\d{1,4}$/.test(prio) ? Number(prio) : null;
  event(ctx, dg1, 'DIAGNOSIS', p.key, p.ids, instantOf(ctx, p.key, dg1, 5), {
    code: { system, code: out, display: nn(val(dg1, 3, 2)) ?? nn(val(dg1, 4)) },
    diagnosisType: nn(val(dg1, 6)),
    priority,
  });
}

function mapProcedure(ctx: Ctx, pr1: Hl7Segment, p: PatientRef): void {
  const code = val(pr1, 3);
  if (code === undefined) {
    missingRequired(ctx, p.key, pr1, 3, 'PR1-3 procedure code is empty; no PROCEDURE event');
    return;
  }
  const performedAt = instantOf(ctx, p.key, pr1, 5);
  // PR1-11 surgeon, PR1-12 procedure practitioner (B since v2.3): the first that is an NPI.
  const npi = !pr1.field(11).isEmpty()
    ? npiOf(ctx, p.key, pr1, 11)
    : !pr1.field(12).isEmpty()
      ? npiOf(ctx, p.key, pr1, 12)
      : null;
  event(ctx, pr1, 'PROCEDURE', p.key, p.ids, performedAt, {
    code: {
      system: nn(val(pr1, 3, 3)) ?? nn(val(pr1, 2)),
      code,
      display: nn(val(pr1, 3, 2)) ?? nn(val(pr1, 4)),
    },
    performedAt,
    performerNpi: npi,
    status: null,
  });
}

function memberIdOf(ctx: Ctx, in1: Hl7Segment, pid: Hl7Segment | undefined, p: PatientRef): string | null {
  const m = ctx.profile.memberId;
  let v: string | undefined;
  let loc: string;
  switch (m.location) {
    case 'IN1-49':
      v = val(in1, 49);
      loc = where(ctx, in1, 49);
      break;
    case 'IN1-36':
      v = val(in1, 36);
      loc = where(ctx, in1, 36);
      break;
    case 'IN1-2':
      v = val(in1, 2);
      loc = where(ctx, in1, 2);
      break;
    case 'PID-19':
      v = val(pid, 19);
      loc = pid ? where(ctx, pid, 19) : 'PID-19';
      break;
    case 'PID-3': {
      const hit = pid
        ? cxList(pid.field(3)).find(
            (i) =>
              (m.identifierTypes.length === 0 ||
                (i.idType !== null && m.identifierTypes.includes(i.idType))) &&
              (m.assigningAuthorities.length === 0 ||
                (i.assigningAuthority !== null && m.assigningAuthorities.includes(i.assigningAuthority))),
          )
        : undefined;
      v = hit?.value;
      loc = pid ? where(ctx, pid, 3) : 'PID-3';
      break;
    }
  }
  if (v === undefined)
    dq(
      ctx,
      p.key,
      'MEMBER_ID_MISSING',
      'WARNING',
      in1,
      loc,
      `feed profile ${ctx.profile.id} reads the member id from ${m.location}, which is empty for this coverage; COVERAGE emitted without memberId`,
    );
  return v ?? null;
}

function mapCoverage(ctx: Ctx, in1: Hl7Segment, pid: Hl7Segment | undefined, p: PatientRef): void {
  const effectiveDate = dateOf(ctx, p.key, in1, 12);
  event(ctx, in1, 'COVERAGE', p.key, p.ids, null, {
    planId: nn(val(in1, 2)),
    payerId: nn(val(in1, 3)),
    payerName: nn(val(in1, 4)),
    groupNumber: nn(val(in1, 8)),
    memberId: memberIdOf(ctx, in1, pid, p),
    planType: nn(val(in1, 15)),
    effectiveDate,
    expirationDate: dateOf(ctx, p.key, in1, 13),
  });
}

function mapMerge(ctx: Ctx, mrg: Hl7Segment, p: PatientRef): void {
  const prior = [...cxList(mrg.field(1)), ...cxList(mrg.field(4))];
  if (prior.length === 0)
    throw new NormalizeError(
      NormalizeErrorCode.NO_PATIENT_ID,
      '101',
      `${ctx.messageType} message ${ctx.controlId ?? '(no MSH-10)'}: ${where(ctx, mrg, 1)} prior patient identifier list is empty (MRG-1 and MRG-4)`,
    );
  event(ctx, mrg, 'MERGE', p.key, p.ids, null, { priorIdentifiers: prior, triggerEvent: ctx.trigger });
}

// ---------------------------------------------------------------------------------------------
// Observations (ORU^R01)

interface OrderCtx {
  obr: Hl7Segment;
  orc: Hl7Segment | undefined;
  filler: string | null;
  effectiveAt: number | null;
}

/** OBX-3 / OBR-4 to LOINC: LN primary, LN alternate, the profile's local map, else as received + DQ. */
function loincOf(
  ctx: Ctx,
  key: string,
  seg: Hl7Segment,
  field: number,
): { system: string | null; code: string; display: string | null } | null {
  const r = rep1(seg.field(field));
  const code = r?.component(1)?.trim();
  if (r === undefined || code === undefined || code === '') return null;
  const display = nn(r.component(2)?.trim());
  const system = nn(r.component(3)?.trim());
  if (isLoincSystem(system)) return { system: 'LN', code, display };
  const alt = r.component(4)?.trim();
  if (alt && isLoincSystem(nn(r.component(6)?.trim())))
    return { system: 'LN', code: alt, display: nn(r.component(5)?.trim()) ?? display };
  const map = ctx.profile.codeMaps.observations;
  const mapped = (system !== null ? map[`${system}:${code}`] : undefined) ?? map[code];
  if (mapped !== undefined) return { system: 'LN', code: mapped, display };
  if (system === null && isLoincShaped(code)) {
    dq(
      ctx,
      key,
      'CODE_SYSTEM_ASSUMED',
      'INFO',
      seg,
      where(ctx, seg, field, 3),
      `${seg.name}-${field} has no coding system; the code is LOINC shaped and read as LN`,
    );
    return { system: 'LN', code, display };
  }
  dq(
    ctx,
    key,
    'CODE_UNMAPPED',
    'WARNING',
    seg,
    where(ctx, seg, field),
    `${seg.name}-${field} local code ${code} (system ${system ?? 'none'}) has no LOINC mapping in feed profile ${ctx.profile.id} (codeMaps.observations); kept as received`,
  );
  return { system, code, display };
}

const SN_COMPARATORS = new Set(['<', '>', '<=', '>=', '=', '<>']);

function num(text: string | undefined): number | null {
  if (text === undefined) return null;
  const t = text.trim();
  if (t === '' || !/^[+-]?(\d+\.?\d*|\.\d+)$/.test(t)) return null;
  return Number(t);
}

function mapObservation(ctx: Ctx, obx: Hl7Segment, o: OrderCtx | undefined, p: PatientRef): void {
  const code = loincOf(ctx, p.key, obx, 3);
  if (code === null) {
    missingRequired(ctx, p.key, obx, 3, 'OBX-3 observation identifier is empty; no OBSERVATION event');
    return;
  }
  const status = val(obx, 11);
  if (status === undefined) {
    missingRequired(
      ctx,
      p.key,
      obx,
      11,
      'OBX-11 result status (table 0085, required) is empty; no OBSERVATION event, since whether it counts as evidence is unknown',
    );
    return;
  }
  if (!TABLE_0085.has(status))
    dq(
      ctx,
      p.key,
      'TABLE_VALUE_UNKNOWN',
      'WARNING',
      obx,
      where(ctx, obx, 11),
      `OBX-11 status ${status.slice(0, 4)} is not in HL7 table 0085; kept as received`,
    );
  const valueType = nn(val(obx, 2));
  const f5 = obx.field(5);
  let valueString: string | null = null;
  let valueNumber: number | null = null;
  let comparator: string | null = null;
  const first = f5.isNull() ? undefined : rep1(f5);
  if (first !== undefined && !f5.isEmpty()) {
    switch (valueType ?? '') {
      case 'NM': {
        valueString = nn(first.component(1)?.trim());
        valueNumber = num(valueString ?? undefined);
        if (valueString !== null && valueNumber === null)
          dq(
            ctx,
            p.key,
            'VALUE_NOT_NUMERIC',
            'WARNING',
            obx,
            where(ctx, obx, 5),
            'OBX-2 is NM but OBX-5 is not a decimal number; kept as text only',
          );
        break;
      }
      case 'SN': {
        // SN = comparator ^ num1 ^ separator/suffix ^ num2 (HL7 v2 SN data type).
        const c1 = first.component(1)?.trim() ?? '';
        const n1 = first.component(2)?.trim() ?? '';
        const sep = first.component(3)?.trim() ?? '';
        const n2 = first.component(4)?.trim() ?? '';
        valueString = nn(`${c1}${n1}${sep}${n2}`);
        comparator = SN_COMPARATORS.has(c1) ? c1 : null;
        if (sep === '' && n2 === '') valueNumber = num(n1);
        break;
      }
      default: {
        if (valueType !== null && OPAQUE_TYPES.has(valueType)) valueString = null;
        else if (valueType !== null && TEXT_TYPES.has(valueType))
          valueString = nn(
            f5.repetitions.map((r) => r.components.map((c) => c.join('&')).join('^')).join('\n'),
          );
        else if (valueType === 'CE' || valueType === 'CWE' || valueType === 'CNE' || valueType === 'CF')
          valueString = joined(first);
        else valueString = nn(first.components.map((c) => c.join('&')).join('^'));
      }
    }
  }
  const unitRaw = val(obx, 6);
  const unit = unitRaw === undefined ? null : (ctx.profile.codeMaps.units[unitRaw] ?? unitRaw);
  const abnormalFlags: string[] = [];
  for (const r of obx.field(8).repetitions) {
    const flag = r.component(1)?.trim() ?? '';
    if (flag !== '') abnormalFlags.push(flag);
  }
  const effectiveAt = instantOf(ctx, p.key, obx, 14) ?? o?.effectiveAt ?? null;
  const filler = o?.filler ?? null;
  if (filler === null && (status === 'C' || status === 'W' || status === 'D'))
    dq(
      ctx,
      p.key,
      'CORRECTION_WITHOUT_ORDER_NUMBER',
      'WARNING',
      obx,
      where(ctx, obx, 11),
      `OBX-11 is ${status} but the order has no filler order number (OBR-3, ORC-3): a consumer cannot match it to the result it replaces`,
    );
  event(ctx, obx, 'OBSERVATION', p.key, p.ids, effectiveAt, {
    code,
    valueType,
    valueString,
    valueNumber,
    comparator,
    unit,
    referenceRange: nn(val(obx, 7)),
    abnormalFlags,
    status,
    effectiveAt,
    fillerOrderNumber: filler,
    subId: nn(val(obx, 4)),
  });
}

function mapOrderProcedure(ctx: Ctx, o: OrderCtx, p: PatientRef): void {
  const section = val(o.obr, 24);
  if (section === undefined || !ctx.profile.procedureSections.includes(section)) return;
  const code = loincOf(ctx, p.key, o.obr, 4);
  if (code === null) return;
  event(ctx, o.obr, 'PROCEDURE', p.key, p.ids, o.effectiveAt, {
    code,
    performedAt: o.effectiveAt,
    performerNpi: o.obr.field(16).isEmpty() ? null : npiOf(ctx, p.key, o.obr, 16),
    status: nn(val(o.obr, 25)),
  });
}

// ---------------------------------------------------------------------------------------------

function missing(ctx: Ctx, what: string): never {
  throw new NormalizeError(
    NormalizeErrorCode.MISSING_SEGMENT,
    '100',
    `${ctx.messageType} message ${ctx.controlId ?? '(no MSH-10)'}: ${what}`,
  );
}

function normalizeAdt(ctx: Ctx): void {
  const segs = ctx.msg.segments;
  const evn = ctx.msg.segment('EVN');
  if (ctx.trigger === 'A40') {
    // ADT_A39: repeating { PID, [PD1], MRG, [PV1] } (domain-facts §1.3).
    let merges = 0;
    let pid: Hl7Segment | undefined;
    let ref: PatientRef | undefined;
    for (const s of segs) {
      if (s.name === 'PID') {
        pid = s;
        ref = patientRef(ctx, s);
      } else if (s.name === 'MRG') {
        if (pid === undefined || ref === undefined)
          missing(ctx, `${where(ctx, s)} is not preceded by a PID (ADT_A39 is PID, MRG per merge)`);
        mapMerge(ctx, s, ref);
        merges++;
        pid = undefined;
      }
    }
    if (merges === 0) missing(ctx, 'no MRG segment (ADT^A40 needs PID and MRG for each merge)');
    return;
  }
  const pid = ctx.msg.segment('PID');
  if (pid === undefined) missing(ctx, 'no PID segment (required in ADT)');
  const ref = patientRef(ctx, pid);
  mapPatient(ctx, pid, ref);
  const pv1 = ctx.msg.segment('PV1');
  const visit = pv1 !== undefined && !(pv1.fieldCount <= 1 && pv1.field(1).isEmpty()) && val(pv1, 2) !== 'N';
  if (visit) mapEncounter(ctx, pv1, ref, evn);
  else if (VISIT_EVENTS.has(ctx.trigger))
    dq(
      ctx,
      ref.key,
      'SEGMENT_MISSING',
      'ERROR',
      pv1 ?? null,
      pv1 ? where(ctx, pv1) : 'PV1',
      `ADT^${ctx.trigger} has no usable PV1 (absent, empty or class N); no ENCOUNTER event`,
    );
  // A cancel admit retracts the visit: its DG1/PR1/IN1 are not new facts (ADT_A09 carries them for context).
  if (ctx.trigger === 'A11') return;
  for (const s of segs) {
    if (s.name === 'DG1') mapDiagnosis(ctx, s, ref);
    else if (s.name === 'PR1') mapProcedure(ctx, s, ref);
    else if (s.name === 'IN1') mapCoverage(ctx, s, pid, ref);
  }
}

function normalizeOru(ctx: Ctx): void {
  // ORU_R01: { [PID [PV1]] { [ORC] OBR {OBX} } } (domain-facts §1.4): walk the segments once,
  // tracking the current patient and order.
  let pid: Hl7Segment | undefined;
  let ref: PatientRef | undefined;
  let orc: Hl7Segment | undefined;
  let order: OrderCtx | undefined;
  let results = 0;
  for (const s of ctx.msg.segments) {
    switch (s.name) {
      case 'PID':
        pid = s;
        ref = patientRef(ctx, s);
        mapPatient(ctx, s, ref);
        orc = undefined;
        order = undefined;
        break;
      case 'ORC':
        orc = s;
        break;
      case 'OBR': {
        if (ref === undefined)
          missing(ctx, `${where(ctx, s)} comes before any PID: the result has no patient`);
        const filler = nn(val(s, 3)) ?? nn(val(orc, 3));
        order = { obr: s, orc, filler, effectiveAt: instantOf(ctx, ref.key, s, 7) };
        orc = undefined;
        mapOrderProcedure(ctx, order, ref);
        results++;
        break;
      }
      case 'OBX':
        if (ref === undefined)
          missing(ctx, `${where(ctx, s)} comes before any PID: the result has no patient`);
        mapObservation(ctx, s, order, ref);
        results++;
        break;
      default:
        break;
    }
  }
  if (pid === undefined) missing(ctx, 'no PID segment: the results have no patient');
  if (results === 0) missing(ctx, 'no OBR or OBX segment (ORU^R01 needs at least one order)');
}

/** The fields of MSH a normalizer needs, read from the parsed message. */
function mshText(msg: Hl7Message, n: number): string | null {
  const msh = msg.segments[0];
  if (msh === undefined) return null;
  const raw = msh.field(n).raw;
  return raw === '' || raw === '""' ? null : raw;
}

/**
 * Normalize one parsed message. Throws NormalizeError (a BadRecordError) for a message it
 * cannot interpret; anything it can partly interpret yields events plus DQ events.
 */
export function normalizeHl7(
  msg: Hl7Message,
  profiles: FeedProfiles,
  source: NormalizeSource,
): NormalizeResult {
  const msh = msg.segments[0]!;
  const sourceSystem = mshText(msg, 3);
  const sourceFacility = mshText(msg, 4);
  const profile = profiles.resolve(sourceSystem, sourceFacility);
  const controlId = nn(val(msh, 10));
  const code = val(msh, 9, 1)?.toUpperCase() ?? '';
  // v2.1/2.2 feeds may leave MSH-9.2 empty and carry the trigger in EVN-1 only.
  const trigger = (val(msh, 9, 2) ?? val(msg.segment('EVN'), 1) ?? '').toUpperCase();
  const messageType = `${code || '(none)'}^${trigger}`;
  const ctx: Ctx = {
    msg,
    profile,
    source,
    controlId,
    messageType,
    trigger,
    sourceSystem,
    sourceFacility,
    recordedAt: 0,
    occurrence: undefined,
    times: undefined,
    events: [],
    dq: [],
  };
  const facilityKey = `${sourceFacility ?? ''}|`;
  ctx.recordedAt =
    instantOf(ctx, facilityKey, msg.segment('EVN'), 2) ??
    instantOf(ctx, facilityKey, msh, 7) ??
    source.receivedAt ??
    source.timestamp;
  if (code === 'ADT') {
    if (!ADT_EVENTS.has(trigger))
      throw new NormalizeError(
        NormalizeErrorCode.UNSUPPORTED_EVENT,
        '201',
        `ADT message ${controlId ?? '(no MSH-10)'}: trigger event ${trigger.slice(0, 8) || '(empty)'} is not normalized (supported: ${[...ADT_EVENTS].join(', ')})`,
      );
    normalizeAdt(ctx);
  } else if (code === 'ORU') {
    if (trigger !== 'R01')
      throw new NormalizeError(
        NormalizeErrorCode.UNSUPPORTED_EVENT,
        '201',
        `ORU message ${controlId ?? '(no MSH-10)'}: trigger event ${trigger.slice(0, 8) || '(empty)'} is not normalized (supported: R01)`,
      );
    normalizeOru(ctx);
  } else
    throw new NormalizeError(
      NormalizeErrorCode.UNSUPPORTED_MESSAGE_TYPE,
      '200',
      `message ${controlId ?? '(no MSH-10)'}: message type ${code.slice(0, 8) || '(empty MSH-9)'} is not normalized (supported: ADT, ORU)`,
    );
  return { events: ctx.events, dq: ctx.dq, profile, controlId, messageType };
}
