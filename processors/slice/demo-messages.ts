import { createHash } from 'node:crypto';
import type { Hl7RawValue } from './hl7-patient-event.ts';

/**
 * Synthetic ADT^A04 (register a patient) messages for the demo and the crash tests: written by
 * this project, with made-up identifiers and names (no real person), deterministic in `i`.
 * Message `i` belongs to patient `i % patients`.
 */
export function demoMessage(
  i: number,
  patients: number,
): { key: string; value: Hl7RawValue & Record<string, unknown> } {
  const p = i % patients;
  const controlId = `DEMO${String(i).padStart(8, '0')}`;
  const ts = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const text = [
    `MSH|^~\\&|DEMO-EHR|CLINIC-A|GAPSTREAM|ORG|${ts}||ADT^A04^ADT_A01|${controlId}|P|2.5.1`,
    `EVN|A04|${ts}`,
    `PID|1||MRN${p}^^^CLINIC-A^MR||DEMO^PATIENT${p}||19600101|F`,
    'PV1|1|O',
  ].join('\r');
  const messageBytes = Buffer.from(text, 'ascii');
  return {
    key: `CLINIC-A|MRN${p}`,
    value: {
      messageBytes,
      contentSha256: createHash('sha256').update(messageBytes).digest('hex'),
      sendingApplication: 'DEMO-EHR',
      sendingFacility: 'CLINIC-A',
      receivingApplication: 'GAPSTREAM',
      receivingFacility: 'ORG',
      messageDateTime: ts,
      messageCode: 'ADT',
      triggerEvent: 'A04',
      messageStructure: 'ADT_A01',
      messageControlId: controlId,
      processingId: 'P',
      versionId: '2.5.1',
      characterSets: [],
      receivedAt: Date.UTC(2026, 0, 1) + i * 60_000,
      listenerId: 'demo',
      peerAddress: null,
      duplicate: false,
      duplicateReason: null,
    },
  };
}
