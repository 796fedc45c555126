import { BadRecordError } from '../../runtime/errors.ts';
import type { StatelessStep, StepContext, StepOutput } from '../../runtime/runner/step.ts';
import { clinicalPayload } from '../../schemas/codec.ts';

/** The parts of an `hl7.raw.v1` value this step reads. */
export interface Hl7RawValue {
  messageBytes: Buffer;
  contentSha256: string;
  sendingApplication: string | null;
  sendingFacility: string | null;
  messageControlId: string | null;
  receivedAt: number;
}

/**
 * The thin slice's stateless step: pulls the first PID-3 identifier out of a raw HL7 v2 message
 * and emits a PATIENT `clinical.event.v1`, keyed by sending facility + identifier so all events
 * of one patient from one source share a partition. The full normalizer (every segment, feed
 * profiles, code maps) is processors/normalize's job; this step only proves the pipeline.
 */
export const hl7PatientEvent: StatelessStep<Hl7RawValue> = {
  kind: 'stateless',
  name: 'slice-hl7-patient-event',
  input: 'hl7.raw.v1',
  outputs: ['clinical.event.v1'],
  process(raw: Hl7RawValue, ctx: StepContext): StepOutput[] {
    const text = raw.messageBytes.toString('latin1');
    const segments = text.split(/\r\n|\r|\n/);
    const msh = segments.find((s) => s.startsWith('MSH'));
    if (!msh || msh.length < 8)
      throw new BadRecordError('HL7_NO_MSH', 'message does not start with an MSH segment');
    const field = msh[3]!;
    const component = msh[4]!;
    const pid = segments.find((s) => s.startsWith(`PID${field}`));
    if (!pid)
      throw new BadRecordError(
        'HL7_NO_PID',
        `message ${raw.messageControlId ?? '(no MSH-10)'} has no PID segment`,
      );
    // PID-3 (patient identifier list): first repetition, CX.1 value and CX.4 assigning authority.
    const pid3 = pid.split(field)[3] ?? '';
    const firstRep = pid3.split(msh[5] ?? '~')[0] ?? '';
    const parts = firstRep.split(component);
    const id = parts[0] ?? '';
    if (id === '')
      throw new BadRecordError(
        'HL7_NO_PATIENT_ID',
        `message ${raw.messageControlId ?? '(no MSH-10)'} has an empty PID-3`,
      );
    const authority = (parts[3] ?? '').split(msh[6] ?? '&')[0] || null;
    const facility = raw.sendingFacility ?? '';
    return [
      {
        topic: 'clinical.event.v1',
        key: `${facility}|${id}`,
        value: {
          // Deterministic: a replayed record yields the same event id, which sinks use to stay idempotent.
          eventId: `${ctx.source.topic}/${ctx.source.partition}/${ctx.source.offset}`,
          kind: 'PATIENT',
          sourceSystem: raw.sendingApplication,
          sourceFacility: raw.sendingFacility,
          sourceMessageControlId: raw.messageControlId,
          patientIdentifiers: [{ value: id, assigningAuthority: authority, idType: parts[4] || null }],
          occurredAt: raw.receivedAt,
          recordedAt: ctx.timestamp,
          payload: clinicalPayload('PATIENT', {}),
        },
      },
    ];
  },
};
