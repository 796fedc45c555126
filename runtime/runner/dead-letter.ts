import { describeError } from '../errors.ts';
import type { InRecord, OutRecord } from '../bus/types.ts';
import type { Codec } from '../../schemas/codec.ts';
import type { Logger, StageMetrics } from '../telemetry/index.ts';

/** The dead-letter topic every stage writes to (schemas/deadletter.v1.avsc). */
export const DEAD_LETTER_TOPIC = 'deadletter.v1';

/** The value of a dead-letter record, as in schemas/deadletter.v1.avsc. */
export interface DeadLetter {
  stage: string;
  component: string;
  errorCode: string;
  reason: string;
  sourceTopic: string | null;
  sourcePartition: number | null;
  sourceOffset: number | null;
  key: string | null;
  originalBytes: Buffer;
  headers: Record<string, string>;
  failedAt: number;
  attempts: number;
}

/**
 * Builds the dead-letter value for a record a stage could not process. The reason is the
 * error's message, which by our rules names fields and codes, never patient data.
 */
export function deadLetterFor(
  stage: string,
  component: string,
  record: InRecord,
  err: unknown,
  failedAt: number,
): DeadLetter {
  const { code, message } = describeError(err);
  return {
    stage,
    component,
    errorCode: code,
    reason: message,
    sourceTopic: record.topic,
    sourcePartition: record.partition,
    sourceOffset: record.offset,
    key: record.key,
    originalBytes: record.value ?? Buffer.alloc(0),
    headers: record.headers,
    failedAt,
    attempts: 1,
  };
}

/** Dead letters are keyed like their source record so one source's failures stay in order. */
export function deadLetterRecord(value: Buffer, source: InRecord): OutRecord {
  return { topic: DEAD_LETTER_TOPIC, key: source.key, value, headers: source.headers };
}

/**
 * The one way a stage discards a record: counts it (error and dead-letter metrics by code), logs
 * where it was (never what it held) and returns the encoded dead-letter record to write.
 */
export async function deadLetter(
  where: { stage: string; component: 'processor' | 'sink'; codec: Codec; metrics: StageMetrics; log: Logger },
  record: InRecord,
  err: unknown,
): Promise<OutRecord> {
  const { code } = describeError(err);
  where.metrics.error(code);
  where.metrics.deadLettered(code);
  where.log.warn(
    { topic: record.topic, partition: record.partition, offset: record.offset, code },
    'record dead-lettered',
  );
  const letter = deadLetterFor(where.stage, where.component, record, err, record.timestamp);
  return deadLetterRecord(await where.codec.encode(DEAD_LETTER_TOPIC, letter), record);
}
