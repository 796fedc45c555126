/**
 * The normalizer as a stateless step: hl7.raw.v1 -> clinical.event.v1 + dq.event.v1
 * (runtime/runner/step.ts). Pure and deterministic: event ids come from the source
 * topic/partition/offset and the segment position, times from the message or the record.
 * A message it cannot interpret throws a BadRecordError (Hl7ParseError from the parser,
 * NormalizeError from the mapping); the runner dead-letters it and moves on.
 */
import { decodeHl7Bytes, parseHl7 } from '../../runtime/hl7/index.ts';
import type { StatelessStep, StepContext, StepOutput } from '../../runtime/runner/step.ts';
import { loadFeedProfiles, type FeedProfiles } from './feed-profile.ts';
import { normalizeHl7, type NormalizeResult, type NormalizeSource } from './normalize.ts';

/** Output topics. */
export const CLINICAL_EVENT_TOPIC = 'clinical.event.v1';
export const DQ_EVENT_TOPIC = 'dq.event.v1';

/** The parts of an hl7.raw.v1 value the normalizer reads. */
export interface Hl7RawInput {
  messageBytes: Buffer;
  receivedAt?: number | null;
}

/** Options of the step. */
export interface NormalizeStepOptions {
  /** Feed profiles; default: the validated `feeds/` directory. */
  profiles?: FeedProfiles;
  /**
   * HL7 table 0211 charset for messages without MSH-18 (default ASCII, read leniently); set it
   * to what the MLLP listener is configured with.
   */
  defaultCharset?: string;
  /** Stage name (consumer group, metrics, dead letters); default `normalize`. */
  name?: string;
}

/** Decode, parse and normalize one message's bytes. Throws BadRecordError subclasses. */
export function normalizeBytes(
  bytes: Buffer,
  profiles: FeedProfiles,
  source: NormalizeSource,
  defaultCharset?: string,
): NormalizeResult {
  const { text } = decodeHl7Bytes(bytes, defaultCharset === undefined ? {} : { defaultCharset });
  return normalizeHl7(parseHl7(text), profiles, source);
}

/** Turn a result into step outputs (clinical events first, in segment order, then DQ events). */
export function toOutputs(result: NormalizeResult): StepOutput[] {
  const out: StepOutput[] = [];
  for (const e of result.events) out.push({ topic: CLINICAL_EVENT_TOPIC, key: e.key, value: e.value });
  for (const d of result.dq) out.push({ topic: DQ_EVENT_TOPIC, key: d.key, value: d.value });
  return out;
}

/** Build the normalize step. Profiles are loaded (and validated) here, once, not per record. */
export function createNormalizeStep(opts: NormalizeStepOptions = {}): StatelessStep<Hl7RawInput> {
  const profiles = opts.profiles ?? loadFeedProfiles();
  const defaultCharset = opts.defaultCharset;
  return {
    kind: 'stateless',
    name: opts.name ?? 'normalize',
    input: 'hl7.raw.v1',
    outputs: [CLINICAL_EVENT_TOPIC, DQ_EVENT_TOPIC],
    process(raw: Hl7RawInput, ctx: StepContext): StepOutput[] {
      const { topic, partition, offset } = ctx.source;
      const source: NormalizeSource = {
        idPrefix: `${topic}/${partition}/${offset}`,
        topic,
        partition,
        offset,
        timestamp: ctx.timestamp,
        receivedAt: raw.receivedAt ?? null,
      };
      return toOutputs(normalizeBytes(raw.messageBytes, profiles, source, defaultCharset));
    },
  };
}
