/**
 * X12 837P 5010 (005010X222A1) for Example Health's claims, as producers/claims/x12 reads them
 * (docs/claims-x12.md; domain-facts.md §3.3): one interchange per file, transaction sets of at
 * most 1,000 claims, each claim with its own billing-provider (HL 20) and subscriber (HL 22)
 * loops. Separators `*`, `:`, `^`, `~` and a newline after each segment.
 */
import { compact } from './dates.ts';
import { icd10 } from './events.ts';
import { nameCase } from './person.ts';
import { OUR_BILLING_NPI } from './providers.ts';
import type { ProfessionalClaim, SynthMember } from './types.ts';

/** Claims per ST..SE (the 837 TR3 recommends at most 5,000). */
export const CLAIMS_PER_TRANSACTION = 1000;

const PAYER_ID = 'EXH01';

/** X12 text may not contain the separators: replace them (names and streets never need them). */
function x(s: string): string {
  return s.replace(/[*:~^]/g, ' ').toUpperCase();
}

function money(n: number): string {
  return n.toFixed(2);
}

/** Writes one 837P file incrementally; `claim` returns text, `end` the trailers. */
export class X12File {
  private segmentsInSt = 0;
  private claimsInSt = 0;
  private stCount = 0;
  private hl = 0;
  private readonly date8: string;
  private readonly date6: string;

  constructor(
    private readonly control: number,
    asOf: string,
  ) {
    this.date8 = compact(asOf);
    this.date6 = this.date8.slice(2);
  }

  private s(text: string): string {
    this.segmentsInSt++;
    return text + '~\n';
  }

  /** ISA and GS. */
  begin(): string {
    const ctl = String(this.control).padStart(9, '0');
    return (
      `ISA*00*          *00*          *ZZ*${'EXHPLAN'.padEnd(15)}*ZZ*${'NORTHCLINIC'.padEnd(15)}*${this.date6}*1200*^*00501*${ctl}*0*P*:~\n` +
      `GS*HC*EXHPLAN*NORTHCLINIC*${this.date8}*1200*${this.control}*X*005010X222A1~\n`
    );
  }

  private openSt(): string {
    this.stCount++;
    this.segmentsInSt = 0;
    this.claimsInSt = 0;
    this.hl = 0;
    const st = String(this.stCount).padStart(4, '0');
    return (
      this.s(`ST*837*${st}*005010X222A1`) +
      this.s(`BHT*0019*00*EXH${this.control}-${st}*${this.date8}*1200*CH`) +
      this.s(`NM1*41*2*EXAMPLE HEALTH PLAN*****46*${PAYER_ID}`) +
      this.s('PER*IC*CLAIMS DATA*TE*8005550100') +
      this.s('NM1*40*2*NORTH CLINIC MEDICAL GROUP*****46*NCMG01')
    );
  }

  private closeSt(): string {
    const st = String(this.stCount).padStart(4, '0');
    return `SE*${this.segmentsInSt + 1}*${st}~\n`;
  }

  /** The segments of one claim (opening or rolling over a transaction set as needed). */
  claim(m: SynthMember, c: ProfessionalClaim): string {
    let out = '';
    if (this.claimsInSt === CLAIMS_PER_TRANSACTION) out += this.closeSt();
    if (this.stCount === 0 || this.claimsInSt === CLAIMS_PER_TRANSACTION) out += this.openSt();
    this.claimsInSt++;
    const p = c.provider;
    const billingNpi = p.ours ? OUR_BILLING_NPI : p.npi;
    const billing = this.hl + 1;
    const subscriber = this.hl + 2;
    this.hl += 2;
    out += this.s(`HL*${billing}**20*1`);
    out += this.s(`NM1*85*2*${x(p.practice)}*****XX*${billingNpi}`);
    out += this.s(p.ours ? 'N3*100 N LAKE ST' : 'N3*2500 W PRACTICE DR');
    out += this.s('N4*CHICAGO*IL*60601');
    out += this.s(`REF*EI*${p.tin}`);
    out += this.s(`HL*${subscriber}*${billing}*22*0`);
    const d = m.person;
    out += this.s(`SBR*P*18*G${(m.memberId ?? '').slice(-4)}******CI`);
    out += this.s(
      `NM1*IL*1*${x(d.family)}*${x(nameCase(d.given, 'upper'))}*${d.middle === null ? '' : x(d.middle.charAt(0))}***MI*${m.memberId ?? ''}`,
    );
    out += this.s(`N3*${x(d.street)}`);
    out += this.s(`N4*${x(d.city)}*${d.state}*${d.postalCode}`);
    out += this.s(`DMG*D8*${compact(d.birthDate)}*${d.sex}`);
    out += this.s(`NM1*PR*2*EXAMPLE HEALTH PLAN*****PI*${PAYER_ID}`);
    const total = c.lines.reduce((a, l) => a + l.charge, 0);
    out += this.s(`CLM*${c.claimId}*${money(total)}***${c.lines[0]?.pos ?? '11'}:B:1*Y*A*Y*Y`);
    out += this.s('HI*' + c.dx.map((dx, i) => `${i === 0 ? 'ABK' : 'ABF'}:${icd10(dx.code)}`).join('*'));
    out += this.s(`NM1*82*1*${x(p.family)}*${x(p.given)}****XX*${p.npi}`);
    out += this.s(`PRV*PE*PXC*${p.taxonomy}`);
    c.lines.forEach((l, i) => {
      out += this.s(`LX*${i + 1}`);
      out += this.s(`SV1*HC:${l.code.code}*${money(l.charge)}*UN*1***${l.dxPointers.join(':')}`);
      out += this.s(`DTP*472*D8*${compact(l.date)}`);
    });
    return out;
  }

  /** SE, GE and IEA. */
  end(): string {
    const ctl = String(this.control).padStart(9, '0');
    return (this.stCount > 0 ? this.closeSt() : '') + `GE*${this.stCount}*${this.control}~\nIEA*1*${ctl}~\n`;
  }
}
