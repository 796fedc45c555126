/** Hand-written HL7 fixtures (made-up people and ids) for the normalizer's unit tests. */
import {
  feedProfiles,
  feedProfileSchema,
  type FeedProfiles,
} from '../../processors/normalize/feed-profile.ts';

export const msg = (...segments: string[]): string => segments.join('\r') + '\r';

/** One segment from field number -> value (HL7 numbering; for MSH pass the fields from MSH-3 on). */
export function seg(name: string, fields: Record<number, string>): string {
  const max = Math.max(...Object.keys(fields).map(Number));
  const out: string[] = [name];
  for (let i = 1; i <= max; i++) out.push(fields[i] ?? '');
  return out.join('|');
}

/** Profiles: the default plus a clinic in Chicago with local lab codes and member id in IN1-36. */
export function testProfiles(): FeedProfiles {
  return feedProfiles([
    feedProfileSchema.parse({ id: 'default', match: { default: true }, timeZone: 'UTC', mrn: {} }),
    feedProfileSchema.parse({
      id: 'lakeside',
      match: { sendingFacility: 'LAKESIDE' },
      timeZone: 'America/Chicago',
      mrn: { identifierTypes: ['MR'], assigningAuthorities: ['LAKESIDE'], fallback: 'reject' },
      memberId: { location: 'IN1-36' },
      codeMaps: { observations: { '99LK:GLU': '2345-7' }, units: { 'mg/dl': 'mg/dL' } },
    }),
  ]);
}

export const ADT_A08_DELETE = msg(
  'MSH|^~\\&|EHR|LAKESIDE|GS|ACO|20240301120000||ADT^A08^ADT_A01|CTL-A08-1|P|2.5.1',
  'EVN|A08|20240301115900',
  seg('PID', {
    1: '1',
    3: '900001^^^LAKESIDE^MR~1AB2CD3EF45^^^CMS^MB',
    5: 'TESTER^PAT^""',
    7: '19700215',
    8: '""',
    11: '^^^^""',
    13: '""',
    29: '""',
    30: '""',
  }),
  seg('PV1', {
    1: '1',
    2: 'O',
    3: 'CLINIC^101^A^LAKESIDE',
    7: '1234567893^WELBY^MARCUS^^^^^^NPI^^^^NPI',
    19: 'V1001',
    44: '20240301110000',
  }),
);

export const ADT_A04_FULL = msg(
  'MSH|^~\\&|EHR|LAKESIDE|GS|ACO|20240301120000-0600||ADT^A04^ADT_A01|CTL-A04-1|P|2.5.1',
  'EVN|A04|20240301115900-0600||||20240301113000',
  'PID|1||900002^^^LAKESIDE^MR||SAMPLE^ALEX^J||19851231|F|||1 ELM ST^^SPRINGFIELD^IL^62704||(217)555-0101',
  seg('PV1', {
    1: '1',
    2: 'O',
    3: 'CLINIC^101',
    7: '9999999999^NOBODY~1234567893^WELBY^MARCUS',
    19: 'V2002',
  }),
  seg('DG1', {
    1: '1',
    3: 'e11.9^Type 2 diabetes mellitus without complications^I10',
    5: '20240301',
    6: 'F',
    15: '1',
  }),
  'DG1|2||I10^Essential hypertension^ICD-10-CM||20240301|W',
  'DG1|3||250.00^Diabetes^I9||20240301|F',
  'PR1|1||99214^Office visit^C4||20240301113000',
  seg('IN1', {
    1: '1',
    2: 'MAPD01^Medicare Advantage',
    3: 'PAYER9^^^^NI',
    4: 'Example Health Plan',
    8: 'GRP77',
    12: '20240101',
    13: '20241231',
    15: 'HMO',
    36: 'POL-123456',
    49: 'MEMB-IN1-49',
  }),
);

export const ORU_MULTI = msg(
  'MSH|^~\\&|LIS|LAKESIDE|GS|ACO|20240302080000||ORU^R01^ORU_R01|CTL-ORU-1|P|2.5.1',
  'PID|1||900003^^^LAKESIDE^MR||ONE^PATIENT',
  'ORC|RE||F-100',
  'OBR|1|P-100||4548-4^HbA1c^LN|||20240302073000',
  'OBX|1|NM|4548-4^Hemoglobin A1c^LN||7.2|%|4.0-5.6|H|||F|||20240302074500',
  'OBX|2|NM|GLU^Glucose^99LK||130|mg/dl|70-99|H|||F',
  'OBX|3|SN|2160-0^Creatinine^LN||<^0.5|mg/dL||L|||F',
  'OBX|4|SN|8480-6^BP^LN||^120^/^80|mm[Hg]|||||F',
  'OBX|5|CWE|5778-6^Color of Urine^LN||YEL^Yellow^99LK||||||P',
  'OBX|6|DT|21112-8^Birth date^LN||20240101||||||F',
  'OBX|7|TX|11529-5^Surgical path report^LN||Line one~Line \\T\\ two||||||F',
  'OBX|8|ST|LOCAL1^Odd local test^99LK||abc||||||F',
  'OBX|9|NM|4548-4^Hemoglobin A1c^LN||x7|%',
  'PID|2||900004^^^LAKESIDE^MR||TWO^PATIENT',
  'OBR|1||F-200|24331-1^Lipid panel^LN|||20240302070000-0500',
  'OBX|1|NM|13457-7^LDL^LN||99|mg/dL||N|||C|||',
  'OBX|2|NM|13457-7^LDL^LN|2|101|mg/dL||N|||X',
);
