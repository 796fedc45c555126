/**
 * X12 837 5010 parsing layer of the claims producer (issue 4): a strict streaming tokenizer,
 * envelope validation and the 837P/837I mapping to `claim.line.v1`. Pure: no publishing, no
 * file moves — the watcher builds on this. See docs/claims-x12.md.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { FileSummary, ParsedRecord, ParseProblem } from '../types.ts';
import { createX12Parser } from './parse.ts';

export {
  createX12Parser,
  x12Date,
  X12ProblemCode,
  type X12Parser,
  type X12ParserOptions,
  type X12PushResult,
} from './parse.ts';
export { X12Tokenizer, type X12Segment, type X12Separators } from './tokenizer.ts';

/** One item of {@link parseX12File}: a record, a problem, or (last) the file summary. */
export type X12FileEvent =
  | { type: 'record'; record: ParsedRecord }
  | { type: 'problem'; problem: ParseProblem }
  | { type: 'summary'; summary: FileSummary };

/** Options of {@link parseX12File}. */
export interface ParseX12FileOptions {
  /** SHA-256 of the file when the caller already has it (the watcher's manifest); else computed first. */
  sourceFileSha256?: string;
  /** Read size in bytes. Default 65536. */
  highWaterMark?: number;
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * Parse one X12 file, streaming (memory flat in file size apart from one open transaction
 * set). Yields records and problems as they are found, then one `summary`. Without
 * `sourceFileSha256` the file is read twice (hash first, so every record carries it).
 */
export async function* parseX12File(
  path: string,
  opts: ParseX12FileOptions = {},
): AsyncGenerator<X12FileEvent> {
  const sha = opts.sourceFileSha256 ?? (await sha256File(path));
  const parser = createX12Parser({ sourceFile: basename(path), sourceFileSha256: sha });
  for await (const chunk of createReadStream(path, { highWaterMark: opts.highWaterMark ?? 65536 })) {
    const { records, problems } = parser.push(chunk as Buffer);
    for (const record of records) yield { type: 'record', record };
    for (const problem of problems) yield { type: 'problem', problem };
  }
  yield { type: 'summary', summary: parser.end() };
}
