/**
 * Public entry of the schema codecs: import everything schema-related from here.
 *
 * - {@link createRegistryCodec}: distributed mode, ids from a Confluent-compatible registry.
 * - {@link createLocalCodec}: embedded mode, ids derived locally from schema content.
 *
 * Both return a {@link Codec} with the same wire format (Confluent: magic byte 0, 4-byte
 * big-endian schema id, Avro binary) and the same encode/decode code path. See docs/schemas.md.
 */
export {
  AvroWireCodec,
  CodecErrorCode,
  MAGIC_BYTE,
  SCHEMA_DIR,
  WIRE_HEADER_LENGTH,
  frame,
  loadSchemas,
  localSchemaId,
  unframe,
  valueSubject,
  type AvroRecordSchema,
  type Codec,
  type TopicSchema,
  type WriterSchemaSource,
} from './codec-core.ts';
export { createLocalCodec, type LocalCodecOptions } from './local-codec.ts';
export {
  SUBJECT_COMPATIBILITY,
  connectRegistry,
  createRegistryCodec,
  ensureSubjectCompatibility,
  registerSubjectSchema,
  type RegistryCodecOptions,
  type RegistryConnection,
} from './registry.ts';
export { clinicalPayload, CLINICAL_PAYLOAD_BRANCH, type ClinicalEventKind } from './clinical-payload.ts';
