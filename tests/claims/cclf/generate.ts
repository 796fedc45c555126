/**
 * Test generator for CCLF files: builds fixed-width records from the layouts (producers/claims/
 * cclf/layouts.ts, CCLF IP v36) with known contents. No public CCLF1-7 sample exists, so the
 * tests write their own from the layouts and assert field by field.
 */
import { deflateRawSync, crc32 } from 'node:zlib';
import { CCLF_LAYOUTS, type CclfKind } from '../../../producers/claims/cclf/layouts.ts';

/**
 * One record of `kind`: each given field placed at its position, left-justified and space-padded
 * (amounts and numbers right-justified, as COBOL writes them), every other field blank. Throws on
 * an unknown field or a value longer than its field, so a typo cannot make a silent test.
 */
export function cclfRecord(kind: CclfKind, values: Record<string, string>, length?: number): string {
  const layout = CCLF_LAYOUTS[kind];
  const buf = Buffer.alloc(length ?? layout.length, ' ');
  for (const [name, value] of Object.entries(values)) {
    const f = layout.byName[name];
    if (f === undefined) throw new Error(`generator: ${kind} has no field ${name}`);
    if (value.length > f.length) throw new Error(`generator: ${kind}.${name} value longer than ${f.length}`);
    const right = f.type === 'amount' || f.type === 'decimal';
    const text = right ? value.padStart(f.length, ' ') : value.padEnd(f.length, ' ');
    buf.write(text, f.start - 1, 'latin1');
  }
  return buf.toString('latin1');
}

/** A zip entry for {@link buildZip}. */
export interface TestZipEntry {
  name: string;
  data: Buffer | string;
  /** Store instead of deflate. */
  store?: boolean;
}

/** A minimal zip (PKWARE APPNOTE 4.3) so tests control every byte, including hostile names. */
export function buildZip(entries: TestZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const data = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data, 'latin1');
    const body = e.store ? data : deflateRawSync(data);
    const name = Buffer.from(e.name, 'utf8');
    const crc = crc32(data);
    const loc = Buffer.alloc(30);
    loc.writeUInt32LE(0x04034b50, 0);
    loc.writeUInt16LE(20, 4);
    loc.writeUInt16LE(0x800, 6);
    loc.writeUInt16LE(e.store ? 0 : 8, 8);
    loc.writeUInt32LE(crc, 14);
    loc.writeUInt32LE(body.length, 18);
    loc.writeUInt32LE(data.length, 22);
    loc.writeUInt16LE(name.length, 26);
    const cen = Buffer.alloc(46);
    cen.writeUInt32LE(0x02014b50, 0);
    cen.writeUInt16LE(20, 4);
    cen.writeUInt16LE(20, 6);
    cen.writeUInt16LE(0x800, 8);
    cen.writeUInt16LE(e.store ? 0 : 8, 10);
    cen.writeUInt32LE(crc, 16);
    cen.writeUInt32LE(body.length, 20);
    cen.writeUInt32LE(data.length, 24);
    cen.writeUInt16LE(name.length, 28);
    cen.writeUInt32LE(offset, 42);
    locals.push(loc, name, body);
    centrals.push(cen, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}
