/**
 * Registry-less codec for embedded mode: the same Confluent wire format and the same code path
 * (`AvroWireCodec`) as the registry codec, with schema ids assigned locally.
 *
 * Ids are derived from each schema's content ({@link localSchemaId}: SHA-256 of the sorted-key
 * JSON, first 31 bits), not from a position in a sorted file list. A position would shift every
 * later id when a topic is added, and embedded mode keeps a durable local log, so old values would
 * then decode with the wrong schema. A content id never moves: a value written before a schema
 * change names an id that is simply unknown afterwards (BadRecordError SCHEMA_UNKNOWN_ID, dead
 * letter), unless the previous schema is kept as a known writer (see `history` below).
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Schema, Type } from 'avsc';
import { GapstreamError } from '../runtime/errors.ts';
import {
  AvroWireCodec,
  CodecErrorCode,
  SCHEMA_DIR,
  loadSchemas,
  localSchemaId,
  type AvroRecordSchema,
  type Codec,
  type TopicSchema,
} from './codec-core.ts';
import { createAvroType } from './logical-types.ts';

/** Options of {@link createLocalCodec}. */
export interface LocalCodecOptions {
  /** Directory with the current `<topic>.avsc` files. Default: this folder. */
  dir?: string;
  /**
   * Directory with earlier schema versions that values in a local log may still be written with,
   * as `<anything>.avsc` (e.g. `claim.line.v1@3.avsc`). They are only used as writer schemas when
   * decoding. Default: `<dir>/history`; a missing directory means no history.
   */
  historyDir?: string;
}

/**
 * Create the embedded-mode codec. Needs no network; ids are deterministic across processes and
 * restarts, so a value written by one embedded process decodes in another.
 */
export async function createLocalCodec(opts: LocalCodecOptions = {}): Promise<Codec> {
  const dir = opts.dir ?? SCHEMA_DIR;
  const schemas = await loadSchemas(dir);
  const topics = new Map<string, TopicSchema>();
  const writers = new Map<number, Type>();
  const register = (label: string, schema: AvroRecordSchema): TopicSchema => {
    const schemaId = localSchemaId(schema);
    const type = createAvroType(schema as Schema);
    const existing = writers.get(schemaId);
    if (existing && !existing.equals(type)) {
      // 31-bit ids: a collision between a handful of schemas is about 1 in 10^8; fail loudly anyway.
      throw new GapstreamError(
        CodecErrorCode.SCHEMA_INVALID,
        `local schema id ${schemaId} of ${label} collides with another schema; change the schema's doc text to move it`,
      );
    }
    writers.set(schemaId, type);
    return { type, schemaId };
  };
  for (const [topic, schema] of schemas) topics.set(topic, register(topic, schema));
  const historyDir = opts.historyDir ?? path.join(dir, 'history');
  if (await isDirectory(historyDir)) {
    for (const [name, schema] of await loadSchemas(historyDir)) register(`history/${name}`, schema);
  }
  return new AvroWireCodec(topics, {
    writerType: (id) => Promise.resolve(writers.get(id)),
  });
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    await readdir(p);
    return true;
  } catch {
    return false;
  }
}
