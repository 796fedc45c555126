/**
 * The normalize stage's outcome for one HL7 file, message by message, in the compact form the
 * corpus expectations table records (hl7-normalize.expectations.json).
 */
import { readFileSync } from 'node:fs';
import { BadRecordError } from '../../runtime/errors.ts';
import { decodeHl7Bytes, parseHl7, splitHl7Messages } from '../../runtime/hl7/index.ts';
import type { FeedProfiles } from '../../processors/normalize/feed-profile.ts';
import { normalizeHl7, type NormalizeResult } from '../../processors/normalize/normalize.ts';

/** One message's outcome: events by kind (sorted, with repeats) and DQ rules, or a rejection. */
export type Outcome = { kinds: string[]; dq: string[] } | { rejected: string; hl7Code: string };

export interface FileResult {
  outcomes: Outcome[];
  results: NormalizeResult[];
}

function rejected(e: unknown): Outcome {
  if (!(e instanceof BadRecordError)) throw e;
  const hl7 = (e as BadRecordError & { hl7Code?: unknown }).hl7Code;
  return { rejected: e.code, hl7Code: typeof hl7 === 'string' ? hl7 : '' };
}

/** Decode, split, parse and normalize every message of a file (as `gapstream inspect hl7`). */
export function normalizeFile(path: string, rel: string, profiles: FeedProfiles): FileResult {
  const outcomes: Outcome[] = [];
  const results: NormalizeResult[] = [];
  let texts: string[];
  try {
    texts = splitHl7Messages(decodeHl7Bytes(readFileSync(path)).text).messages;
  } catch (e) {
    return { outcomes: [rejected(e)], results };
  }
  if (texts.length === 0) return { outcomes: [{ rejected: 'HL7_EMPTY', hl7Code: '100' }], results };
  texts.forEach((text, i) => {
    try {
      const r = normalizeHl7(parseHl7(text), profiles, {
        idPrefix: `${rel}#${i + 1}`,
        topic: 'hl7.raw.v1',
        partition: 0,
        offset: i,
        timestamp: 1_700_000_000_000,
        receivedAt: null,
      });
      results.push(r);
      outcomes.push({
        kinds: r.events.map((e) => e.value.kind).sort(),
        dq: r.dq.map((d) => d.value.rule).sort(),
      });
    } catch (e) {
      outcomes.push(rejected(e));
    }
  });
  return { outcomes, results };
}
