/**
 * A member's records as flat events (types.ts): what each claim line, HL7 segment, roster line
 * and CCLF8 row stands for, with codes normalized the way the parsers and the normalizer write
 * them (ICD-10 without the dot, CPT II and HCPCS by shape). Benchmarks use these to drive the
 * engine without files.
 */
import type { CodeSystem, EncounterSetting } from '../../processors/contracts/types.ts';
import { PRIMARY_CARE_CODES } from './codes.ts';
import { MSSP_CONTRACT } from './contracts.ts';
import type { Hl7Record, SynthEvent, SynthMember } from './types.ts';

/** CPT (digits, or four digits + F for CPT II) versus HCPCS level II (a letter first). */
export function procedureSystem(code: string): 'CPT' | 'HCPCS' {
  return /^[A-Z]/.test(code) ? 'HCPCS' : 'CPT';
}

/** ICD-10-CM as claims carry it: upper case, no dot. */
export function icd10(code: string): string {
  return code.replace('.', '').toUpperCase();
}

function posSetting(pos: string): EncounterSetting {
  return pos === '23' ? 'emergency' : pos === '21' ? 'inpatient' : 'ambulatory';
}

function hl7Events(r: Hl7Record, out: SynthEvent[]): void {
  const ref = r.controlId;
  if (r.trigger !== 'ORU^R01')
    out.push({
      kind: 'demographics',
      source: 'hl7',
      birthDate: r.demo.birthDate,
      sex: r.demo.sex,
      deathDate: r.deathDate,
      ref,
    });
  let setting: EncounterSetting | null = null;
  if (r.visit !== null && r.trigger !== 'ORU^R01') {
    setting = r.visit.patientClass === 'E' ? 'emergency' : 'ambulatory';
    out.push({
      kind: 'code',
      source: 'hl7',
      system: 'PATIENTCLASS',
      code: r.visit.patientClass,
      date: r.visit.date,
      end: null,
      setting,
      ref,
    });
  }
  for (const d of r.diagnoses)
    out.push({
      kind: 'code',
      source: 'hl7',
      system: 'ICD10CM',
      code: icd10(d.code.code),
      date: d.date,
      end: null,
      setting,
      ref,
    });
  for (const p of r.procedures)
    out.push({
      kind: 'code',
      source: 'hl7',
      system: p.system === 'C4' ? 'CPT' : 'HCPCS',
      code: p.code.code,
      date: p.date,
      end: null,
      setting,
      ref,
    });
  const recordedAt = `${r.date}T${r.time.slice(0, 2)}:${r.time.slice(2)}`;
  for (const o of r.orders) {
    // The normalizer emits a PROCEDURE for orders of the profile's procedure sections (RAD, MG).
    if (o.section === 'MG' || o.section === 'RAD')
      out.push({
        kind: 'code',
        source: 'hl7',
        system: 'LOINC',
        code: o.service.code,
        date: o.date,
        end: null,
        setting: null,
        ref,
      });
    for (const x of o.results) {
      if (x.code.code === '18782-3') continue; // the narrative report of an imaging order
      out.push({
        kind: 'result',
        source: 'hl7',
        system: 'LOINC',
        code: x.code.code,
        date: o.date,
        value: x.valueType === 'NM' && x.value !== null ? Number(x.value) : null,
        text: x.valueType !== 'NM' ? x.value : null,
        status: x.status === 'C' ? 'corrected' : 'final',
        recordedAt,
        key: `${o.filler}|${x.code.code}`,
        ref,
      });
    }
  }
}

/** The events a member's records stand for, in record order. */
export function eventsOf(m: SynthMember): SynthEvent[] {
  const out: SynthEvent[] = [];
  const medicare = m.contractId === MSSP_CONTRACT;
  for (const r of m.records) {
    switch (r.type) {
      case 'cclf8':
        out.push({
          kind: 'demographics',
          source: 'claims',
          birthDate: r.demo.birthDate,
          sex: r.demo.sex,
          deathDate: r.deathDate,
          ref: `CCLF8:${m.mbi ?? ''}`,
        });
        break;
      case 'roster':
        out.push({
          kind: 'enrollment',
          source: 'roster',
          start: r.effective,
          end: r.term,
          pcpNpi: r.pcp.npi,
          pcpTin: r.pcp.tin,
          ref: `ROSTER:${m.memberId ?? ''}`,
        });
        out.push({
          kind: 'demographics',
          source: 'roster',
          birthDate: r.demo.birthDate,
          sex: r.demo.sex,
          deathDate: null,
          ref: `ROSTER:${m.memberId ?? ''}`,
        });
        break;
      case 'claim':
        if (r.kind === 'hospice') {
          out.push({
            kind: 'code',
            source: 'claims',
            system: 'CLAIMTYPE',
            code: '50',
            date: r.from,
            end: r.thru,
            setting: 'other',
            ref: r.claimId,
          });
          for (const d of r.dx)
            out.push({
              kind: 'code',
              source: 'claims',
              system: 'ICD10CM',
              code: icd10(d.code),
              date: r.from,
              end: r.thru,
              setting: 'other',
              ref: r.claimId,
            });
          break;
        }
        r.lines.forEach((l, i) => {
          const ref = `${r.claimId}#${i + 1}`;
          const setting = posSetting(l.pos);
          const system: CodeSystem = procedureSystem(l.code.code);
          out.push({
            kind: 'code',
            source: 'claims',
            system,
            code: l.code.code,
            date: l.date,
            end: null,
            setting,
            ref,
          });
          if (i === 0)
            out.push({
              kind: 'code',
              source: 'claims',
              system: 'POS',
              code: l.pos,
              date: l.date,
              end: null,
              setting,
              ref,
            });
          if (PRIMARY_CARE_CODES.has(l.code.code))
            out.push({
              kind: 'visit',
              source: 'claims',
              system: procedureSystem(l.code.code),
              code: l.code.code,
              date: l.date,
              npi: r.provider.npi,
              tin: r.provider.tin,
              specialty: medicare ? r.provider.specialty : null,
              amount: medicare ? l.allowed : 0,
              ref,
            });
        });
        for (const d of r.dx)
          out.push({
            kind: 'code',
            source: 'claims',
            system: 'ICD10CM',
            code: icd10(d.code),
            date: r.from,
            end: null,
            setting: posSetting(r.lines[0]?.pos ?? '11'),
            ref: r.claimId,
          });
        break;
      case 'hl7':
        hl7Events(r, out);
        break;
    }
  }
  return out;
}
