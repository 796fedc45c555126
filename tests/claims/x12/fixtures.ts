/**
 * Hand-written X12 837 5010 fixtures. Every person, provider and number here is made up by this
 * project (NPIs are synthetic numbers with a valid check digit; the MBI is the format example
 * from CMS "Understanding the MBI"). Builders compute SE/GE/IEA counts so tests can break one
 * count at a time.
 */

export interface Seps {
  element: string;
  component: string;
  repetition: string;
  segment: string;
  /** Written after each terminator (CR/LF is optional in X12). */
  eol: string;
}

export const STD: Seps = { element: '*', component: ':', repetition: '^', segment: '~', eol: '\n' };

export const NPI = {
  billing: '1123456786',
  rendering: '1123456794',
  lineRendering: '1123456802',
  attending: '1123456810',
  billing2: '1234567893',
} as const;

/** Transaction body (between ST and SE), written with `*` and `:`; builders swap separators. */
export const P_BODY: string[] = [
  'BHT*0019*00*BATCH1*20240110*1200*CH',
  'NM1*41*2*TEST CLEARINGHOUSE*****46*S123',
  'PER*IC*CONTACT*TE*5555550100',
  'NM1*40*2*TEST PAYER*****46*P456',
  'HL*1**20*1',
  'NM1*85*2*MAPLE FAMILY MEDICINE*****XX*' + NPI.billing,
  'N3*1 TEST WAY',
  'N4*SPRINGFIELD*IL*62701',
  'REF*EI*12-3456789',
  // Subscriber 1: Medicare Part B (SBR09 MB), MBI
  'HL*2*1*22*0',
  'SBR*P*18*******MB',
  'NM1*IL*1*TESTPERSON*ALICE****MI*1EG4TE5MK73',
  'DMG*D8*19500214*F',
  'NM1*PR*2*MEDICARE PART B*****PI*00000',
  'CLM*PCN-001*150.00***11:B:1*Y*A*Y*Y',
  'HI*ABK:E11.9*ABF:i10*ABF:Z0000',
  'NM1*82*1*DOCTOR*DANA****XX*' + NPI.rendering,
  'LX*1',
  'SV1*HC:99214:25*100.00*UN*1***1:2',
  'DTP*472*D8*20240105',
  'LX*2',
  'SV1*HC:3074F*0.00*UN*1*22**3:1',
  'DTP*472*RD8*20240105-20240106',
  'LX*3',
  'SV1*HC:83036:qw:91*50.00*UN*1***1',
  'DTP*472*D8*20240107',
  'NM1*82*1*OTHER*DOC****XX*' + NPI.lineRendering,
  // Subscriber 2 (commercial), patient 2000C is a dependent; replacement claim
  'HL*3*1*22*1',
  'SBR*P*18*GROUP1******CI',
  'NM1*IL*1*TESTPERSON*BOB****MI*W123456789',
  'DMG*D8*19800101*M',
  'NM1*PR*2*TEST HEALTH PLAN*****PI*12345',
  'HL*4*3*23*0',
  'PAT*19',
  'NM1*QC*1*TESTPERSON*CARL',
  'DMG*D8*20100601*M',
  'CLM*PCN-002*80***11:B:7*Y*A*Y*Y',
  'REF*F8*PAYERCCN0002',
  'HI*ABK:J069',
  'LX*1',
  'SV1*HC:99213*80*UN*1***1',
  'DTP*472*D8*20240201',
  // Void of an earlier claim, same subscriber loop
  'CLM*PCN-003*80***11:B:8*Y*A*Y*Y',
  'REF*F8*PAYERCCN0003',
  'HI*ABK:J069',
  'LX*1',
  'SV1*HC:99213*80*UN*1***1',
  'DTP*472*D8*20240202',
];

/** 837I (005010X223A2) body: statement dates, ICD-10-PCS, attending, SV2 lines. */
export const I_BODY: string[] = [
  'BHT*0019*00*BATCH2*20240110*1200*CH',
  'NM1*41*2*TEST CLEARINGHOUSE*****46*S123',
  'NM1*40*2*TEST PAYER*****46*P456',
  'HL*1**20*1',
  'NM1*85*2*RIVERSIDE TEST HOSPITAL*****XX*' + NPI.billing2,
  'N3*2 TEST ROAD',
  'N4*SPRINGFIELD*IL*62701',
  'REF*EI*987654321',
  'HL*2*1*22*0',
  'SBR*P*18*******CI',
  'NM1*IL*1*TESTPERSON*DORA****MI*H987654321',
  'DMG*D8*19700305*F',
  'NM1*PR*2*TEST HEALTH PLAN*****PI*12345',
  'CLM*INST-001*1500.50***13:A:1**A*Y*Y',
  'DTP*434*RD8*20240301-20240303',
  'CL1*1*7*30',
  'HI*ABK:N390*ABF:E1165',
  'HI*BBR:0T9B70Z:D8:20240301*BBQ:BW03ZZZ:D8:20240302',
  'NM1*71*1*ATTENDING*ANN****XX*' + NPI.attending,
  // 2320 other subscriber: its NM1*IL must not replace the member id
  'SBR*S*01*******CI',
  'OI***Y***Y',
  'NM1*IL*1*TESTPERSON*OTHER****MI*OTHERID1',
  'NM1*PR*2*OTHER PLAN*****PI*54321',
  'LX*1',
  'SV2*0300*HC:81001:90*73.42*UN*1',
  'DTP*472*D8*20240301',
  'LX*2',
  'SV2*0450**1427.08*UN*1',
];

export interface TxnSpec {
  body: string[];
  version?: string;
  set?: string;
  control?: string;
  /** Override SE01 (segment count). */
  seCount?: number;
  seControl?: string;
}

export interface FileSpec {
  txns: TxnSpec[];
  seps?: Seps;
  geCount?: number;
  ieaCount?: number;
  /** Leave out GE and IEA (file cut off). */
  noTrailer?: 'IEA' | 'GE+IEA';
  gsVersion?: string;
}

/** Build a one-interchange, one-group X12 file. */
export function buildX12(spec: FileSpec): string {
  const s = spec.seps ?? STD;
  const conv = (seg: string): string =>
    seg
      .replaceAll('*', '\u0001')
      .replaceAll(':', '\u0002')
      .replaceAll('\u0001', s.element)
      .replaceAll('\u0002', s.component);
  const isa = [
    'ISA',
    '00',
    '          ',
    '00',
    '          ',
    'ZZ',
    'SUBMITTER      ',
    'ZZ',
    'RECEIVER       ',
    '240110',
    '1200',
    s.repetition,
    '00501',
    '000000101',
    '0',
    'T',
    s.component,
  ].join(s.element);
  const segs: string[] = [isa];
  const version = spec.gsVersion ?? spec.txns[0]?.version ?? '005010X222A1';
  segs.push(conv(`GS*HC*SUBMITTER*RECEIVER*20240110*1200*101*X*${version}`));
  spec.txns.forEach((t, i) => {
    const control = t.control ?? String(i + 1).padStart(4, '0');
    const st = conv(`ST*${t.set ?? '837'}*${control}*${t.version ?? '005010X222A1'}`);
    const body = t.body.map(conv);
    const count = t.seCount ?? body.length + 2;
    segs.push(st, ...body, conv(`SE*${count}*${t.seControl ?? control}`));
  });
  if (spec.noTrailer !== 'GE+IEA') segs.push(conv(`GE*${spec.geCount ?? spec.txns.length}*101`));
  if (!spec.noTrailer) segs.push(conv(`IEA*${spec.ieaCount ?? 1}*000000101`));
  return segs.map((x) => x + s.segment + s.eol).join('');
}
