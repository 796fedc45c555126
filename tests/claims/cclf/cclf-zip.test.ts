import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  entryNameProblem,
  parseCclfStream,
  readCclfZip,
  type CclfFileItem,
} from '../../../producers/claims/cclf/index.ts';
import { buildZip, cclfRecord } from './generate.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cclf-zip-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, bytes: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const MBI = '1EG4TE5MK73';
const rec8 = cclfRecord('CCLF8', {
  BENE_MBI_ID: MBI,
  BENE_DOB: '1950-06-30',
  BENE_SEX_CD: '1',
  BENE_LAST_NAME: 'ROE',
});
const rec9 = cclfRecord('CCLF9', { HICN_MBI_XREF_IND: 'M', CRNT_NUM: MBI, PRVS_NUM: '1EG4TE5MK70' });

async function drain(items: AsyncIterable<CclfFileItem>): Promise<CclfFileItem[]> {
  const out: CclfFileItem[] = [];
  for await (const i of items) out.push(i);
  return out;
}

describe('readCclfZip', () => {
  it('lists a set and streams each entry into the parser (deflate and stored)', async () => {
    const path = write(
      'P.A1234.ACO.ZCY24.D240105.T0100000',
      buildZip([
        { name: 'P.A1234.ACO.ZC8Y24.D240105.T0100001', data: `${rec8}\n${rec8}\n` },
        { name: 'P.A1234.ACO.ZC9Y24.D240105.T0100002', data: `${rec9}\n`, store: true },
      ]),
    );
    const zip = await readCclfZip(path);
    expect(zip.problems).toEqual([]);
    expect(zip.entries.map((e) => [e.name, e.method])).toEqual([
      ['P.A1234.ACO.ZC8Y24.D240105.T0100001', 8],
      ['P.A1234.ACO.ZC9Y24.D240105.T0100002', 0],
    ]);
    const items8 = await drain(parseCclfStream(zip.open(zip.entries[0]!), zip.entries[0]!.name));
    expect(items8.at(-1)).toMatchObject({
      type: 'end',
      kind: 'CCLF8',
      summary: { lines: 2, records: 2, problems: [] },
    });
    const items9 = await drain(parseCclfStream(zip.open(zip.entries[1]!), zip.entries[1]!.name));
    expect(items9[0]).toMatchObject({
      type: 'line',
      records: [{ topic: 'member.xref.v1', value: { currentId: MBI } }],
    });
  });

  it('refuses path traversal and odd names, keeps the rest', async () => {
    const path = write(
      'evil.zip',
      buildZip([
        { name: '../../etc/cron.d/x', data: 'a' },
        { name: '/abs/path', data: 'a' },
        { name: 'dir\\win.txt', data: 'a' },
        { name: 'ok/../../x', data: 'a' },
        { name: 'bell\u0007name', data: 'a' },
        { name: 'C:temp', data: 'a' },
        { name: 'P.A1234.ACO.ZC9Y24.D240105.T0100002', data: rec9 },
        { name: 'P.A1234.ACO.ZC9Y24.D240105.T0100002', data: rec9 },
      ]),
    );
    const zip = await readCclfZip(path);
    expect(zip.entries.map((e) => e.index)).toEqual([6]);
    expect(zip.problems.map((p) => [p.field, p.code])).toEqual([
      ['entry[0]', 'ZIP_ENTRY_NAME'],
      ['entry[1]', 'ZIP_ENTRY_NAME'],
      ['entry[2]', 'ZIP_ENTRY_NAME'],
      ['entry[3]', 'ZIP_ENTRY_NAME'],
      ['entry[4]', 'ZIP_ENTRY_NAME'],
      ['entry[5]', 'ZIP_ENTRY_NAME'],
      ['entry[7]', 'ZIP_ENTRY_NAME'],
    ]);
    for (const p of zip.problems) expect(p.message).not.toContain('cron');
    expect(entryNameProblem('a/b.txt')).toBeNull();
  });

  it('detects a truncated zip (end record missing), a non-zip and an empty zip', async () => {
    const whole = buildZip([{ name: 'P.A1234.ACO.ZC8Y24.D240105.T0100001', data: rec8.repeat(50) }]);
    const cut = await readCclfZip(write('cut.zip', whole.subarray(0, whole.length - 30)));
    expect(cut.entries).toEqual([]);
    expect(cut.problems).toEqual([expect.objectContaining({ code: 'ZIP_TRUNCATED' })]);
    expect((await readCclfZip(write('short.zip', whole.subarray(0, 10)))).problems[0]?.code).toBe(
      'ZIP_TRUNCATED',
    );
    expect((await readCclfZip(write('text.zip', Buffer.from('x'.repeat(100))))).problems[0]?.code).toBe(
      'ZIP_NOT_ZIP',
    );
    expect((await readCclfZip(write('empty.zip', buildZip([])))).problems[0]?.code).toBe('ZIP_EMPTY');
  });

  it('detects entry data running past the central directory', async () => {
    const whole = buildZip([{ name: 'a', data: rec8.repeat(20) }]);
    // Claim a compressed size larger than what is there (a truncated member inside an intact directory).
    const cenAt = whole.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    whole.writeUInt32LE(whole.readUInt32LE(cenAt + 20) + 1000, cenAt + 20);
    const zip = await readCclfZip(write('overrun.zip', whole));
    expect(zip.problems).toEqual([expect.objectContaining({ field: 'entry[0]', code: 'ZIP_TRUNCATED' })]);
  });

  it('fails the entry stream with ZIP_CRC when the data does not match its CRC', async () => {
    const whole = buildZip([{ name: 'P.A1234.ACO.ZC9Y24.D240105.T0100002', data: rec9, store: true }]);
    whole[30 + 'P.A1234.ACO.ZC9Y24.D240105.T0100002'.length] = 'Z'.charCodeAt(0); // flip a stored byte
    const zip = await readCclfZip(write('crc.zip', whole));
    await expect(
      drain(parseCclfStream(zip.open(zip.entries[0]!), zip.entries[0]!.name)),
    ).rejects.toMatchObject({ code: 'ZIP_CRC' });
  });
});
