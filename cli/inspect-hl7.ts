/**
 * `gapstream inspect hl7 <file|dir>...`: for an interface analyst checking a feed. Reads each
 * file (a directory: every file below it, sorted), splits it into messages (one, several back to
 * back, or a FHS/BHS batch), and prints one JSON line per canonical event, DQ finding or
 * rejection — what the normalize stage would do with the same messages:
 *
 *   {"file":"a.hl7","message":1,"controlId":"MSG1","messageType":"ADT^A04","topic":"clinical.event.v1","key":"...","value":{...}}
 *   {"file":"a.hl7","message":2,"controlId":"MSG2","messageType":"SIU^S12","rejected":{"code":"NORMALIZE_UNSUPPORTED_MESSAGE_TYPE","hl7Code":"200","hl7Text":"Unsupported message type","reason":"..."}}
 *
 * Exit status: 0 when every message was normalized or rejected; 2 on a usage error (no path, a
 * path that does not exist, bad feed profiles); 70 on an internal fault (a bug: an error that is
 * not a refusal of the input).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { GapstreamError, BadRecordError } from '../runtime/errors.ts';
import { decodeHl7Bytes, Hl7ErrorText, parseHl7, splitHl7Messages } from '../runtime/hl7/index.ts';
import { loadFeedProfiles, type FeedProfiles } from '../processors/normalize/feed-profile.ts';
import { normalizeHl7 } from '../processors/normalize/normalize.ts';
import { CLINICAL_EVENT_TOPIC, DQ_EVENT_TOPIC } from '../processors/normalize/step.ts';

/** Options of `inspectHl7`. */
export interface InspectHl7Options {
  /** Feed profiles to apply; default: the `feeds/` directory (or `profilesDir`). */
  profiles?: FeedProfiles;
  /** Directory of feed profile YAML files (when `profiles` is not given). */
  profilesDir?: string;
  /** Charset for messages without MSH-18 (HL7 table 0211 name); default ASCII, lenient. */
  defaultCharset?: string;
  /** Where usage errors and the closing summary go; default process.stderr. */
  err?: NodeJS.WritableStream;
  /** Paths in the output are relative to this directory; default the current directory. */
  cwd?: string;
}

/** Exit statuses (as in cli/main.ts: 0 ok, 2 usage; 70 = EX_SOFTWARE, an internal fault). */
export const INSPECT_EXIT = { OK: 0, USAGE: 2, INTERNAL: 70 } as const;

async function filesUnder(path: string): Promise<string[]> {
  const s = await stat(path);
  if (!s.isDirectory()) return [path];
  const out: string[] = [];
  const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = join(path, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** The rejection record of a refused message: code, HL7 table 0357 code and text, reason. */
export function rejectionOf(err: BadRecordError): {
  code: string;
  hl7Code: string;
  hl7Text: string;
  reason: string;
} {
  const hl7 = (err as BadRecordError & { hl7Code?: unknown }).hl7Code;
  const hl7Code = typeof hl7 === 'string' ? hl7 : '207';
  return { code: err.code, hl7Code, hl7Text: Hl7ErrorText[hl7Code] ?? 'Error', reason: err.message };
}

/** Cheap MSH-10 for a rejection line (the message may not parse). */
function controlIdOf(text: string): string | null {
  try {
    return parseHl7(text).segments[0]?.field(10).value() ?? null;
  } catch {
    return null;
  }
}

function write(out: NodeJS.WritableStream, line: string): Promise<void> {
  return new Promise<void>((res, rej) => {
    out.write(line + '\n', (e) => (e ? rej(e) : res()));
  });
}

/**
 * Inspect HL7 files: print every message's canonical events (or its rejection) as JSON lines
 * to `out`. Returns the exit status (INSPECT_EXIT).
 */
export async function inspectHl7(
  paths: string[],
  out: NodeJS.WritableStream,
  opts: InspectHl7Options = {},
): Promise<number> {
  const err = opts.err ?? process.stderr;
  const cwd = opts.cwd ?? process.cwd();
  if (paths.length === 0) {
    await write(
      err,
      'usage: gapstream inspect hl7 <file|dir>...  (prints canonical events or rejections as JSON lines)',
    );
    return INSPECT_EXIT.USAGE;
  }
  let profiles: FeedProfiles;
  try {
    profiles = opts.profiles ?? loadFeedProfiles(opts.profilesDir);
  } catch (e) {
    await write(err, e instanceof Error ? e.message : String(e));
    return INSPECT_EXIT.USAGE;
  }
  const files: string[] = [];
  for (const p of paths) {
    try {
      files.push(...(await filesUnder(resolve(cwd, p))));
    } catch {
      await write(err, `gapstream inspect hl7: ${p}: no such file or directory`);
      return INSPECT_EXIT.USAGE;
    }
  }
  const summary = { files: files.length, messages: 0, normalized: 0, rejected: 0, events: 0, dataQuality: 0 };
  try {
    for (const file of files) {
      const rel = relative(cwd, file) || file;
      const bytes = await readFile(file);
      const mtime = (await stat(file)).mtimeMs;
      let texts: string[];
      try {
        const { text } = decodeHl7Bytes(
          bytes,
          opts.defaultCharset === undefined ? {} : { defaultCharset: opts.defaultCharset },
        );
        texts = splitHl7Messages(text).messages;
      } catch (e) {
        if (!(e instanceof BadRecordError)) throw e;
        // The file as a whole (charset, batch counts) is refused: one rejection line for it.
        summary.messages++;
        summary.rejected++;
        await write(
          out,
          JSON.stringify({
            file: rel,
            message: null,
            controlId: null,
            messageType: null,
            rejected: rejectionOf(e),
          }),
        );
        continue;
      }
      if (texts.length === 0) {
        summary.messages++;
        summary.rejected++;
        const e = new GapstreamError('HL7_EMPTY', 'the file holds no HL7 segment');
        await write(
          out,
          JSON.stringify({
            file: rel,
            message: null,
            controlId: null,
            messageType: null,
            rejected: { code: e.code, hl7Code: '100', hl7Text: Hl7ErrorText['100'], reason: e.message },
          }),
        );
        continue;
      }
      for (let i = 0; i < texts.length; i++) {
        const text = texts[i]!;
        summary.messages++;
        const n = i + 1;
        try {
          const r = normalizeHl7(parseHl7(text), profiles, {
            idPrefix: `${rel}#${n}`,
            topic: null,
            partition: null,
            offset: null,
            timestamp: Math.round(mtime),
            receivedAt: null,
          });
          summary.normalized++;
          const head = {
            file: rel,
            message: n,
            controlId: r.controlId,
            messageType: r.messageType,
            feedProfile: r.profile.id,
          };
          for (const e of r.events) {
            summary.events++;
            const line: Record<string, unknown> = {
              ...head,
              topic: CLINICAL_EVENT_TOPIC,
              key: e.key,
              value: e.value,
            };
            if (e.clearedFields.length > 0) line.clearedFields = e.clearedFields;
            await write(out, JSON.stringify(line));
          }
          for (const d of r.dq) {
            summary.dataQuality++;
            await write(out, JSON.stringify({ ...head, topic: DQ_EVENT_TOPIC, key: d.key, value: d.value }));
          }
        } catch (e) {
          if (!(e instanceof BadRecordError)) throw e;
          summary.rejected++;
          await write(
            out,
            JSON.stringify({
              file: rel,
              message: n,
              controlId: controlIdOf(text),
              messageType: null,
              rejected: rejectionOf(e),
            }),
          );
        }
      }
    }
  } catch (e) {
    await write(
      err,
      `gapstream inspect hl7: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
    );
    return INSPECT_EXIT.INTERNAL;
  }
  await write(err, JSON.stringify({ summary }));
  return INSPECT_EXIT.OK;
}
