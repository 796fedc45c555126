/**
 * The answer to a batch (HL7 v2.5.1 §2.10.3 batch protocol; domain-facts §1.6): a batch of
 * ACKs, `BHS … {ACK} BTS|<count>`. The BHS swaps sender and receiver of the received header
 * (BHS-3/4 ↔ BHS-5/6, echoed as sent like `buildAck` does for MSH), has its own BHS-11 batch
 * control id and carries the received BHS-11 (or FHS-11 when there was no BHS) in BHS-12,
 * "reference batch control id", so the sender can match the answer to its batch.
 */
import { DEFAULT_DELIMITERS, escapeHl7 } from './message.ts';
import type { MshInfo } from './msh.ts';
import { formatHl7Time } from './time.ts';

/** Options of {@link buildBatchAck}. */
export interface BuildBatchAckOptions {
  /** BHS-11 of the answer (new, unique per receiver). */
  controlId: string;
  /** BHS-7 of the answer. */
  now: Date;
}

/**
 * Wraps `acks` (each a complete ACK from `buildAck`, CR-terminated) in a batch answering
 * `header`, the received BHS or FHS read with `readHl7Header` (undefined when unreadable:
 * default delimiters, empty BHS-3..6 and BHS-12). BTS-1 is the number of ACKs.
 */
export function buildBatchAck(
  header: MshInfo | undefined,
  acks: readonly string[],
  opts: BuildBatchAckOptions,
): string {
  const d = header?.delimiters ?? DEFAULT_DELIMITERS;
  const raw = (n: number): string => header?.fields[n] ?? '';
  const fields = [
    // BHS-3/4 ← received BHS-5/6 (receiving application, facility), BHS-5/6 ← received BHS-3/4
    ...[5, 6, 3, 4].map(raw),
    formatHl7Time(opts.now), // BHS-7
    '', // BHS-8 security
    '', // BHS-9 batch name/id/type
    '', // BHS-10 comment
    escapeHl7(opts.controlId, d), // BHS-11
    raw(11), // BHS-12 ← received batch control id
  ];
  let n = fields.length;
  while (n > 0 && fields[n - 1] === '') n--;
  const encoding = d.component + d.repetition + d.escape + d.subcomponent + (d.truncation ?? '');
  const bhs = `BHS${d.field}${encoding}${d.field}${fields.slice(0, n).join(d.field)}`;
  return `${bhs}\r${acks.join('')}BTS${d.field}${acks.length}\r`;
}
