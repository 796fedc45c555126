/**
 * A synthetic member (producers/synth) as the person.event.v1 values the care-gaps engine folds
 * (processors/gaps/facts.ts `DecodedPersonEvent`), built the way the pipeline builds them from the
 * files the synth writes for the same member:
 *
 * - HL7 (ADT^A04/A08, ORU^R01): the message text the synth writes (`hl7Message`), parsed and
 *   normalized by the real normalizer (`parseHl7` + `normalizeHl7` with feeds/ profiles): the
 *   clinical.event.v1 values exactly as the normalize step publishes them.
 * - Claims and roster: claim.line.v1 / roster.member.v1 values with the fields the CCLF mapper
 *   (producers/claims/cclf/map.ts: CCLF1/2/4 hospice, CCLF5 professional lines, CCLF8), the 837P
 *   parser (producers/claims/x12/parse.ts) and the roster CSV mapping
 *   (payers/example-commercial-roster.yaml) give them, filled from the same claim objects the
 *   file writers format (no text round trip for these: their parsers are not the engine).
 *
 * Identity is perfect here: every record of member i is filed under person `P<i>` (the identity
 * resolver's output with no mistakes); record ids follow the router's `type|system|value`.
 */
import { parseHl7 } from '../../runtime/hl7/index.ts';
import { loadFeedProfiles, type FeedProfiles } from '../../processors/normalize/feed-profile.ts';
import { normalizeHl7 } from '../../processors/normalize/normalize.ts';
import type { DecodedPersonEvent } from '../../processors/gaps/facts.ts';
import { hl7Message } from '../../producers/synth/hl7.ts';
import { cclfFileName } from '../../producers/synth/cclf.ts';
import { rosterFileName } from '../../producers/synth/roster.ts';
import { icd10 } from '../../producers/synth/events.ts';
import { OUR_BILLING_NPI } from '../../producers/synth/providers.ts';
import type { HospiceClaim, ProfessionalClaim, SynthMember } from '../../producers/synth/types.ts';

const CLINICAL = 'clinical.event.v1';
const CLAIMS = 'claim.line.v1';
const ROSTER = 'roster.member.v1';

function plusDays(date: string, n: number): string {
  return new Date(Date.parse(date) + n * 86_400_000).toISOString().slice(0, 10);
}

const money = (x: number): string => x.toFixed(2);

/** A claim.line.v1 value with every schema field (the mappers build the same full shape). */
function claimLine(
  sourceFile: string,
  lineNumber: number,
  sourceFormat: string,
  claimId: string,
  memberId: string,
) {
  return {
    sourceFile,
    sourceFileSha256: null as string | null,
    lineNumber,
    sourceFormat,
    claimId,
    claimLineNumber: null as number | null,
    claimControlNumber: null as string | null,
    claimTypeCode: null as string | null,
    adjustmentTypeCode: null as string | null,
    claimEffectiveDate: null as string | null,
    frequencyCode: null as string | null,
    memberId,
    memberIdType: 'MBI',
    fromDate: null as string | null,
    thruDate: null as string | null,
    serviceFromDate: null as string | null,
    serviceThruDate: null as string | null,
    placeOfService: null as string | null,
    procedureCode: null as string | null,
    procedureModifiers: [] as string[],
    diagnosisCodes: [] as string[],
    icdProcedureCodes: [] as string[],
    revenueCode: null as string | null,
    ndcCode: null as string | null,
    renderingNpi: null as string | null,
    billingNpi: null as string | null,
    billingTin: null as string | null,
    billingCcn: null as string | null,
    providerSpecialtyCode: null as string | null,
    nonPaymentReasonCode: null as string | null,
    allowedAmount: null as string | null,
    paidAmount: null as string | null,
  };
}

/** Builds the person events of members of one run (file names and delivery time are the run's). */
export class PersonEventSource {
  private readonly profiles: FeedProfiles;
  private readonly delivered: number;
  private readonly cclf5File: string;
  private readonly cclf1File: string;
  private readonly cclf2File: string;
  private readonly cclf4File: string;
  private readonly cclf8File: string;
  private readonly rosterFile: string;
  private readonly x12File: string;
  private line = 0;
  private offset = 0;
  /** HL7 messages normalized, claim lines and roster lines built (for the report). */
  readonly counts = { hl7: 0, clinicalEvents: 0, claimLines: 0, rosterLines: 0 };

  constructor(year: number, asOf: string) {
    this.profiles = loadFeedProfiles();
    this.delivered = Date.parse(`${asOf}T12:00:00Z`);
    this.cclf5File = cclfFileName('CCLF5', year, asOf);
    this.cclf1File = cclfFileName('CCLF1', year, asOf);
    this.cclf2File = cclfFileName('CCLF2', year, asOf);
    this.cclf4File = cclfFileName('CCLF4', year, asOf);
    this.cclf8File = cclfFileName('CCLF8', year, asOf);
    this.rosterFile = rosterFileName(asOf);
    this.x12File = `EXH_837P_${asOf.replace(/-/g, '')}_0001.x12`;
  }

  private ev(
    personId: string,
    recordId: string,
    kind: DecodedPersonEvent['kind'],
    sourceTopic: string,
    at: number,
    source: Record<string, unknown>,
  ): DecodedPersonEvent {
    return {
      personId,
      recordId,
      kind,
      sourceTopic,
      sourcePartition: 0,
      sourceOffset: this.offset++,
      at,
      source,
    };
  }

  /** Every person event of the member, in record order. */
  eventsOf(m: SynthMember, personId: string): DecodedPersonEvent[] {
    const out: DecodedPersonEvent[] = [];
    const mrnRecord = `MR|NORTHCLINIC|${m.mrn}`;
    const claimRecord = m.mbi !== null ? `MBI|CMS|${m.mbi}` : `MB|PAYER|${m.memberId ?? ''}`;
    for (const r of m.records) {
      switch (r.type) {
        case 'hl7': {
          this.counts.hl7++;
          const res = normalizeHl7(parseHl7(hl7Message(m, r)), this.profiles, {
            idPrefix: `hl7.raw.v1/0/${this.offset}`,
            topic: 'hl7.raw.v1',
            partition: 0,
            offset: this.offset,
            timestamp: this.delivered,
            receivedAt: null,
          });
          for (const e of res.events) {
            this.counts.clinicalEvents++;
            const v = e.value as unknown as Record<string, unknown>;
            out.push(this.ev(personId, mrnRecord, 'CLINICAL_EVENT', CLINICAL, v['recordedAt'] as number, v));
          }
          break;
        }
        case 'claim':
          if (r.kind === 'hospice') this.hospice(m, r, personId, claimRecord, out);
          else if (m.mbi !== null) this.cclf5(m, r, personId, claimRecord, out);
          else this.x12(m, r, personId, claimRecord, out);
          break;
        case 'roster': {
          this.counts.rosterLines++;
          const d = r.demo;
          out.push(
            this.ev(personId, claimRecord, 'ROSTER_MEMBER', ROSTER, this.delivered, {
              sourceFile: this.rosterFile,
              sourceFileSha256: null,
              lineNumber: ++this.line,
              sourceFormat: 'PAYER_CSV',
              contractId: null,
              memberId: m.memberId,
              memberIdType: 'PAYER_MEMBER_ID',
              familyName: d.family.toUpperCase(),
              givenName: d.given.toUpperCase(),
              middleName: d.middle === null ? null : d.middle.charAt(0).toUpperCase(),
              birthDate: d.birthDate,
              sex: d.sex,
              deathDate: null,
              postalCode: d.postalCode,
              phone: d.phone,
              mrn: null,
              mrnAssigningAuthority: null,
              pcpNpi: r.pcp.npi,
              pcpTin: r.pcp.tin,
              effectiveDate: r.effective,
              termDate: r.term,
              product: r.product,
              lineOfBusiness: 'COMMERCIAL',
            }),
          );
          break;
        }
        case 'cclf8': {
          this.counts.rosterLines++;
          const d = r.demo;
          out.push(
            this.ev(personId, claimRecord, 'ROSTER_MEMBER', ROSTER, this.delivered, {
              sourceFile: this.cclf8File,
              sourceFileSha256: null,
              lineNumber: ++this.line,
              sourceFormat: 'CCLF8',
              contractId: null,
              memberId: m.mbi,
              memberIdType: 'MBI',
              familyName: d.family.toUpperCase(),
              givenName: d.given.toUpperCase(),
              middleName: d.middle === null ? null : d.middle.charAt(0).toUpperCase(),
              birthDate: d.birthDate,
              sex: d.sex,
              deathDate: r.deathDate,
              postalCode: d.postalCode,
              phone: null,
              mrn: null,
              mrnAssigningAuthority: null,
              pcpNpi: null,
              pcpTin: null,
              effectiveDate: null,
              termDate: null,
              product: null,
              lineOfBusiness: 'MEDICARE',
            }),
          );
          break;
        }
      }
    }
    return out;
  }

  /** CCLF5: one line per service line; line diagnosis first, then the claim's (deduplicated). */
  private cclf5(
    m: SynthMember,
    c: ProfessionalClaim,
    personId: string,
    rec: string,
    out: DecodedPersonEvent[],
  ): void {
    const dx = c.dx.map((d) => icd10(d.code));
    c.lines.forEach((l, i) => {
      this.counts.claimLines++;
      const v = claimLine(this.cclf5File, ++this.line, 'CCLF5', c.claimId, m.mbi ?? '');
      v.claimLineNumber = i + 1;
      v.claimControlNumber = `CN${c.claimId}`;
      v.claimTypeCode = '71';
      v.adjustmentTypeCode = '0';
      v.claimEffectiveDate = plusDays(c.from, 14);
      v.fromDate = c.from;
      v.thruDate = c.thru;
      v.serviceFromDate = l.date;
      v.serviceThruDate = l.date;
      v.placeOfService = l.pos;
      v.procedureCode = l.code.code.toUpperCase();
      const lineDx = dx[(l.dxPointers[0] ?? 1) - 1];
      v.diagnosisCodes = [...new Set(lineDx === undefined ? dx : [lineDx, ...dx])];
      v.renderingNpi = c.provider.npi;
      v.billingTin = c.provider.tin;
      v.providerSpecialtyCode = c.provider.specialty;
      v.allowedAmount = money(l.allowed);
      v.paidAmount = money(l.allowed * 0.8);
      out.push(this.ev(personId, rec, 'CLAIM_LINE', CLAIMS, this.delivered, v));
    });
  }

  /** 837P: one claim.line.v1 per LX; diagnoses by the line's pointers; POS from CLM05-1. */
  private x12(
    m: SynthMember,
    c: ProfessionalClaim,
    personId: string,
    rec: string,
    out: DecodedPersonEvent[],
  ): void {
    const dx = c.dx.map((d) => icd10(d.code));
    let from = c.lines[0]?.date ?? null;
    let thru = from;
    for (const l of c.lines) {
      if (from === null || l.date < from) from = l.date;
      if (thru === null || l.date > thru) thru = l.date;
    }
    c.lines.forEach((l, i) => {
      this.counts.claimLines++;
      const v = claimLine(this.x12File, ++this.line, 'X12_837P', c.claimId, m.memberId ?? '');
      v.memberIdType = 'PAYER_MEMBER_ID';
      v.claimLineNumber = i + 1;
      v.adjustmentTypeCode = '0';
      v.frequencyCode = '1';
      v.fromDate = from;
      v.thruDate = thru;
      v.serviceFromDate = l.date;
      v.placeOfService = c.lines[0]?.pos ?? '11';
      v.procedureCode = l.code.code.toUpperCase();
      v.diagnosisCodes = [...new Set(l.dxPointers.length > 0 ? l.dxPointers.map((p) => dx[p - 1]!) : dx)];
      v.renderingNpi = c.provider.npi;
      v.billingNpi = c.provider.ours ? OUR_BILLING_NPI : c.provider.npi;
      v.billingTin = c.provider.tin;
      v.providerSpecialtyCode = c.provider.taxonomy;
      out.push(this.ev(personId, rec, 'CLAIM_LINE', CLAIMS, this.delivered, v));
    });
  }

  /** Hospice: CCLF1 header (claim type 50, principal dx), CCLF2 revenue line (Q5001), CCLF4 dx. */
  private hospice(
    m: SynthMember,
    c: HospiceClaim,
    personId: string,
    rec: string,
    out: DecodedPersonEvent[],
  ): void {
    const dx = c.dx.map((d) => icd10(d.code));
    const mbi = m.mbi ?? '';
    const h = claimLine(this.cclf1File, ++this.line, 'CCLF1', c.claimId, mbi);
    h.claimControlNumber = `CN${c.claimId}`;
    h.claimTypeCode = '50';
    h.adjustmentTypeCode = '0';
    h.claimEffectiveDate = plusDays(c.thru, 10);
    h.fromDate = c.from;
    h.thruDate = c.thru;
    h.diagnosisCodes = dx.slice(0, 1);
    h.paidAmount = money(c.payment);
    out.push(this.ev(personId, rec, 'CLAIM_LINE', CLAIMS, this.delivered, h));
    const l = claimLine(this.cclf2File, ++this.line, 'CCLF2', c.claimId, mbi);
    l.claimLineNumber = 1;
    l.claimTypeCode = '50';
    l.fromDate = c.from;
    l.thruDate = c.thru;
    l.serviceFromDate = c.from;
    l.serviceThruDate = c.thru;
    l.revenueCode = '0651';
    l.procedureCode = 'Q5001';
    l.paidAmount = money(c.payment);
    out.push(this.ev(personId, rec, 'CLAIM_LINE', CLAIMS, this.delivered, l));
    for (const code of dx) {
      const d = claimLine(this.cclf4File, ++this.line, 'CCLF4', c.claimId, mbi);
      d.claimTypeCode = '50';
      d.fromDate = c.from;
      d.thruDate = c.thru;
      d.diagnosisCodes = [code];
      out.push(this.ev(personId, rec, 'CLAIM_LINE', CLAIMS, this.delivered, d));
    }
    this.counts.claimLines += 2 + dx.length;
  }
}
