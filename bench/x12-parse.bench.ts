// X12 837P parse throughput:   node bin/run-ts.mjs bench/x12-parse.bench.ts
// Input: a generated 837P file (made-up people and providers) with BENCH_CLAIMS claims
// (default 100,000), 3 service lines each, in transaction sets of 5,000 claims (the 837 TR3's
// recommended maximum CLM count per ST), held in memory as one Buffer and fed in 64 KiB chunks
// through createX12Parser — the tokenizer, envelope checks and claim.line.v1 mapping, no I/O.
// One JSON line per round with claims/s and lines/s; single thread, so the rate is per core.
import { createX12Parser } from '../producers/claims/x12/index.ts';

const CLAIMS = Number(process.env.BENCH_CLAIMS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PER_ST = 5_000;
const CHUNK = 64 * 1024;

function generate(claims: number): Buffer {
  const out: string[] = [];
  out.push(
    'ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       *240110*1200*^*00501*000000001*0*P*:~',
  );
  out.push('GS*HC*SUBMITTER*RECEIVER*20240110*1200*1*X*005010X222A1~');
  let sts = 0;
  for (let start = 0; start < claims; start += PER_ST) {
    sts++;
    const seg: string[] = [];
    const ctl = String(sts).padStart(4, '0');
    seg.push(
      `ST*837*${ctl}*005010X222A1`,
      'BHT*0019*00*B1*20240110*1200*CH',
      'NM1*41*2*BENCH CH*****46*S1',
      'NM1*40*2*BENCH PAYER*****46*P1',
    );
    seg.push('HL*1**20*1', 'NM1*85*2*BENCH CLINIC*****XX*1123456786', 'REF*EI*123456789');
    let hl = 1;
    for (let c = start; c < Math.min(claims, start + PER_ST); c++) {
      seg.push(
        `HL*${++hl}*1*22*0`,
        'SBR*P*18*******CI',
        `NM1*IL*1*BENCHPERSON*P${c}****MI*M${String(c).padStart(9, '0')}`,
        'DMG*D8*19600101*F',
      );
      seg.push(
        `CLM*C${c}*150***11:B:1*Y*A*Y*Y`,
        'HI*ABK:E119*ABF:I10*ABF:Z0000',
        'NM1*82*1*DOC*D****XX*1123456794',
      );
      for (let l = 1; l <= 3; l++) {
        seg.push(`LX*${l}`, `SV1*HC:9921${l}:25*50*UN*1***${l}`, `DTP*472*D8*2024010${l}`);
      }
    }
    seg.push(`SE*${seg.length + 1}*${ctl}`);
    out.push(seg.join('~\n'), '~\n');
  }
  out.push(`GE*${sts}*1~`, 'IEA*1*000000001~');
  return Buffer.from(out.join('\n'));
}

const data = generate(CLAIMS);
for (let round = 1; round <= ROUNDS; round++) {
  const parser = createX12Parser({ sourceFile: 'bench.837', sourceFileSha256: null });
  let lines = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < data.length; i += CHUNK)
    lines += parser.push(data.subarray(i, i + CHUNK)).records.length;
  const summary = parser.end();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (summary.problems.length > 0 || lines !== CLAIMS * 3)
    throw new Error(`bench input did not parse cleanly: ${JSON.stringify(summary.problems.slice(0, 3))}`);
  console.log(
    JSON.stringify({
      bench: 'x12-837p-parse',
      round,
      claims: CLAIMS,
      lines,
      segments: summary.lines,
      mb: +(data.length / 1e6).toFixed(1),
      seconds: +s.toFixed(3),
      claimsPerSec: Math.round(CLAIMS / s),
      linesPerSec: Math.round(lines / s),
      mbPerSec: +(data.length / 1e6 / s).toFixed(1),
    }),
  );
}
