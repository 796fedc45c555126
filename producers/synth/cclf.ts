/**
 * CMS CCLF fixed-width records (CCLF IP v36 layouts, producers/claims/cclf/layouts.ts): Part B
 * physician lines (CCLF5), hospice claims as Part A header, revenue line and diagnoses (CCLF1,
 * CCLF2, CCLF4: claim type 50), and beneficiary demographics (CCLF8).
 */
import { CCLF_LAYOUTS, type CclfKind } from '../claims/cclf/layouts.ts';
import { ageOn, day, iso } from './dates.ts';
import { icd10 } from './events.ts';
import { HOSPICE, HOSPICE_CCN } from './providers.ts';
import type { Cclf8Record, HospiceClaim, ProfessionalClaim, SynthMember } from './types.ts';

/** The CCLF kinds this generator writes. */
export const CCLF_WRITTEN = ['CCLF1', 'CCLF2', 'CCLF4', 'CCLF5', 'CCLF8'] as const;
export type CclfWritten = (typeof CCLF_WRITTEN)[number];

/** ACO id in the file names (MSSP ids are A + 4 digits). */
export const ACO_ID = 'A1234';

/** CMS name of a CCLF file: `P.A1234.ACO.ZC5Y26.D261125.T1200000` (CCLF IP §3, detect.ts). */
export function cclfFileName(kind: CclfWritten, year: number, delivered: string): string {
  const n = kind.slice(4);
  const yy = String(year % 100).padStart(2, '0');
  const d = delivered.slice(2, 4) + delivered.slice(5, 7) + delivered.slice(8, 10);
  return `P.${ACO_ID}.ACO.ZC${n}Y${yy}.D${d}.T1200000`;
}

interface Slot {
  start: number;
  length: number;
  right: boolean;
}

/** A reusable record buffer of one layout: fill with blanks, place values, read the text. */
class RecordBuffer {
  private readonly buf: Buffer;
  private readonly slots: ReadonlyMap<string, Slot>;

  constructor(readonly kind: CclfKind) {
    const layout = CCLF_LAYOUTS[kind];
    this.buf = Buffer.alloc(layout.length, 0x20);
    this.slots = new Map(
      layout.fields.map((f) => [
        f.name,
        { start: f.start - 1, length: f.length, right: f.type === 'amount' || f.type === 'decimal' },
      ]),
    );
  }

  begin(): this {
    this.buf.fill(0x20);
    return this;
  }

  set(name: string, value: string): this {
    const f = this.slots.get(name);
    if (f === undefined) throw new Error(`synth: ${this.kind} has no field ${name}`);
    if (value.length > f.length)
      throw new Error(`synth: ${this.kind}.${name} value is longer than ${f.length}`);
    this.buf.write(value, f.right ? f.start + f.length - value.length : f.start, 'latin1');
    return this;
  }

  setAll(values: Readonly<Record<string, string>>): this {
    for (const k in values) this.set(k, values[k]!);
    return this;
  }

  text(): string {
    return this.buf.toString('latin1');
  }
}

const BUFFERS = new Map<CclfKind, RecordBuffer>();

function buffer(kind: CclfKind): RecordBuffer {
  let b = BUFFERS.get(kind);
  if (b === undefined) BUFFERS.set(kind, (b = new RecordBuffer(kind)));
  return b.begin();
}

/**
 * One record: each given field at its position, left-justified (amounts and quantities
 * right-justified, as COBOL writes them), the rest blank; the full v36 length.
 */
export function cclfRecord(kind: CclfKind, values: Readonly<Record<string, string>>): string {
  return buffer(kind).setAll(values).text();
}

/** COBOL `-9(n).99` money, zero-filled to the field width. */
function amount(x: number, width: number): string {
  return x.toFixed(2).padStart(width, '0');
}

function plusDays(isoDate: string, n: number): string {
  return iso(day(isoDate) + n);
}

/** CCLF5 lines of one professional claim. */
export function cclf5Lines(m: SynthMember, c: ProfessionalClaim): string[] {
  const dx = c.dx.map((d) => icd10(d.code));
  const base: Record<string, string> = {
    CUR_CLM_UNIQ_ID: c.claimId,
    BENE_MBI_ID: m.mbi ?? '',
    CLM_TYPE_CD: '71',
    CLM_FROM_DT: c.from,
    CLM_THRU_DT: c.thru,
    RNDRG_PRVDR_TYPE_CD: '1',
    RNDRG_PRVDR_FIPS_ST_CD: '14',
    CLM_PRVDR_SPCLTY_CD: c.provider.specialty,
    CLM_FED_TYPE_SRVC_CD: '1',
    CLM_RNDRG_PRVDR_TAX_NUM: c.provider.tin,
    RNDRG_PRVDR_NPI_NUM: c.provider.npi,
    CLM_CARR_PMT_DNL_CD: '1',
    CLM_PRCSG_IND_CD: 'A',
    CLM_ADJSMT_TYPE_CD: '00',
    CLM_EFCTV_DT: plusDays(c.from, 14),
    CLM_IDR_LD_DT: plusDays(c.from, 20),
    CLM_CNTL_NUM: `CN${c.claimId}`,
    CLM_DISP_CD: '01',
    DGNS_PRCDR_ICD_IND: '0',
    CLM_RNDRG_PRVDR_NPI_NUM: c.provider.npi,
    CLM_CNTRCTR_NUM: '06102',
  };
  dx.forEach((code, i) => (base[`CLM_DGNS_${i + 1}_CD`] = code));
  return c.lines.map((l, i) =>
    buffer('CCLF5')
      .setAll(base)
      .set('CLM_LINE_NUM', String(i + 1))
      .set('CLM_POS_CD', l.pos)
      .set('CLM_LINE_FROM_DT', l.date)
      .set('CLM_LINE_THRU_DT', l.date)
      .set('CLM_LINE_HCPCS_CD', l.code.code)
      .set('CLM_LINE_CVRD_PD_AMT', amount(l.allowed * 0.8, 15))
      .set('CLM_LINE_DGNS_CD', dx[(l.dxPointers[0] ?? 1) - 1] ?? '')
      .set('CLM_LINE_ALOWD_CHRG_AMT', amount(l.allowed, 17))
      .set('CLM_LINE_SRVC_UNIT_QTY', '1.0000')
      .text(),
  );
}

/** CCLF1 header, CCLF2 revenue line and CCLF4 diagnoses of a hospice claim (claim type 50). */
export function hospiceRecords(
  m: SynthMember,
  c: HospiceClaim,
): { cclf1: string; cclf2: string; cclf4: string[] } {
  const dx = c.dx.map((d) => icd10(d.code));
  const first = c.from === m.records.find((r) => r.type === 'claim' && r.kind === 'hospice')?.from;
  const cclf1 = cclfRecord('CCLF1', {
    CUR_CLM_UNIQ_ID: c.claimId,
    PRVDR_OSCAR_NUM: HOSPICE_CCN,
    BENE_MBI_ID: m.mbi ?? '',
    CLM_TYPE_CD: '50',
    CLM_FROM_DT: c.from,
    CLM_THRU_DT: c.thru,
    // Bill type 81x: hospice, non-hospital based.
    CLM_BILL_FAC_TYPE_CD: '8',
    CLM_BILL_CLSFCTN_CD: '1',
    PRNCPL_DGNS_CD: dx[0] ?? '',
    CLM_PMT_AMT: amount(c.payment, 17),
    PRVDR_FAC_FIPS_ST_CD: '14',
    BENE_PTNT_STUS_CD: '30',
    FAC_PRVDR_NPI_NUM: HOSPICE.npi,
    ATNDG_PRVDR_NPI_NUM: HOSPICE.npi,
    CLM_ADJSMT_TYPE_CD: '00',
    CLM_EFCTV_DT: plusDays(c.thru, 10),
    CLM_IDR_LD_DT: plusDays(c.thru, 14),
    CLM_BILL_FREQ_CD: first ? '2' : '3',
    DGNS_PRCDR_ICD_IND: '0',
    CLM_MDCR_INSTNL_TOT_CHRG_AMT: amount(c.payment * 1.15, 15),
    CLM_BLG_PRVDR_OSCAR_NUM: HOSPICE_CCN,
    CLM_BLG_PRVDR_NPI_NUM: HOSPICE.npi,
    CLM_CNTL_NUM: `CN${c.claimId}`,
    CLM_CNTRCTR_NUM: '06014',
  });
  const cclf2 = cclfRecord('CCLF2', {
    CUR_CLM_UNIQ_ID: c.claimId,
    CLM_LINE_NUM: '1',
    BENE_MBI_ID: m.mbi ?? '',
    CLM_TYPE_CD: '50',
    CLM_LINE_FROM_DT: c.from,
    CLM_LINE_THRU_DT: c.thru,
    // Revenue center 0651: routine home care; Q5001: hospice care in the patient's home.
    CLM_LINE_PROD_REV_CTR_CD: '0651',
    CLM_LINE_INSTNL_REV_CTR_DT: c.from,
    CLM_LINE_HCPCS_CD: 'Q5001',
    PRVDR_OSCAR_NUM: HOSPICE_CCN,
    CLM_FROM_DT: c.from,
    CLM_THRU_DT: c.thru,
    CLM_LINE_SRVC_UNIT_QTY: `${c.days}.0000`,
    CLM_LINE_CVRD_PD_AMT: amount(c.payment, 17),
    CLM_FAC_PRVDR_OSCAR_NUM: HOSPICE_CCN,
  });
  const cclf4 = dx.map((code, i) =>
    cclfRecord('CCLF4', {
      CUR_CLM_UNIQ_ID: c.claimId,
      BENE_MBI_ID: m.mbi ?? '',
      CLM_TYPE_CD: '50',
      CLM_PROD_TYPE_CD: i === 0 ? 'P' : 'D',
      CLM_VAL_SQNC_NUM: String(i + 1),
      CLM_DGNS_CD: code,
      PRVDR_OSCAR_NUM: HOSPICE_CCN,
      CLM_FROM_DT: c.from,
      CLM_THRU_DT: c.thru,
      DGNS_PRCDR_ICD_IND: '0',
      CLM_BLG_PRVDR_OSCAR_NUM: HOSPICE_CCN,
    }),
  );
  return { cclf1, cclf2, cclf4 };
}

/** The CCLF8 row of a beneficiary (CMS writes names in upper case and has no phone). */
export function cclf8Record(m: SynthMember, r: Cclf8Record, delivered: string): string {
  const d = r.demo;
  return cclfRecord('CCLF8', {
    BENE_MBI_ID: m.mbi ?? '',
    BENE_ZIP_CD: d.postalCode,
    BENE_DOB: d.birthDate,
    BENE_SEX_CD: d.sex === 'M' ? '1' : '2',
    BENE_RACE_CD: '0',
    BENE_AGE: String(ageOn(d.birthDate, delivered)),
    BENE_MDCR_STUS_CD: r.medicareStatus,
    BENE_DUAL_STUS_CD: 'NA',
    BENE_DEATH_DT: r.deathDate ?? '',
    BENE_RNG_BGN_DT: r.hospice?.from ?? '',
    BENE_RNG_END_DT: r.hospice?.thru ?? '',
    BENE_1ST_NAME: (d.givenAsTyped ? d.given : d.given.toUpperCase()).slice(0, 30),
    BENE_MIDL_NAME: d.middle === null ? '' : d.middle.charAt(0).toUpperCase(),
    BENE_LAST_NAME: d.family.toUpperCase().slice(0, 40),
    BENE_ORGNL_ENTLMT_RSN_CD: r.medicareStatus.startsWith('2') ? '1' : '0',
    BENE_ENTLMT_BUYIN_IND: 'C',
    BENE_PART_A_ENRLMT_BGN_DT: r.partABegin,
    BENE_PART_B_ENRLMT_BGN_DT: r.partABegin,
    BENE_LINE_1_ADR: d.street.toUpperCase().slice(0, 45),
    BENE_LINE_2_ADR: (d.street2 ?? '').toUpperCase().slice(0, 45),
    GEO_ZIP_PLC_NAME: d.city.toUpperCase(),
    GEO_USPS_STATE_CD: d.state,
    GEO_ZIP5_CD: d.postalCode,
  });
}
