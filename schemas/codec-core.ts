/**
 * Internal core of the codecs; import from `schemas/codec.ts` instead.
 *
 * The value codec shared by every topic: Avro binary in the Confluent wire format, one reader
 * schema per topic (`schemas/<topic>.avsc`). The registry codec (`registry.ts`) and the embedded
 * codec (`local-codec.ts`) differ only in where schema ids come from and where a writer schema is
 * looked up; framing, validation, schema resolution and errors are this one file.
 *
 * Wire format (Confluent, https://docs.confluent.io/platform/current/schema-registry/fundamentals/serdes-develop/index.html#wire-format):
 *
 * | bytes | content |
 * |---|---|
 * | 0 | magic byte, always 0 |
 * | 1-4 | schema id, big-endian signed 32-bit |
 * | 5.. | Avro binary encoding of the value, written with that schema |
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Resolver, Schema, Type } from 'avsc';
import { BadRecordError, GapstreamError } from '../runtime/errors.ts';
import { createAvroType } from './logical-types.ts';

/** Encodes and decodes topic values; the same interface in embedded and distributed mode. */
export interface Codec {
  /** Validate `value` against the topic's schema and return it in the Confluent wire format. */
  encode(topic: string, value: unknown): Promise<Buffer>;
  /**
   * {@link encode} without the promise (throws instead of rejecting): for bulk producers.
   * `checked`: the caller already ran {@link check} on this very value (the claims watcher's
   * first pass), so the schema walk is not done twice.
   */
  encodeSync(topic: string, value: unknown, options?: { checked?: boolean }): Buffer;
  /** Why `value` would be refused by `encode` (field paths and expected types, never values), or null. */
  check(topic: string, value: unknown): string | null;
  /**
   * Decode a wire-format value read from `topic` into the topic's current (reader) schema shape.
   * Throws {@link BadRecordError} for anything that is not a decodable value of this topic, so the
   * runtime dead-letters it; throws a retriable {@link GapstreamError} when the registry is down.
   */
  decode<T>(topic: string, bytes: Buffer): Promise<T>;
  /** Schema id that `encode` writes for `topic`. */
  schemaId(topic: string): number;
  /** Topics this codec knows, sorted. */
  topics(): readonly string[];
}

/** A raw Avro record schema as read from a `.avsc` file. */
export type AvroRecordSchema = {
  type: 'record';
  name: string;
  namespace?: string;
  doc?: string;
  fields: unknown[];
} & Record<string, unknown>;

/** The magic byte of the Confluent wire format. */
export const MAGIC_BYTE = 0;
/** Length of the wire-format header: magic byte + 4-byte schema id. */
export const WIRE_HEADER_LENGTH = 5;

/** Error codes raised by the codecs (stable: they end up in deadletter.v1 `errorCode`). */
export const CodecErrorCode = {
  /** Value shorter than the 5-byte header. */
  WIRE_TRUNCATED: 'SCHEMA_WIRE_TRUNCATED',
  /** First byte is not 0: not Confluent-framed (raw JSON, raw Avro, another serializer). */
  WIRE_MAGIC: 'SCHEMA_WIRE_MAGIC',
  /** Schema id not known to the registry (or to the local codec). */
  UNKNOWN_ID: 'SCHEMA_UNKNOWN_ID',
  /** Writer schema cannot be resolved into the topic's reader schema (e.g. another topic's id). */
  INCOMPATIBLE_WRITER: 'SCHEMA_INCOMPATIBLE_WRITER',
  /** Avro body does not decode with the writer schema (corrupt or truncated). */
  AVRO_DECODE: 'SCHEMA_AVRO_DECODE',
  /** A value given to `encode` does not match the topic schema. */
  VALIDATION: 'SCHEMA_VALIDATION',
  /** `encode`/`decode` called with a topic that has no `.avsc` (a programming error). */
  UNKNOWN_TOPIC: 'SCHEMA_UNKNOWN_TOPIC',
  /** The registry could not be reached or answered 5xx: retriable. */
  REGISTRY_UNAVAILABLE: 'SCHEMA_REGISTRY_UNAVAILABLE',
  /** The registry refused a schema at start-up (incompatible change, invalid schema). */
  REGISTRATION_REFUSED: 'SCHEMA_REGISTRATION_REFUSED',
  /** A `.avsc` file is missing, unreadable or not a valid Avro record schema. */
  SCHEMA_INVALID: 'SCHEMA_INVALID',
} as const;

/** Directory holding the `.avsc` files (this folder). */
export const SCHEMA_DIR = path.dirname(fileURLToPath(import.meta.url));

/**
 * Read every `<topic>.avsc` in `dir`, keyed by topic name (the file name without `.avsc`), in
 * sorted order. Each must be an Avro record schema that avsc accepts with our logical types.
 */
export async function loadSchemas(dir: string = SCHEMA_DIR): Promise<Map<string, AvroRecordSchema>> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.avsc')).sort();
  const out = new Map<string, AvroRecordSchema>();
  for (const file of files) {
    const topic = file.slice(0, -'.avsc'.length);
    let schema: unknown;
    try {
      schema = JSON.parse(await readFile(path.join(dir, file), 'utf8'));
      createAvroType(schema as Schema);
    } catch (err) {
      throw new GapstreamError(
        CodecErrorCode.SCHEMA_INVALID,
        `schema file ${file} is not a valid Avro schema: ${(err as Error).message}. Fix the file; schemas are checked by schemas/schemas.test.ts.`,
        { cause: err },
      );
    }
    if (typeof schema !== 'object' || schema === null || (schema as { type?: unknown }).type !== 'record') {
      throw new GapstreamError(
        CodecErrorCode.SCHEMA_INVALID,
        `schema file ${file} must hold one Avro record schema (top-level "type": "record")`,
      );
    }
    out.set(topic, schema as AvroRecordSchema);
  }
  return out;
}

/** The Confluent subject of a topic's values (TopicNameStrategy: `<topic>-value`). */
export function valueSubject(topic: string): string {
  return `${topic}-value`;
}

/** Prefix `avroBody` with the wire-format header for `schemaId`. */
export function frame(schemaId: number, avroBody: Buffer): Buffer {
  const header = Buffer.alloc(WIRE_HEADER_LENGTH);
  header.writeUInt8(MAGIC_BYTE, 0);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, avroBody]);
}

/** Split a wire-format value into schema id and Avro body; BadRecordError when it is not framed. */
export function unframe(topic: string, bytes: Buffer): { schemaId: number; body: Buffer } {
  if (!Buffer.isBuffer(bytes) || bytes.length < WIRE_HEADER_LENGTH) {
    throw new BadRecordError(
      CodecErrorCode.WIRE_TRUNCATED,
      `value on topic ${topic} is ${Buffer.isBuffer(bytes) ? `${bytes.length} bytes` : 'not a Buffer'}; a Confluent wire-format value has at least ${WIRE_HEADER_LENGTH} (magic byte + schema id)`,
    );
  }
  const magic = bytes.readUInt8(0);
  if (magic !== MAGIC_BYTE) {
    throw new BadRecordError(
      CodecErrorCode.WIRE_MAGIC,
      `value on topic ${topic} starts with byte 0x${magic.toString(16).padStart(2, '0')}, expected magic byte 0x00 of the Confluent wire format; it was not written by a schema-registry serializer`,
    );
  }
  return { schemaId: bytes.readInt32BE(1), body: bytes.subarray(WIRE_HEADER_LENGTH) };
}

/**
 * Stable, deterministic schema id for embedded mode: the first 31 bits of the SHA-256 of the
 * schema's JSON with sorted keys (never 0, which Confluent serializers treat as "no id").
 * The whole JSON (docs, defaults, logical types) is hashed, not Avro's Parsing Canonical Form,
 * because the canonical form drops `logicalType`, and a decimal must not share an id with bytes.
 */
export function localSchemaId(schema: unknown): number {
  const digest = createHash('sha256').update(stableStringify(schema)).digest();
  return digest.readUInt32BE(0) & 0x7fffffff || 1;
}

function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableStringify(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Where the codec core gets writer schemas by id. */
export interface WriterSchemaSource {
  /** The writer type for `schemaId`, or `undefined` when the id is unknown (-> BadRecordError). */
  writerType(schemaId: number): Promise<Type | undefined>;
}

/** What the codec core needs per topic. */
export interface TopicSchema {
  /** Reader (and writer, for encode) type built from `schemas/<topic>.avsc`. */
  type: Type;
  /** Id written by `encode`. */
  schemaId: number;
}

/**
 * The codec core shared by both modes. Encode validates first (so errors name the field path,
 * never the value), then writes Avro binary with the topic schema, then frames it. Decode unframes,
 * fetches the writer schema by id, and resolves it into the topic's reader schema, which is what
 * makes BACKWARD evolution work: a consumer built against v(n) reads values written with v(n-1).
 */
export class AvroWireCodec implements Codec {
  private readonly resolvers = new Map<string, Resolver | null>();

  constructor(
    private readonly schemas: ReadonlyMap<string, TopicSchema>,
    private readonly writers: WriterSchemaSource,
  ) {}

  topics(): readonly string[] {
    return [...this.schemas.keys()].sort();
  }

  schemaId(topic: string): number {
    return this.topicSchema(topic).schemaId;
  }

  private scratch = Buffer.allocUnsafe(64 * 1024);

  encode(topic: string, value: unknown): Promise<Buffer> {
    // Synchronous work wrapped in a promise, so callers get a rejected promise rather than a throw.
    return new Promise((resolve) => resolve(this.encodeSync(topic, value)));
  }

  check(topic: string, value: unknown): string | null {
    const { type } = this.topicSchema(topic);
    // Fast path: avsc's compiled check (no hook) accepts almost every value; only an invalid one
    // pays for the walk that names the bad fields.
    if (type.isValid(value, { noUndeclaredFields: true })) return null;
    const problems = validationProblems(type, value);
    // Only paths and expected types: the value may be PHI (names, birth dates, identifiers).
    return `value for topic ${topic} does not match schema ${type.name ?? topic}: ${problems.length > 0 ? problems.join('; ') : 'invalid value'}`;
  }

  /** Synchronous {@link Codec.encode}; both codecs have every reader type in memory. */
  encodeSync(topic: string, value: unknown, options: { checked?: boolean } = {}): Buffer {
    const { type, schemaId } = this.topicSchema(topic);
    const problem = options.checked === true ? null : this.check(topic, value);
    if (problem !== null) throw new BadRecordError(CodecErrorCode.VALIDATION, problem);
    // Encode straight after the 5-byte header in a reused scratch buffer, then copy once: one
    // allocation per record instead of three (toBuffer, header, concat).
    for (;;) {
      const n = type.encode(value, this.scratch, WIRE_HEADER_LENGTH);
      if (n >= 0) {
        this.scratch.writeUInt8(MAGIC_BYTE, 0);
        this.scratch.writeInt32BE(schemaId, 1);
        return Buffer.from(this.scratch.subarray(0, n));
      }
      this.scratch = Buffer.allocUnsafe(Math.max(this.scratch.length * 2, this.scratch.length - n));
    }
  }

  async decode<T>(topic: string, bytes: Buffer): Promise<T> {
    const { type: reader } = this.topicSchema(topic);
    const { schemaId, body } = unframe(topic, bytes);
    const resolver = await this.resolverFor(topic, reader, schemaId);
    try {
      // fromBuffer checks that the whole body is consumed ("trailing data"), catching values
      // that were framed with the wrong id but happen to decode.
      return (resolver ? reader.fromBuffer(body, resolver) : reader.fromBuffer(body)) as T;
    } catch (err) {
      throw new BadRecordError(
        CodecErrorCode.AVRO_DECODE,
        `value on topic ${topic} (schema id ${schemaId}) is not valid Avro for its writer schema: ${avroDecodeReason(err)}`,
        err,
      );
    }
  }

  private topicSchema(topic: string): TopicSchema {
    const s = this.schemas.get(topic);
    if (!s) {
      throw new GapstreamError(
        CodecErrorCode.UNKNOWN_TOPIC,
        `no schema for topic ${JSON.stringify(topic)}; known topics: ${this.topics().join(', ')}. Add schemas/${topic}.avsc or fix the topic name.`,
      );
    }
    return s;
  }

  /** `null` = reader and writer are the same schema (no resolution needed). Cached per topic+id. */
  private async resolverFor(topic: string, reader: Type, schemaId: number): Promise<Resolver | null> {
    const key = `${topic}\u0000${schemaId}`;
    const cached = this.resolvers.get(key);
    if (cached !== undefined) return cached;
    const writer = await this.writers.writerType(schemaId);
    if (!writer) {
      throw new BadRecordError(
        CodecErrorCode.UNKNOWN_ID,
        `value on topic ${topic} names schema id ${schemaId}, which the schema registry does not know (written against another registry, or the subject was deleted)`,
      );
    }
    let resolver: Resolver | null;
    if (writer.equals(reader)) {
      resolver = null;
    } else {
      try {
        resolver = reader.createResolver(writer);
      } catch (err) {
        throw new BadRecordError(
          CodecErrorCode.INCOMPATIBLE_WRITER,
          `value on topic ${topic} was written with schema id ${schemaId} (${writer.name ?? 'unnamed'}), which cannot be read as ${reader.name ?? topic}: ${(err as Error).message}`,
          err,
        );
      }
    }
    this.resolvers.set(key, resolver);
    return resolver;
  }
}

/** Field paths (dotted, array indexes in brackets) where `value` does not match `type`, PHI-free. */
export function validationProblems(type: Type, value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [
      `<root> (expected record ${type.name ?? ''}, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value})`,
    ];
  }
  // Unknown keys are errors: a misspelt optional field would otherwise be dropped silently. avsc's
  // noUndeclaredFields flag only says "this record is invalid", so we name the keys ourselves.
  const problems = undeclaredFields(type, value, []);
  type.isValid(value, {
    errorHook: (pathParts: string[], _val: unknown, t: Type) => {
      problems.push(`${formatPath(pathParts)} (expected ${describeType(t)})`);
    },
  });
  return problems;
}

function formatPath(parts: readonly string[]): string {
  if (parts.length === 0) return '<root>';
  return parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function describeType(t: Type): string {
  const tn = t.typeName;
  if (tn === 'record' || tn === 'enum' || tn === 'fixed' || tn === 'error') {
    if (tn === 'enum')
      return `enum ${t.name ?? ''} ${JSON.stringify((t as unknown as { symbols: string[] }).symbols)}`;
    return `${tn} ${t.name ?? ''}`.trim();
  }
  if (tn === 'union:unwrapped' || tn === 'union:wrapped') {
    const branches = (t as unknown as { types: Type[] }).types.map(describeType);
    return `one of ${branches.join(' | ')}${tn === 'union:wrapped' ? ' (wrapped as {"<branch full name>": value})' : ''}`;
  }
  if (tn === 'logical:decimal') return 'decimal string like "1234.56"';
  if (tn === 'logical:date') return 'date string "YYYY-MM-DD"';
  if (tn === 'logical:timestamp-millis') return 'epoch milliseconds (integer)';
  if (tn === 'long' && (t as unknown as { _logicalTypeName?: string })._logicalTypeName) return 'integer';
  if (tn === 'array') return 'array';
  if (tn === 'map') return 'object with string keys';
  return tn;
}

/** Names of keys that the schema does not declare, found by walking records (PHI-free: names only). */
function undeclaredFields(type: Type, value: unknown, at: string[]): string[] {
  if (value === null || typeof value !== 'object') return [];
  const t = type as unknown as { typeName: string; types?: Type[]; itemsType?: Type; valuesType?: Type };
  switch (t.typeName) {
    case 'record': {
      const fields = (type as unknown as { fields: { name: string; type: Type }[] }).fields;
      const names = new Set(fields.map((f) => f.name));
      const out = Object.keys(value)
        .filter((k) => !names.has(k))
        .map((k) => `${formatPath([...at, k])} (not declared in ${type.name ?? 'record'})`);
      for (const f of fields) {
        out.push(...undeclaredFields(f.type, (value as Record<string, unknown>)[f.name], [...at, f.name]));
      }
      return out;
    }
    case 'union:unwrapped':
      // At most one record branch in an unwrapped union (avsc's rule), so no ambiguity here.
      return (t.types ?? []).flatMap((b) => (b.typeName === 'record' ? undeclaredFields(b, value, at) : []));
    case 'union:wrapped': {
      const keys = Object.keys(value);
      const branch = keys.length === 1 ? (t.types ?? []).find((b) => b.branchName === keys[0]) : undefined;
      return branch
        ? undeclaredFields(branch, (value as Record<string, unknown>)[keys[0] as string], [
            ...at,
            keys[0] as string,
          ])
        : [];
    }
    case 'array':
      return Array.isArray(value) && t.itemsType
        ? value.flatMap((v, i) => undeclaredFields(t.itemsType as Type, v, [...at, String(i)]))
        : [];
    default:
      return [];
  }
}

function avroDecodeReason(err: unknown): string {
  // avsc messages on decode failure name positions and types ("truncated buffer", "trailing data",
  // "invalid union index"), never values, so they are safe to keep.
  const msg = err instanceof Error ? err.message : String(err);
  return msg.length > 200 ? `${msg.slice(0, 200)}...` : msg;
}
