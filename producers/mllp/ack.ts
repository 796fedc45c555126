/**
 * The listener's ACKs, built by runtime/hl7 (`buildAck`, `buildBatchAck`: MSH/BHS with sender
 * and receiver swapped, MSA, ERR per version — domain-facts.md §2.2). What stays here is the
 * listener's own part: which code answers which outcome, our control ids, and MLLP framing.
 */
import { ackMode, buildAck, buildBatchAck, type AckCode, type MshInfo } from '../../runtime/hl7/index.ts';
import { CR, FS, VT } from './framer.ts';
import type { MessageProblem } from './message.ts';

export type { AckCode };

/** Outcome of one message, independent of the ACK mode. */
export type AckOutcome = 'accept' | 'error' | 'reject';

/**
 * Enhanced acknowledgment mode (MSH-15 or MSH-16 valued, runtime/hl7 `ackMode`): the listener
 * answers with the commit ACK. Without a readable MSH the mode is unknown: original. The
 * listener always answers, even when MSH-15 says NE (or SU/ER would skip this outcome): a sender
 * on an MLLP connection waits for an answer to every frame.
 */
export function isEnhancedMode(msh: MshInfo | null | undefined): boolean {
  return msh != null && ackMode(msh).mode === 'enhanced';
}

/** The table 0008 code for an outcome: original mode AA/AE/AR, enhanced mode CA/CE/CR. */
export function ackCode(outcome: AckOutcome, enhanced: boolean): AckCode {
  switch (outcome) {
    case 'accept':
      return enhanced ? 'CA' : 'AA';
    case 'error':
      return enhanced ? 'CE' : 'AE';
    case 'reject':
      return enhanced ? 'CR' : 'AR';
  }
}

let counter = 0;
/** A control id for our ACKs: time-based, unique within the process, ≤ 20 chars (v2.5.1 MSH-10). */
export function newControlId(now: number): string {
  counter = (counter + 1) % 1_000_000;
  return `GS${now.toString(36).toUpperCase()}${counter.toString(36).toUpperCase().padStart(4, '0')}`;
}

/** One ACK message (segments ended by CR, no MLLP framing) for `msh` (null: MSH unreadable). */
export function buildAckText(
  msh: MshInfo | null | undefined,
  code: AckCode,
  options: { now: number; problem?: MessageProblem | null },
): string {
  const problem = options.problem ?? null;
  return buildAck(msh ?? undefined, code, {
    controlId: newControlId(options.now),
    now: new Date(options.now),
    ...(problem !== null ? { error: problem.ack } : {}),
  });
}

/**
 * A batch of ACKs for a batch received in one frame: `batchHeader` is its BHS (else FHS) read
 * with `readHl7Header`, null when unreadable.
 */
export function buildBatchAckText(batchHeader: MshInfo | null, acks: readonly string[], now: number): string {
  return buildBatchAck(batchHeader ?? undefined, acks, { controlId: newControlId(now), now: new Date(now) });
}

/**
 * Wraps text in an MLLP block. One byte per character (latin1): the echoed MSH values were read
 * as a latin1 view of the received bytes, so they go back exactly as received; the rest is ASCII.
 */
export function frameAck(text: string): Buffer {
  const body = Buffer.from(text, 'latin1');
  const out = Buffer.allocUnsafe(body.length + 3);
  out[0] = VT;
  body.copy(out, 1);
  out[body.length + 1] = FS;
  out[body.length + 2] = CR;
  return out;
}
