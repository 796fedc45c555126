/**
 * person.event.v1 → facts. Keeps only what the active measures and attribution rules can use
 * (codes in some loaded value set, ED/inpatient settings, visits with a qualifying code,
 * demographics, roster spans), so per-person state stays small.
 *
 * Fact ids are content-based where the same fact arrives many times (a diagnosis on every ADT,
 * a code on a claim and its adjustment: one fact), and source-based where a later record must
 * replace an earlier one (a corrected result replaces its final: same order, code and sub-id).
 */
import {
  claimProcedureSystem,
  codeSystemOf,
  normalizeCode,
  type ValueSetIndex,
} from '../contracts/value-sets.ts';
import type { PersonEventValue } from '../identity/resolve-step.ts';
import type {
  CodeFact,
  CodeSystem,
  DemographicsFact,
  EncounterSetting,
  Fact,
  FactSource,
  IsoDate,
  ResultFact,
} from '../contracts/types.ts';

/** A person.event.v1 value with its payload already decoded with the source topic's schema. */
export interface DecodedPersonEvent extends Omit<PersonEventValue, 'payload'> {
  source: Record<string, unknown>;
}

/** The feed's IANA time zone for a source (its feed profile), e.g. America/Chicago. */
export type ZoneOf = (sourceSystem: string | null, sourceFacility: string | null) => string;

const DAY_FORMATS = new Map<string, Intl.DateTimeFormat>();

/**
 * The calendar day of an instant where it happened: HL7 times are local to the feed, so 21:30 on
 * Dec 31 in Chicago is Dec 31, not the UTC Jan 1 (measure windows are in days).
 */
export function localDay(ms: number | null | undefined, zone: string): IsoDate | null {
  if (ms === null || ms === undefined) return null;
  // The normalizer writes a date-only HL7 value as UTC midnight of that date (processors/normalize/
  // time.ts dateToInstant): read those back as the date. (A time of exactly local 18:00:00.000 in
  // a UTC-6 feed is read the same way: the one ambiguity of the convention.)
  if (zone === 'UTC' || ms % 86_400_000 === 0) return new Date(ms).toISOString().slice(0, 10);
  let f = DAY_FORMATS.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    DAY_FORMATS.set(zone, f);
  }
  return f.format(ms);
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

/** HL7 table 0004 patient class → setting (E emergency; I inpatient; O/R outpatient). */
function classSetting(patientClass: string | null): EncounterSetting | null {
  switch ((patientClass ?? '').toUpperCase()) {
    case 'E':
      return 'emergency';
    case 'I':
      return 'inpatient';
    case 'O':
    case 'R':
      return 'ambulatory';
    default:
      return null;
  }
}

/** Claim → setting: CMS place of service 23 ED; 21/51/61 inpatient; CCLF claim type 60 inpatient. */
function claimSetting(pos: string | null, claimType: string | null): EncounterSetting {
  if (pos === '23') return 'emergency';
  if (pos === '21' || pos === '51' || pos === '61' || claimType === '60') return 'inpatient';
  return 'ambulatory';
}

/**
 * A value with an SN comparator (">9", "<7") as a number on the right side of the limit it states,
 * so "> 9" counts as above 9 and "< 7" as below 7 (a result of exactly the limit is not either).
 */
function withComparator(value: number | null, comparator: string | null): number | null {
  if (value === null) return null;
  if (comparator === '>') return value + 1e-6;
  if (comparator === '<') return value - 1e-6;
  return value;
}

/** OBX-11 (HL7 table 0085) → result status. W/D/X retract or cancel a result. */
function resultStatus(code: string | null): ResultFact['status'] {
  switch ((code ?? '').toUpperCase()) {
    case 'F':
      return 'final';
    case 'C':
      return 'corrected';
    case 'P':
    case 'R':
    case 'I':
    case 'S':
      return 'preliminary';
    case 'W':
    case 'D':
    case 'X':
      return 'cancelled';
    default:
      return 'other';
  }
}

class FactBuilder {
  readonly facts: Fact[] = [];
  constructor(
    private readonly e: DecodedPersonEvent,
    private readonly valueSets: ValueSetIndex,
    private readonly ref: string,
  ) {}

  get source(): FactSource {
    return {
      topic: this.e.sourceTopic,
      partition: this.e.sourcePartition,
      offset: this.e.sourceOffset,
      ref: this.ref,
    };
  }

  relevant(system: CodeSystem, code: string): boolean {
    return this.valueSets.setsOf(system, code).length > 0;
  }

  code(
    system: CodeSystem | null,
    raw: string | null,
    date: IsoDate | null,
    opts: { end?: IsoDate | null; setting?: EncounterSetting | null } = {},
  ): void {
    if (system === null || raw === null || date === null) return;
    const code = normalizeCode(system, raw);
    const setting = opts.setting ?? null;
    const disqualifying = setting === 'emergency' || setting === 'inpatient';
    if (!this.relevant(system, code) && !disqualifying) return;
    const f: CodeFact = {
      kind: 'code',
      id: `c|${this.e.recordId}|${system}|${code}|${date}|${opts.end ?? ''}|${setting ?? ''}`,
      recordId: this.e.recordId,
      system,
      code,
      date,
      end: opts.end ?? null,
      setting,
      source: this.source,
    };
    this.facts.push(f);
  }
}

function clinical(b: FactBuilder, e: DecodedPersonEvent, zoneOf: ZoneOf): void {
  const ev = e.source;
  const kind = ev['kind'] as string;
  const wrapped = ev['payload'] as Record<string, Record<string, unknown>> | null;
  const payload = wrapped ? (Object.values(wrapped)[0] ?? {}) : {};
  const zone = zoneOf(str(ev['sourceSystem']), str(ev['sourceFacility']));
  const isoDay = (ms: number | null | undefined): IsoDate | null => localDay(ms, zone);
  const when = isoDay((ev['occurredAt'] as number | null) ?? (ev['recordedAt'] as number));
  const recordedAt = ev['recordedAt'] as number;
  switch (kind) {
    case 'PATIENT': {
      const sex = str(payload['sex']);
      const f: DemographicsFact = {
        kind: 'demographics',
        id: `d|${e.recordId}|${str(ev['sourceSystem']) ?? ''}`,
        recordId: e.recordId,
        birthDate: str(payload['birthDate']),
        sex: sex === 'F' || sex === 'M' ? sex : null,
        deathDate: str(payload['deathDate']),
        recordedAt,
        source: b.source,
      };
      b.facts.push(f);
      return;
    }
    case 'ENCOUNTER': {
      const setting = classSetting(str(payload['patientClass']));
      const day = isoDay(payload['admitAt'] as number | null) ?? when;
      b.code('PATIENTCLASS', str(payload['patientClass']), day, {
        end: isoDay(payload['dischargeAt'] as number | null),
        setting,
      });
      return;
    }
    case 'DIAGNOSIS':
    case 'PROCEDURE': {
      const coded = payload['code'] as { system: string | null; code: string } | undefined;
      if (!coded) return;
      const status = str(payload['status'])?.toUpperCase();
      if (status === 'X' || status === 'CA') return; // cancelled order
      const date = kind === 'PROCEDURE' ? (isoDay(payload['performedAt'] as number | null) ?? when) : when;
      b.code(codeSystemOf(coded.system), coded.code, date);
      return;
    }
    case 'OBSERVATION': {
      const coded = payload['code'] as { system: string | null; code: string };
      const system = codeSystemOf(coded.system);
      const date = isoDay(payload['effectiveAt'] as number | null) ?? when;
      if (system === null || date === null) return;
      const code = normalizeCode(system, coded.code);
      if (!b.relevant(system, code)) return;
      const value = withComparator(
        typeof payload['valueNumber'] === 'number' ? payload['valueNumber'] : null,
        str(payload['comparator']),
      );
      const order = str(payload['fillerOrderNumber']) ?? str(ev['sourceMessageControlId']) ?? '';
      // Repeated readings of one code in one order (a BP recheck) differ by their time.
      const at = (payload['effectiveAt'] as number | null) ?? '';
      const f: ResultFact = {
        kind: 'result',
        // A correction re-sends the same order, code and sub-id: it replaces the final.
        id: `r|${e.recordId}|${order}|${system}|${code}|${str(payload['subId']) ?? ''}|${at}`,
        recordId: e.recordId,
        system,
        code,
        date,
        value,
        hasResult: value !== null || str(payload['valueString']) !== null,
        status: resultStatus(str(payload['status'])),
        recordedAt,
        source: b.source,
      };
      b.facts.push(f);
      return;
    }
    default:
      return; // COVERAGE, MERGE: identity and enrollment come from other sources
  }
}

function claim(b: FactBuilder, e: DecodedPersonEvent): void {
  const c = e.source;
  // Cancellations and voids carry no evidence (the final-action view reconciles versions).
  if (str(c['adjustmentTypeCode']) === '1' || str(c['frequencyCode']) === '8') return;
  const from = str(c['serviceFromDate']) ?? str(c['fromDate']);
  const thru = str(c['serviceThruDate']) ?? str(c['thruDate']);
  const pos = str(c['placeOfService']);
  const claimType = str(c['claimTypeCode']);
  const setting = claimSetting(pos, claimType);
  const proc = str(c['procedureCode']);
  if (proc !== null) {
    const system = claimProcedureSystem(proc);
    b.code(system, proc, from, { setting });
    const npi = str(c['renderingNpi']) ?? str(c['billingNpi']);
    const code = normalizeCode(system, proc);
    if (npi !== null && from !== null && b.relevant(system, code)) {
      b.facts.push({
        kind: 'visit',
        id: `v|${str(c['claimId'])}|${String(c['claimLineNumber'] ?? c['lineNumber'])}`,
        recordId: e.recordId,
        system,
        code,
        date: from,
        npi,
        tin: str(c['billingTin']),
        specialty: str(c['providerSpecialtyCode']),
        amount: Number(str(c['allowedAmount']) ?? 0) || 0,
        source: b.source,
      });
    }
  }
  for (const dx of (c['diagnosisCodes'] as string[] | undefined) ?? [])
    b.code('ICD10CM', dx, from ?? thru, { setting });
  for (const px of (c['icdProcedureCodes'] as string[] | undefined) ?? [])
    b.code('ICD10PCS', px, from ?? thru, { setting });
  // Claim type (hospice 50) as a span, and place of service (nursing facility) as codes.
  b.code('CLAIMTYPE', claimType, str(c['fromDate']) ?? from, { end: str(c['thruDate']) ?? thru, setting });
  b.code('POS', pos, from, { setting });
}

function roster(b: FactBuilder, e: DecodedPersonEvent): void {
  const r = e.source;
  const sourceFile = str(r['sourceFile']) ?? '';
  const start = str(r['effectiveDate']);
  if (start !== null) {
    b.facts.push({
      kind: 'enrollment',
      id: `e|${e.recordId}|${sourceFile}|${start}`,
      recordId: e.recordId,
      start,
      end: str(r['termDate']),
      sourceFile,
      contractId: str(r['contractId']),
      lineOfBusiness: str(r['lineOfBusiness']),
      pcpNpi: str(r['pcpNpi']),
      pcpTin: str(r['pcpTin']),
      recordedAt: e.at,
      source: b.source,
    });
  }
  const sex = str(r['sex']);
  b.facts.push({
    kind: 'demographics',
    id: `d|${e.recordId}|roster`,
    recordId: e.recordId,
    birthDate: str(r['birthDate']),
    sex: sex === 'F' || sex === 'M' ? sex : null,
    deathDate: str(r['deathDate']),
    recordedAt: e.at,
    source: b.source,
  });
}

/** The facts one person event contributes (IDENTITY events move facts instead: see state.ts). */
export function extractFacts(
  e: DecodedPersonEvent,
  valueSets: ValueSetIndex,
  zoneOf: ZoneOf = () => 'UTC',
): Fact[] {
  const s = e.source;
  const ref =
    e.kind === 'CLINICAL_EVENT'
      ? String(s['eventId'])
      : e.kind === 'CLAIM_LINE'
        ? `${String(s['claimId'])}#${String(s['claimLineNumber'] ?? s['lineNumber'])}`
        : `${String(s['sourceFile'])}#${String(s['lineNumber'])}`;
  const b = new FactBuilder(e, valueSets, ref);
  if (e.kind === 'CLINICAL_EVENT') clinical(b, e, zoneOf);
  else if (e.kind === 'CLAIM_LINE') claim(b, e);
  else if (e.kind === 'ROSTER_MEMBER') roster(b, e);
  return b.facts;
}
