/**
 * Second pass over a validated file: publish its records exactly once. Items are committed in
 * Kafka transactions of `linesPerTransaction` items, each carrying one `file.manifest.v1`
 * PROGRESS record with the position reached, so a crash resumes after the last committed item
 * (read_committed consumers never see the aborted rest). The last transaction carries
 * COMPLETED. Accepted bad lines (under the bad-line limit) become dead letters in the same
 * transactions.
 */
import type { OutRecord, Transaction, TransactionalProducer } from '../../runtime/bus/types.ts';
import { DEAD_LETTER_TOPIC, type DeadLetter } from '../../runtime/runner/dead-letter.ts';
import type { Codec } from '../../schemas/codec.ts';
import { BadRecordError } from '../../runtime/errors.ts';
import { MANIFEST_TOPIC, type ManifestRecord } from './manifest.ts';
import type { PayerMapping } from './mapping/index.ts';
import { readClaimsBatches, type ClaimsRecord } from './read-file.ts';
import type { ParseProblem } from './types.ts';
import type { Validation } from './validate-file.ts';

export const CLAIMS_STAGE = 'claims';
export const CLAIMS_COMPONENT = 'producers/claims';
/**
 * Records per send inside a transaction: keeps each Kafka request well under 1 MB per partition,
 * and kafkajs groups a send's messages by partition in quadratic time, so bigger is slower.
 */
const RECORDS_PER_SEND = 2000;

/** Kafka key of a record: co-partitions a member's claims and roster lines; xref rows by the old id. */
export function recordKey(r: ClaimsRecord): string {
  return r.topic === 'member.xref.v1' ? r.value.previousId : String(r.value.memberId);
}

/**
 * A line's records encoded, or — when the schema refuses one — the line's problems instead (the
 * same sentence the first pass's schemaProblems gives). `checked`: the first pass already ran the
 * schema check on these records, so encoding skips it. No per-record headers: the value carries
 * source file, hash and line, and kafkajs encodes headers record by record (measurably slower).
 */
function encodeLine(
  codec: Pick<Codec, 'encodeSync'>,
  item: { lineNumber: number; records: ClaimsRecord[] },
  checked: { checked: boolean },
): { out: OutRecord[]; problems: ParseProblem[] } {
  const out: OutRecord[] = [];
  for (const r of item.records) {
    try {
      out.push({ topic: r.topic, key: recordKey(r), value: codec.encodeSync(r.topic, r.value, checked) });
    } catch (err) {
      if (!(err instanceof BadRecordError)) throw err;
      return {
        out: [],
        problems: [{ line: item.lineNumber, code: 'SCHEMA_VALIDATION', message: err.message }],
      };
    }
  }
  return { out, problems: [] };
}

/** Progress of a publish, for logs and the CLI bar. */
export interface PublishProgress {
  position: number;
  total: number;
  records: number;
}

export interface PublishDeps {
  codec: Codec;
  producer: TransactionalProducer;
  mappings: readonly PayerMapping[];
  watcherId: string;
  linesPerTransaction: number;
  now?: () => number;
  /** Before each transaction is started: throws to stop publishing (the file changed). */
  beforeCommit?: () => Promise<void>;
  /** After each committed transaction (progress display; tests crash here). */
  onCommit?: (p: PublishProgress) => Promise<void> | void;
}

/** The manifest record for `v` as of an event. */
export function manifestRecord(
  v: Validation,
  fileName: string,
  watcherId: string,
  event: ManifestRecord['event'],
  progress: { position: number; records: number },
  at: number,
): ManifestRecord {
  const status =
    event === 'QUARANTINED'
      ? 'QUARANTINED'
      : event === 'COMPLETED' || event === 'DUPLICATE'
        ? 'DONE'
        : 'IN_PROGRESS';
  return {
    sha256: v.sha256,
    fileName,
    sizeBytes: v.sizeBytes,
    format: v.format,
    event,
    status,
    linesCommitted: progress.position,
    linesTotal: v.items,
    recordsPublished: progress.records,
    badLines: v.badLines,
    problemCodes: v.problemCodes,
    parseFingerprint: v.parseFingerprint,
    watcherId,
    at,
  };
}

function deadLetterValue(problems: ParseProblem[], unit: string, fileSha: string, at: number): DeadLetter {
  const p = problems[0]!;
  return {
    stage: CLAIMS_STAGE,
    component: CLAIMS_COMPONENT,
    errorCode: p.code,
    // Problems name line, field and rule, never the value (types.ts).
    reason: problems.map((q) => `${q.field ?? 'line'}: ${q.message}`).join('; '),
    sourceTopic: null,
    sourcePartition: null,
    sourceOffset: null,
    key: null,
    // The line itself stays in the delivered file (done/), found by file and line number.
    originalBytes: Buffer.alloc(0),
    headers: {
      'gapstream-source-file': unit,
      'gapstream-source-sha256': fileSha,
      'gapstream-source-line': String(p.line),
    },
    failedAt: at,
    attempts: 1,
  };
}

/**
 * Publishes `v`'s file from item `start` (0 = from the beginning). Resolves with the totals once
 * COMPLETED is committed; throws if a transaction fails (nothing after the last commit is
 * visible; the caller retries later and resumes from the manifest).
 */
export async function publishClaimsFile(
  deps: PublishDeps,
  path: string,
  fileName: string,
  v: Validation,
  start: { position: number; records: number },
): Promise<PublishProgress> {
  const now = deps.now ?? Date.now;
  let position = 0;
  let records = start.records;
  let pending: OutRecord[] = [];
  let pendingItems = 0;
  const units: string[] = [];

  // One transaction in flight while the next one's records are read and encoded: the Kafka round
  // trip overlaps the parsing. A commit waits for the previous one, so a failure stops the chain
  // and at most two transactions' records are held.
  let inflight: Promise<void> = Promise.resolve();
  // The first pass checked every record of these same bytes against its schema.
  const checked = { checked: v.schemaChecked };
  const commit = async (event: 'STARTED' | 'PROGRESS' | 'COMPLETED'): Promise<void> => {
    const out = pending;
    pending = [];
    pendingItems = 0;
    const progress = { position, total: v.items, records };
    const manifest = manifestRecord(v, fileName, deps.watcherId, event, progress, now());
    out.push({
      topic: MANIFEST_TOPIC,
      key: v.sha256,
      value: deps.codec.encodeSync(MANIFEST_TOPIC, manifest),
    });
    await inflight;
    await deps.beforeCommit?.();
    inflight = (async () => {
      await deps.producer.transaction(async (tx: Transaction) => {
        for (let i = 0; i < out.length; i += RECORDS_PER_SEND)
          await tx.send(out.slice(i, i + RECORDS_PER_SEND));
      });
      await deps.onCommit?.(progress);
    })();
    // Handled by the next commit's await; marked handled here so a failure mid-read is not "unhandled".
    inflight.catch(() => undefined);
  };

  try {
    if (start.position === 0) await commit('STARTED');
    const read = readClaimsBatches(path, {
      mappings: deps.mappings,
      sha256: v.sha256,
      entrySha256: v.entrySha256,
    });
    for await (const batch of read)
      for (const item of batch) {
        if (item.type === 'unit') units[item.unit.index] = item.unit.name;
        if (item.type !== 'line') continue;
        position++;
        if (position <= start.position) continue;
        const source = units[item.unit] ?? fileName;
        // Encoded once: the codec's own check refuses a bad record (the first pass counted it).
        const encoded = item.problems.length > 0 ? null : encodeLine(deps.codec, item, checked);
        const problems = encoded === null ? item.problems : encoded.problems;
        if (problems.length > 0) {
          const letter = deadLetterValue(problems, source, v.sha256, now());
          pending.push({
            topic: DEAD_LETTER_TOPIC,
            key: null,
            value: deps.codec.encodeSync(DEAD_LETTER_TOPIC, letter),
            headers: letter.headers,
          });
        } else {
          records += encoded!.out.length;
          pending.push(...encoded!.out);
        }
        // The last items ride with COMPLETED (the item count is known from validation).
        if (++pendingItems >= deps.linesPerTransaction && position < v.items) await commit('PROGRESS');
      }
    if (position !== v.items)
      throw new Error(
        `the file changed between validation and publishing: expected ${v.items} items, read ${position}`,
      );
    await commit('COMPLETED');
  } catch (err) {
    // Never leave a transaction running behind the caller's back: it would race the next one.
    await inflight.catch(() => undefined);
    throw err;
  }
  await inflight;
  return { position, total: v.items, records };
}
