// Every public HL7 file (../shared/data/hl7, read in place): decode + split + parse + MSH.
// Each message either parses or is rejected with an Hl7ParseError carrying a table 0357 code;
// any other exception is a bug in runtime/hl7.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_DATA, sharedFiles } from '../../tests/support/shared-data.ts';
import {
  decodeHl7Bytes,
  Hl7ErrorText,
  Hl7ParseError,
  parseHl7,
  parseMsh,
  splitHl7Messages,
} from './index.ts';

describe('corpus: every public HL7 file decodes, splits and parses or is rejected with a code', () => {
  it('never throws anything but Hl7ParseError', () => {
    const files = sharedFiles('hl7');
    expect(files.length).toBeGreaterThan(400);
    const counts = { files: files.length, messages: 0, parsed: 0, rejected: 0, fileRejected: 0 };
    const byCode = new Map<string, number>();
    const unexpected: string[] = [];
    const reject = (e: unknown, where: string): void => {
      if (e instanceof Hl7ParseError && Hl7ErrorText[e.hl7Code] !== undefined) {
        byCode.set(e.hl7Code, (byCode.get(e.hl7Code) ?? 0) + 1);
        // never a value in the reason: the message is built from fixed text and locations
        return;
      }
      unexpected.push(`${where}: ${e instanceof Error ? e.stack : String(e)}`);
    };
    for (const file of files) {
      const where = relative(SHARED_DATA, file);
      let texts: string[];
      try {
        const { text } = decodeHl7Bytes(readFileSync(file));
        texts = splitHl7Messages(text).messages;
      } catch (e) {
        counts.fileRejected++;
        reject(e, where);
        continue;
      }
      texts.forEach((t, i) => {
        counts.messages++;
        try {
          const m = parseHl7(t);
          const msh = parseMsh(t);
          // touch every field of every segment: lazy paths must not throw either
          for (const s of m.segments)
            for (let f = 1; f <= s.fieldCount; f++) for (const r of s.field(f).repetitions) void r.components;
          expect(m.get('MSH-10')).toBe(msh.controlId);
          counts.parsed++;
        } catch (e) {
          counts.rejected++;
          reject(e, `${where}#${i + 1}`);
        }
      });
    }
    console.log(JSON.stringify({ corpus: 'hl7', ...counts, rejectedByCode: Object.fromEntries(byCode) }));
    expect(unexpected).toEqual([]);
    // The corpus holds deliberately broken files (fuzz output, test literals without MSH-10,
    // commented sample files); at the time of writing 381 of 506 messages parse. A drop means
    // the parser got stricter: look at the rejections before lowering this.
    expect(counts.parsed).toBeGreaterThanOrEqual(375);
  });
});
