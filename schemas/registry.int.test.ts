/**
 * Integration tests against a real Confluent-compatible registry (Apicurio 3.3.3 from
 * infra/local/apicurio.sh). Every run uses its own random subjects; an unreachable registry fails
 * the run (CONVENTIONS.md 10), it never skips.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadRecordError, GapstreamError } from '../runtime/errors.ts';
import {
  CodecErrorCode,
  connectRegistry,
  createLocalCodec,
  createRegistryCodec,
  frame,
  loadSchemas,
  registerSubjectSchema,
  type AvroRecordSchema,
  type Codec,
  type RegistryConnection,
} from './codec.ts';
import { EXAMPLES } from './examples.ts';

const URL_ = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:18081/apis/ccompat/v7';
const RUN = `it-${randomUUID().slice(0, 8)}`;
const subjectFor = (topic: string): string => `${RUN}.${topic}-value`;
const createdSubjects = new Set<string>();

async function http(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${URL_}${path}`, {
    method,
    headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : null };
}

beforeAll(async () => {
  try {
    const res = await fetch(`${URL_}/subjects`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`GET /subjects answered HTTP ${res.status}`);
  } catch (err) {
    throw new Error(
      `Schema registry not reachable at ${URL_} (${(err as Error).message}). Start it with infra/local/apicurio.sh start, or set SCHEMA_REGISTRY_URL.`,
    );
  }
});

afterAll(async () => {
  // Soft then hard delete, Confluent semantics; the local Apicurio enables deletion. Best effort:
  // a registry that forbids deletion keeps a few random subjects, which harms no other run.
  for (const s of createdSubjects) {
    await http('DELETE', `/subjects/${encodeURIComponent(s)}`).catch(() => undefined);
    await http('DELETE', `/subjects/${encodeURIComponent(s)}?permanent=true`).catch(() => undefined);
  }
});

describe('registry codec (real registry)', () => {
  let codec: Codec;
  let topics: string[];

  beforeAll(async () => {
    topics = [...(await loadSchemas()).keys()];
    topics.forEach((t) => createdSubjects.add(subjectFor(t)));
    codec = await createRegistryCodec({ url: URL_, subjectFor });
  });

  it('registers every topic schema under <topic>-value at start-up, with BACKWARD compatibility', async () => {
    const { json: subjects } = await http('GET', '/subjects');
    for (const t of topics) {
      expect(subjects).toContain(subjectFor(t));
      const latest = await http('GET', `/subjects/${encodeURIComponent(subjectFor(t))}/versions/latest`);
      expect(latest.status).toBe(200);
      expect((latest.json as { id: number }).id).toBe(codec.schemaId(t));
      const config = await http('GET', `/config/${encodeURIComponent(subjectFor(t))}`);
      expect(config.json).toMatchObject({ compatibilityLevel: 'BACKWARD' });
    }
  });

  it('is idempotent: a second start-up gets the same ids and no new versions', async () => {
    const again = await createRegistryCodec({ url: URL_, subjectFor });
    for (const t of topics) {
      expect(again.schemaId(t)).toBe(codec.schemaId(t));
      const versions = await http('GET', `/subjects/${encodeURIComponent(subjectFor(t))}/versions`);
      expect(versions.json).toEqual([1]);
    }
  });

  it.each(Object.keys(EXAMPLES))('round-trips %s in the Confluent wire format', async (topic) => {
    const value = EXAMPLES[topic as keyof typeof EXAMPLES];
    const bytes = await codec.encode(topic, value);
    expect(bytes[0]).toBe(0); // magic byte
    expect(bytes.readInt32BE(1)).toBe(codec.schemaId(topic)); // big-endian registry id
    expect(await codec.decode(topic, bytes)).toEqual(value);
    // A fresh codec (cold cache) resolves the id through the registry.
    const cold = await createRegistryCodec({ url: URL_, subjectFor });
    expect(await cold.decode(topic, bytes)).toEqual(value);
  });

  it('the Avro body equals the local codec body: only the id differs between modes', async () => {
    const local = await createLocalCodec();
    const a = await codec.encode('claim.line.v1', EXAMPLES['claim.line.v1']);
    const b = await local.encode('claim.line.v1', EXAMPLES['claim.line.v1']);
    expect(a.subarray(5)).toEqual(b.subarray(5));
  });

  it('the registry holds the schema with its docs, and the wire id resolves to it', async () => {
    const id = codec.schemaId('hl7.raw.v1');
    const res = await http('GET', `/schemas/ids/${id}`);
    expect(res.status).toBe(200);
    const schema = JSON.parse((res.json as { schema: string }).schema) as AvroRecordSchema;
    expect(schema.name).toBe('Hl7Raw');
    expect(schema.namespace).toBe('org.gapstream.v1');
    expect(typeof schema.doc).toBe('string');
  });

  it('decoding an id the registry does not know gives BadRecordError SCHEMA_UNKNOWN_ID', async () => {
    const err = await codec.decode('claim.line.v1', frame(2_000_000_000, Buffer.from([2, 0x41]))).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BadRecordError);
    expect((err as BadRecordError).code).toBe(CodecErrorCode.UNKNOWN_ID);
  });

  it('decoding a value with a bad magic byte gives BadRecordError SCHEMA_WIRE_MAGIC', async () => {
    const good = await codec.encode('deadletter.v1', EXAMPLES['deadletter.v1']);
    const bad = Buffer.from(good);
    bad[0] = 0x01;
    await expect(codec.decode('deadletter.v1', bad)).rejects.toMatchObject({
      name: 'BadRecordError',
      code: CodecErrorCode.WIRE_MAGIC,
    });
  });
});

describe('schema evolution is governed by the registry (BACKWARD)', () => {
  let conn: RegistryConnection;
  const base: AvroRecordSchema = {
    type: 'record',
    name: 'Evolving',
    namespace: 'org.gapstream.v1',
    doc: 'evolution test',
    fields: [
      { name: 'id', type: 'string', doc: 'id' },
      { name: 'count', type: 'int', doc: 'a count' },
    ],
  };

  beforeAll(() => {
    conn = connectRegistry({ url: URL_ });
  });

  async function freshSubject(): Promise<string> {
    const subject = `${RUN}.evolve-${randomUUID().slice(0, 6)}-value`;
    createdSubjects.add(subject);
    await registerSubjectSchema(conn, subject, base);
    return subject;
  }

  it('REFUSES adding a required field with no default (HTTP 409)', async () => {
    const subject = await freshSubject();
    const incompatible = {
      ...base,
      fields: [...base.fields, { name: 'mandatory', type: 'string', doc: 'no default' }],
    };
    const err = await registerSubjectSchema(conn, subject, incompatible).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GapstreamError);
    expect((err as GapstreamError).code).toBe(CodecErrorCode.REGISTRATION_REFUSED);
    expect((err as GapstreamError).retriable).toBe(false);
    expect((err as GapstreamError).message).toContain('HTTP 409');
    expect(((err as GapstreamError).cause as { status?: number }).status).toBe(409);

    // The raw API answers the same: 409 with Confluent error_code 409, and no new version.
    const raw = await http('POST', `/subjects/${encodeURIComponent(subject)}/versions`, {
      schema: JSON.stringify(incompatible),
    });
    expect(raw.status).toBe(409);
    expect(raw.json).toMatchObject({ error_code: 409 });
    expect((await http('GET', `/subjects/${encodeURIComponent(subject)}/versions`)).json).toEqual([1]);
  });

  it('REFUSES changing a field type (int -> string)', async () => {
    const subject = await freshSubject();
    const changed = {
      ...base,
      fields: [base.fields[0], { name: 'count', type: 'string', doc: 'now text' }],
    };
    await expect(registerSubjectSchema(conn, subject, changed)).rejects.toMatchObject({
      code: CodecErrorCode.REGISTRATION_REFUSED,
    });
  });

  it('ACCEPTS adding an optional field with a default, and old values decode with the new schema', async () => {
    const subject = await freshSubject();
    const v1Id = (await http('GET', `/subjects/${encodeURIComponent(subject)}/versions/latest`)).json as {
      id: number;
    };
    const evolved = {
      ...base,
      fields: [...base.fields, { name: 'note', type: ['null', 'string'], default: null, doc: 'added in v2' }],
    };
    const v2Id = await registerSubjectSchema(conn, subject, evolved);
    expect(v2Id).not.toBe(v1Id.id);
    expect((await http('GET', `/subjects/${encodeURIComponent(subject)}/versions`)).json).toEqual([1, 2]);
  });

  it('a consumer on the evolved schema reads values written with the previous version', async () => {
    // A writer process on v1 of claim.line.v1 and a reader process whose schema adds an optional
    // field, sharing one subject: the reader registers v2 (accepted) and resolves v1 values.
    const dir = await mkdtemp(path.join(tmpdir(), 'gs-evolve-'));
    const schemas = await loadSchemas();
    const v1 = schemas.get('claim.line.v1') as AvroRecordSchema;
    const v2 = {
      ...v1,
      fields: [
        ...v1.fields,
        { name: 'payerId', type: ['null', 'string'], default: null, doc: 'added in a later version' },
      ],
    };
    const sub = (t: string): string => `${RUN}.evo2.${t}-value`;
    createdSubjects.add(sub('claim.line.v1'));
    await writeFile(path.join(dir, 'claim.line.v1.avsc'), JSON.stringify(v1));
    const writer = await createRegistryCodec({ url: URL_, dir, subjectFor: sub });
    const bytes = await writer.encode('claim.line.v1', EXAMPLES['claim.line.v1']);
    await writeFile(path.join(dir, 'claim.line.v1.avsc'), JSON.stringify(v2));
    const reader = await createRegistryCodec({ url: URL_, dir, subjectFor: sub });
    expect(reader.schemaId('claim.line.v1')).not.toBe(writer.schemaId('claim.line.v1'));
    expect(await reader.decode('claim.line.v1', bytes)).toEqual({
      ...EXAMPLES['claim.line.v1'],
      payerId: null,
    });
    await rm(dir, { recursive: true, force: true });
  });
});

describe('registry failures', () => {
  it('an unreachable registry fails start-up with a retriable SCHEMA_REGISTRY_UNAVAILABLE', async () => {
    const err = await createRegistryCodec({ url: 'http://127.0.0.1:1/apis/ccompat/v7', subjectFor }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GapstreamError);
    expect((err as GapstreamError).code).toBe(CodecErrorCode.REGISTRY_UNAVAILABLE);
    expect((err as GapstreamError).retriable).toBe(true);
  });

  it('bad options are rejected before any request', () => {
    expect(() => connectRegistry({ url: 'not a url' })).toThrow(/not a URL/);
    expect(() => connectRegistry({ url: URL_, username: 'u' })).toThrow(/username and password/);
  });
});
