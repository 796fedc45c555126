import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BadRecordError } from '../../runtime/errors.ts';
import { hl7PatientEvent, type Hl7RawValue } from '../../processors/slice/hl7-patient-event.ts';
import { createLocalCodec } from '../../schemas/codec.ts';
import { SHARED_DATA, sharedFiles } from '../support/shared-data.ts';

/**
 * Every public HL7 v2 file (~470, versions 2.1–2.8, malformed ones included) goes through the
 * foundation's path: wrapped as an hl7.raw.v1 record, Avro-encoded and decoded byte-exact, then
 * through the slice's stateless step. Each file must either become an event that encodes as
 * clinical.event.v1, or be refused with a BadRecordError (a dead letter) — never crash the step.
 */
describe('HL7 corpus through the raw codec and the slice step', () => {
  const files = sharedFiles('hl7');

  it('handles every file: an event or a specific refusal, never a crash', async () => {
    const codec = await createLocalCodec();
    const refused = new Map<string, number>();
    let events = 0;
    for (const file of files) {
      const bytes = readFileSync(file);
      const raw: Hl7RawValue & Record<string, unknown> = {
        messageBytes: bytes,
        contentSha256: createHash('sha256').update(bytes).digest('hex'),
        sendingApplication: null,
        sendingFacility: 'CORPUS',
        messageControlId: null,
        receivedAt: 0,
        listenerId: 'corpus',
        characterSets: [],
        duplicate: false,
      };
      const decoded = await codec.decode<Hl7RawValue>('hl7.raw.v1', await codec.encode('hl7.raw.v1', raw));
      expect(Buffer.compare(decoded.messageBytes, bytes), relative(SHARED_DATA, file)).toBe(0);
      try {
        const outputs = hl7PatientEvent.process(decoded, {
          source: { topic: 'hl7.raw.v1', partition: 0, offset: events },
          key: null,
          timestamp: 0,
        });
        for (const o of outputs) await codec.encode(o.topic, o.value);
        events++;
      } catch (err) {
        if (!(err instanceof BadRecordError))
          throw new Error(`${relative(SHARED_DATA, file)}: unexpected ${String(err)}`);
        refused.set(err.code, (refused.get(err.code) ?? 0) + 1);
      }
    }
    console.info(
      `hl7 corpus: ${files.length} files, ${events} events, refused ${JSON.stringify(Object.fromEntries(refused))}`,
    );
    expect(files.length).toBeGreaterThan(400);
    // Most public samples carry a PID; the refusals are the ones without (ACKs, queries, fuzz cases).
    expect(events).toBeGreaterThan(files.length / 2);
  });
});
