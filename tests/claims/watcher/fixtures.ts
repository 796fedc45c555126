/**
 * Synthetic claims deliveries for the watcher tests, built from the published layouts
 * (tests/claims/cclf/generate.ts) with made-up members: every record's content is known, so
 * tests assert what was published field by field.
 */
import { cclfRecord } from '../cclf/generate.ts';

/** A made-up MBI for member `i` (format-valid: 11 characters, digit first). */
export function mbi(i: number): string {
  return `1EG4TE5${String(i).padStart(4, '0')}`;
}

/** One CCLF5 line: claim `1000000000000 + i`, line 1, member mbi(i % members), paid `i`.00. */
export function cclf5Line(i: number, members = 10, over: Record<string, string> = {}): string {
  return cclfRecord('CCLF5', {
    CUR_CLM_UNIQ_ID: String(1_000_000_000_000 + i),
    CLM_LINE_NUM: '1',
    BENE_MBI_ID: mbi(i % members),
    CLM_TYPE_CD: '71',
    CLM_FROM_DT: '2024-03-01',
    CLM_THRU_DT: '2024-03-01',
    CLM_PRVDR_SPCLTY_CD: '08',
    CLM_POS_CD: '11',
    CLM_LINE_FROM_DT: '2024-03-01',
    CLM_LINE_THRU_DT: '2024-03-01',
    CLM_LINE_HCPCS_CD: '99214',
    CLM_LINE_CVRD_PD_AMT: `${i}.00`,
    ...over,
  });
}

/** A CCLF5 file body of `n` lines (lines 1..n are claims 1..n). */
export function cclf5File(n: number, members = 10): string {
  const out: string[] = [];
  for (let i = 1; i <= n; i++) out.push(cclf5Line(i, members));
  return out.join('\n') + '\n';
}

/** A CCLF9 crosswalk line: previous id → current id. */
export function cclf9Line(previous: string, current: string): string {
  return cclfRecord('CCLF9', {
    HICN_MBI_XREF_IND: 'M',
    CRNT_NUM: current,
    PRVS_NUM: previous,
    PRVS_ID_EFCTV_DT: '2019-01-01',
    PRVS_ID_OBSLT_DT: '2021-06-30',
  });
}

/** A |-separated CCLF0 summary declaring `counts` (file type → records). */
export function cclf0File(counts: Record<string, number>): string {
  const lengths: Record<string, number> = { CCLF5: 388, CCLF9: 55 };
  return (
    [
      'File Number  |File Description    |Total Records Count |Record Length',
      ...Object.entries(counts).map(([t, n]) => `${t}  |Claims file |  ${n}|  ${lengths[t] ?? 100}`),
    ].join('\n') + '\n'
  );
}

/** CMS-style names of one weekly delivery `d` (1..9) for ACO A1234. */
export function cmsName(kind: string, d = 1): string {
  return `P.A1234.ACO.Z${kind.replace('CCLF', 'C')}Y24.D24030${d}.T1200000`;
}

export const EXH_HEADER =
  'CLAIM_ID|LINE_NO|CLAIM_STATUS|MEMBER_ID|CLAIM_FROM|CLAIM_THRU|SVC_FROM|SVC_THRU|POS|CPT|MOD1|MOD2|MOD3|MOD4|DX1|DX2|DX3|DX4|DX5|DX6|DX7|DX8|DX9|DX10|DX11|DX12|REV_CD|RENDER_NPI|BILL_NPI|BILL_TIN|ALLOWED_AMT|PAID_AMT';

/** An Example Health Plan (payers/example-commercial-claims.yaml) extract of `n` rows with its trailer. */
export function exhFile(n: number, trailerCount = n): string {
  const rows: string[] = [EXH_HEADER];
  for (let i = 1; i <= n; i++)
    rows.push(
      [
        `EXC${i}`,
        '1',
        'O',
        `EXH${1000 + i}`,
        '03/04/2024',
        '03/04/2024',
        '03/04/2024',
        '03/04/2024',
        '11',
        '99214',
        '',
        '',
        '',
        '',
        'E119',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        '1234567893',
        '1987654320',
        '123456789',
        '12550',
        '10000',
      ].join('|'),
    );
  rows.push(`TRAILER|${trailerCount}`);
  return rows.join('\n') + '\n';
}
