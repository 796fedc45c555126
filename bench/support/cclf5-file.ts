/**
 * A generated CCLF5 file for the benchmarks (CCLF IP v36 layout, 388-byte records, varied claim
 * ids, members, dates, amounts and codes): 1,000 distinct templates repeated, so generation stays
 * fast and the parser sees variety.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { cclfRecord } from '../../tests/claims/cclf/generate.ts';

/** Writes an `n`-line CCLF5 file at `path` (1,000 varied templates, repeated). */
export async function writeCclf5File(path: string, n: number): Promise<void> {
  // 1,000 distinct templates, repeated: generation stays fast and the parser sees variety.
  const templates: string[] = [];
  const hcpcs = ['99213', '99214', '3074F', 'G0439', '77067', '82274'];
  const dx = ['E119', 'I10', 'Z0000', 'E785', 'J449'];
  for (let i = 0; i < 1000; i++) {
    const d = `2024-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`;
    templates.push(
      cclfRecord('CCLF5', {
        CUR_CLM_UNIQ_ID: String(1_000_000_000_000 + i),
        CLM_LINE_NUM: String((i % 5) + 1),
        BENE_MBI_ID: `1EG4TE5MK${String(i % 100).padStart(2, '0')}`,
        CLM_TYPE_CD: '71',
        CLM_FROM_DT: d,
        CLM_THRU_DT: d,
        CLM_PRVDR_SPCLTY_CD: '08',
        CLM_POS_CD: '11',
        CLM_LINE_FROM_DT: d,
        CLM_LINE_THRU_DT: d,
        CLM_LINE_HCPCS_CD: hcpcs[i % hcpcs.length]!,
        CLM_LINE_CVRD_PD_AMT: `${i % 7 === 0 ? '-' : ''}${String(i * 13).padStart(11, '0')}.${String(i % 100).padStart(2, '0')}`,
        CLM_LINE_DGNS_CD: dx[i % dx.length]!,
        CLM_RNDRG_PRVDR_TAX_NUM: '123456789',
        RNDRG_PRVDR_NPI_NUM: '1234567893',
        CLM_ADJSMT_TYPE_CD: String(i % 3),
        CLM_EFCTV_DT: d,
        CLM_IDR_LD_DT: d,
        CLM_CNTL_NUM: `CN${i}`,
        CLM_LINE_ALOWD_CHRG_AMT: `${String(i * 17).padStart(13, '0')}.50`,
        CLM_LINE_SRVC_UNIT_QTY: '1.0000',
        HCPCS_1_MDFR_CD: i % 2 ? '25' : '',
        CLM_DGNS_1_CD: dx[(i + 1) % dx.length]!,
        CLM_DGNS_2_CD: dx[(i + 2) % dx.length]!,
        DGNS_PRCDR_ICD_IND: '0',
      }),
    );
  }
  const out = createWriteStream(path, { encoding: 'latin1', highWaterMark: 1 << 20 });
  let chunk = '';
  for (let i = 0; i < n; i++) {
    chunk += templates[i % 1000]! + '\n';
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}
