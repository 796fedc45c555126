/**
 * Codec backed by a Confluent-compatible Schema Registry (here: Apicurio Registry 3.x through its
 * ccompat API at `/apis/ccompat/v7`). At start-up it registers every `schemas/<topic>.avsc` under
 * the subject `<topic>-value` (Confluent TopicNameStrategy), pins the subject's compatibility to
 * BACKWARD, and caches the ids; encode/decode then run through the shared {@link AvroWireCodec}.
 *
 * Registry access uses `@kafkajs/confluent-schema-registry` (its `register` and `getSchema`), plus
 * one plain HTTP call for the subject config, because of how Apicurio answers
 * `GET /config/<subject>` (see {@link ensureSubjectCompatibility}).
 */
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import type { Schema, Type } from 'avsc';
import { GapstreamError } from '../runtime/errors.ts';
import {
  AvroWireCodec,
  CodecErrorCode,
  SCHEMA_DIR,
  loadSchemas,
  valueSubject,
  type AvroRecordSchema,
  type Codec,
  type TopicSchema,
} from './codec-core.ts';
import { avroTypeOptions, createAvroType } from './logical-types.ts';

/** Options of {@link createRegistryCodec}. */
export interface RegistryCodecOptions {
  /** Base URL of the Confluent-compatible API, e.g. `http://127.0.0.1:18081/apis/ccompat/v7`. */
  url: string;
  /** Basic-auth user, when the registry requires authentication. */
  username?: string;
  /** Basic-auth password; required when `username` is set. */
  password?: string;
  /** Directory with the `<topic>.avsc` files. Default: this folder. */
  dir?: string;
  /**
   * Subject for a topic's values. Default `<topic>-value` (TopicNameStrategy). Tests pass a
   * prefixing function so each run gets its own subjects on a shared registry.
   */
  subjectFor?: (topic: string) => string;
}

/** The compatibility level every gapstream value subject is pinned to. */
export const SUBJECT_COMPATIBILITY = 'BACKWARD';

/** A connection to the registry: the kafkajs client plus what plain HTTP calls need. */
export interface RegistryConnection {
  client: SchemaRegistry;
  url: string;
  authHeader: string | undefined;
}

/** Open a connection (no network traffic yet). Validates the options first. */
export function connectRegistry(
  opts: Pick<RegistryCodecOptions, 'url' | 'username' | 'password'>,
): RegistryConnection {
  const problems: string[] = [];
  let url: URL | undefined;
  try {
    url = new URL(opts.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      problems.push(`url ${opts.url}: expected http or https`);
  } catch {
    problems.push(
      `url ${JSON.stringify(opts.url)}: not a URL; expected e.g. http://127.0.0.1:18081/apis/ccompat/v7`,
    );
  }
  if ((opts.username === undefined) !== (opts.password === undefined)) {
    problems.push('username and password: set both for basic auth, or neither');
  }
  if (problems.length > 0) {
    throw new GapstreamError('CONFIG_INVALID', `schema registry options invalid: ${problems.join('; ')}`);
  }
  const host = opts.url.replace(/\/+$/, '');
  const auth =
    opts.username !== undefined ? { username: opts.username, password: opts.password ?? '' } : undefined;
  const client = new SchemaRegistry(
    { host, clientId: 'gapstream', ...(auth ? { auth } : {}) },
    // Writer schemas fetched by id get the same logical types as our reader schemas.
    { [SchemaType.AVRO]: avroTypeOptions() },
  );
  return {
    client,
    url: host,
    authHeader: auth
      ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`
      : undefined,
  };
}

/**
 * Pin `subject` to BACKWARD compatibility with `PUT /config/<subject>`, before the first
 * registration. Done by hand rather than through the client's `register({ compatibility })`
 * because that method first reads `GET /config/<subject>` and throws unless the answer is the
 * level it was given or a 404. Confluent answers 404 for a subject without its own config;
 * Apicurio 3.3.3 answers 200 with the *global* level (NONE by default) once the subject exists,
 * so the client would refuse to register into an existing subject. Apicurio accepts the PUT for a
 * subject that does not exist yet and applies it to the first version (verified against 3.3.3).
 */
export async function ensureSubjectCompatibility(conn: RegistryConnection, subject: string): Promise<void> {
  const res = await registryFetch(conn, 'PUT', `/config/${encodeURIComponent(subject)}`, {
    compatibility: SUBJECT_COMPATIBILITY,
  });
  if (!res.ok) {
    throw new GapstreamError(
      CodecErrorCode.REGISTRATION_REFUSED,
      `schema registry refused to set compatibility ${SUBJECT_COMPATIBILITY} on subject ${subject}: HTTP ${res.status} ${await res.text()}`,
      { retriable: res.status >= 500 },
    );
  }
}

/**
 * Register `schema` under `subject` (BACKWARD) and return its id. The registry answers with the
 * existing id when the same schema is already registered, so this is idempotent at start-up.
 * An incompatible schema is refused by the registry with HTTP 409; that becomes a non-retriable
 * {@link GapstreamError} SCHEMA_REGISTRATION_REFUSED whose `cause` is the client's error (with
 * `status`).
 */
export async function registerSubjectSchema(
  conn: RegistryConnection,
  subject: string,
  schema: AvroRecordSchema,
): Promise<number> {
  await ensureSubjectCompatibility(conn, subject);
  try {
    const { id } = await conn.client.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
      { subject, compatibility: COMPATIBILITY.BACKWARD },
    );
    return id;
  } catch (err) {
    const status = httpStatus(err);
    if (status === 409) {
      throw new GapstreamError(
        CodecErrorCode.REGISTRATION_REFUSED,
        `schema registry refused ${schema.name} for subject ${subject}: not ${SUBJECT_COMPATIBILITY} compatible with the registered versions (HTTP 409). Make the change compatible (add fields as ["null", T] with "default": null; never remove a field without a default or change a type) or publish a new topic version (e.g. .v2). Registry said: ${(err as Error).message}`,
        { cause: err },
      );
    }
    if (status === 422 || status === 400) {
      throw new GapstreamError(
        CodecErrorCode.REGISTRATION_REFUSED,
        `schema registry rejected ${schema.name} for subject ${subject} (HTTP ${status}): ${(err as Error).message}`,
        { cause: err },
      );
    }
    throw unavailable(err, `registering ${subject}`);
  }
}

/**
 * Create the distributed-mode codec: register every schema (subjects `<topic>-value`, BACKWARD),
 * then encode with the registered ids and decode any id the registry knows, resolved into the
 * topic's current schema. Fails at start-up, before any record flows, when the registry is
 * unreachable (retriable) or refuses a schema (not retriable).
 */
export async function createRegistryCodec(opts: RegistryCodecOptions): Promise<Codec> {
  const conn = connectRegistry(opts);
  const schemas = await loadSchemas(opts.dir ?? SCHEMA_DIR);
  const subjectFor = opts.subjectFor ?? valueSubject;
  const topics = new Map<string, TopicSchema>();
  for (const [topic, schema] of schemas) {
    const schemaId = await registerSubjectSchema(conn, subjectFor(topic), schema);
    topics.set(topic, { type: createAvroType(schema as Schema), schemaId });
  }
  return new AvroWireCodec(topics, { writerType: (id) => fetchWriterType(conn, id) });
}

/** Writer schema by id (cached by the client); `undefined` when the registry does not know it. */
async function fetchWriterType(conn: RegistryConnection, schemaId: number): Promise<Type | undefined> {
  // Confluent serializers never write id 0 or negative ids; asking for them only costs a 404.
  if (schemaId <= 0) return undefined;
  try {
    const t: unknown = await conn.client.getSchema(schemaId);
    if (!avro.Type.isType(t)) return undefined; // a JSON or Protobuf schema id: not one of ours
    return t as Type;
  } catch (err) {
    if (httpStatus(err) === 404) return undefined;
    throw unavailable(err, `fetching schema id ${schemaId}`);
  }
}

function unavailable(err: unknown, doing: string): GapstreamError {
  const status = httpStatus(err);
  if (status === 401 || status === 403) {
    return new GapstreamError(
      'SCHEMA_REGISTRY_AUTH',
      `schema registry denied access while ${doing} (HTTP ${status}): check username/password`,
      { cause: err },
    );
  }
  return new GapstreamError(
    CodecErrorCode.REGISTRY_UNAVAILABLE,
    `schema registry unavailable while ${doing}${status ? ` (HTTP ${status})` : ''}: ${(err as Error)?.message ?? String(err)}`,
    { retriable: true, cause: err },
  );
}

function httpStatus(err: unknown): number | undefined {
  // The client's ResponseError carries `status` (api/middleware/errorMiddleware.js).
  const s = (err as { status?: unknown } | null)?.status;
  return typeof s === 'number' ? s : undefined;
}

async function registryFetch(
  conn: RegistryConnection,
  method: string,
  p: string,
  body?: unknown,
): Promise<Response> {
  const headers: Record<string, string> = {
    // The Confluent content type; Apicurio's ccompat API also accepts application/json.
    'Content-Type': 'application/vnd.schemaregistry.v1+json',
    Accept: 'application/vnd.schemaregistry.v1+json, application/json',
  };
  if (conn.authHeader) headers.Authorization = conn.authHeader;
  try {
    return await fetch(`${conn.url}${p}`, {
      method,
      headers,
      signal: AbortSignal.timeout(10_000),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (err) {
    throw unavailable(err, `${method} ${conn.url}${p}`);
  }
}
