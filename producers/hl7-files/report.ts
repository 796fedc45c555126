/**
 * The quarantine report of a file: `<name>.report.json` (machine-readable) and
 * `<name>.report.txt` (for the analyst who opens the quarantine directory). PHI-free by
 * construction: per message only its position, MSH-10 (an interface control id), the outcome,
 * the ACK code it would have got, the table 0357 code and the listener's PHI-free reason
 * (producers/mllp/message.ts writes reasons that name fields and rules, never values).
 */
import type { Hl7OutcomeKind } from '../mllp/intake.ts';

/** What became of one message of a file. `skipped`: not handed to the intake (file-level problem). */
export type FileMessageOutcome = Hl7OutcomeKind | 'skipped';

/** One message in a report. */
export interface FileMessageReport {
  /** 1-based position in the file. */
  index: number;
  /** MSH-10 (printable characters only, at most 64), or null. */
  controlId: string | null;
  outcome: FileMessageOutcome;
  /** The ACK code a sender would have got (AA/AE/AR, CA/CE/CR), or null when skipped. */
  ackCode: string | null;
  /** HL7 table 0357 code, or null when accepted. */
  hl7Code: string | null;
  /** gapstream error code (`MLLP_UNSUPPORTED_MESSAGE_TYPE`, …), or null. */
  errorCode: string | null;
  /** PHI-free reason, or null. */
  reason: string | null;
}

/** A problem with the file as a whole. */
export interface FileProblem {
  /** `HL7_FILE_NOT_HL7`, `HL7_FILE_COUNT_MISMATCH`, `HL7_FILE_BAD_COUNT`, `HL7_FILE_TOO_LARGE`, `HL7_FILE_NAME_REFUSED`, `HL7_FILE_NOT_REGULAR`, `HL7_FILE_REJECTED_MESSAGES`. */
  code: string;
  /** Table 0357 code when the problem is an HL7 one (100 for a BTS/FTS count mismatch), else null. */
  hl7Code: string | null;
  reason: string;
}

/** `<name>.report.json`. */
export interface FileReport {
  /** Report format version. */
  format: 1;
  /** The file's name in `quarantine/` (or the stand-in for a refused name). */
  file: string;
  sizeBytes: number | null;
  sha256: string | null;
  /** ISO-8601 UTC. */
  processedAt: string;
  disposition: 'done' | 'quarantine';
  problem: FileProblem | null;
  batch: { fhs: boolean; batches: number; declaredCount: number | null } | null;
  counts: Record<FileMessageOutcome, number> & { messages: number };
  messages: FileMessageReport[];
}

/** MSH-10 for a report: printable ASCII only, bounded. */
export function reportControlId(id: string | null): string | null {
  if (id === null) return null;
  return id.replace(/[^\x20-\x7e]/g, '?').slice(0, 64);
}

/** Counts per outcome. */
export function countOutcomes(messages: readonly FileMessageReport[]): FileReport['counts'] {
  const counts: FileReport['counts'] = {
    messages: messages.length,
    accepted: 0,
    duplicate: 0,
    rejected: 0,
    failed: 0,
    skipped: 0,
  };
  for (const m of messages) counts[m.outcome]++;
  return counts;
}

/** The human-readable report. */
export function reportText(r: FileReport): string {
  const lines = [
    `gapstream HL7 file intake report`,
    `file:        ${r.file}`,
    `size:        ${r.sizeBytes ?? '?'} bytes, sha256 ${r.sha256 ?? '?'}`,
    `processed:   ${r.processedAt}`,
    `disposition: ${r.disposition}`,
  ];
  if (r.problem !== null)
    lines.push(
      `problem:     ${r.problem.code}${r.problem.hl7Code !== null ? ` (HL7 ${r.problem.hl7Code})` : ''}: ${r.problem.reason}`,
    );
  if (r.batch !== null)
    lines.push(
      `batch:       ${r.batch.fhs ? 'FHS, ' : ''}${r.batch.batches} BHS batch(es), declared count ${r.batch.declaredCount ?? 'none'}`,
    );
  const c = r.counts;
  lines.push(
    `messages:    ${c.messages} (accepted ${c.accepted}, already stored ${c.duplicate}, rejected ${c.rejected}, not stored ${c.failed}, not processed ${c.skipped})`,
    '',
  );
  if (r.messages.length > 0) {
    lines.push('  #  control id            outcome    ack  HL7  reason');
    for (const m of r.messages)
      lines.push(
        `${String(m.index).padStart(3)}  ${(m.controlId ?? '-').padEnd(20)}  ${m.outcome.padEnd(9)}  ${(m.ackCode ?? '-').padEnd(3)}  ${(m.hl7Code ?? '-').padEnd(3)}  ${m.reason ?? ''}${m.errorCode !== null ? ` [${m.errorCode}]` : ''}`,
      );
    lines.push('');
  }
  lines.push(
    'Accepted messages are published to hl7.raw.v1; rejected ones are kept in deadletter.v1.',
    'Fix the file (or the sender) and drop it into inbox/ again: messages already published are recognised and not published twice.',
    '',
  );
  return lines.join('\n');
}
