import { createHash } from 'node:crypto';

// Made-up names (common US given and family names; no real person is meant).
const GIVEN = [
  'ANA',
  'BEN',
  'CARLA',
  'DAVID',
  'ELENA',
  'FRANK',
  'GRACE',
  'HENRY',
  'IRIS',
  'JAMES',
  'KAREN',
  'LUIS',
  'MAYA',
  'NOAH',
  'OLGA',
  'PAUL',
  'QUINN',
  'ROSA',
  'SAM',
  'TARA',
];
const FAMILY = [
  'ADAMS',
  'BROOKS',
  'CHEN',
  'DIAZ',
  'EVANS',
  'FOSTER',
  'GARCIA',
  'HAYES',
  'IBRAHIM',
  'JOHNSON',
  'KIM',
  'LOPEZ',
  'MILLER',
  'NGUYEN',
  'OWENS',
  'PATEL',
  'QUINTERO',
  'REYES',
  'SMITH',
  'TAYLOR',
  'USMAN',
  'VARGAS',
  'WALKER',
  'XU',
  'YOUNG',
];

/** Demographics of demo patient `p`: distinct name, birth date and sex per patient (p < 100). */
function demoPid(p: number): string {
  const name = `${FAMILY[(p * 7) % FAMILY.length]!}^${GIVEN[p % GIVEN.length]!}`;
  const dob = `${1940 + ((p * 7) % 60)}${String((p % 12) + 1).padStart(2, '0')}${String(((p * 3) % 28) + 1).padStart(2, '0')}`;
  const zip = String(60601 + (p % 40));
  return `PID|1||MRN${p}^^^CLINIC-A^MR||${name}||${dob}|${p % 2 === 0 ? 'F' : 'M'}|||${p + 1} MAIN ST^^CHICAGO^IL^${zip}`;
}

/**
 * Synthetic ADT^A04 (register a patient) messages for the demo, the crash tests and benchmarks:
 * written by this project, with made-up identifiers and names (no real person), deterministic
 * in `i`. Message `i` belongs to patient `i % patients`.
 */
export function demoMessage(
  i: number,
  patients: number,
): { patient: number; controlId: string; bytes: Buffer } {
  const p = i % patients;
  const controlId = `DEMO${String(i).padStart(8, '0')}`;
  const ts = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const text = [
    `MSH|^~\\&|DEMO-EHR|CLINIC-A|GAPSTREAM|ORG|${ts}||ADT^A04^ADT_A01|${controlId}|P|2.5.1`,
    `EVN|A04|${ts}`,
    demoPid(p),
    'PV1|1|O',
  ].join('\r');
  return { patient: p, controlId, bytes: Buffer.from(text, 'ascii') };
}

/**
 * Demo message `i` as the `hl7.raw.v1` value the MLLP listener would publish, with its record
 * key (for tests and benchmarks that write the raw topic directly).
 */
export function demoRawRecord(
  i: number,
  patients: number,
): { key: string; value: Record<string, unknown> & { messageBytes: Buffer } } {
  const m = demoMessage(i, patients);
  return {
    key: `CLINIC-A|MRN${m.patient}^^^CLINIC-A`,
    value: {
      messageBytes: m.bytes,
      contentSha256: createHash('sha256').update(m.bytes).digest('hex'),
      sendingApplication: 'DEMO-EHR',
      sendingFacility: 'CLINIC-A',
      receivingApplication: 'GAPSTREAM',
      receivingFacility: 'ORG',
      messageCode: 'ADT',
      triggerEvent: 'A04',
      messageStructure: 'ADT_A01',
      messageControlId: m.controlId,
      processingId: 'P',
      versionId: '2.5.1',
      characterSets: [],
      receivedAt: Date.UTC(2026, 0, 1) + i * 60_000,
      listenerId: 'demo',
      duplicate: false,
    },
  };
}
