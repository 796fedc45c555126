/** HL7 v2 for gapstream: parsing, charsets, batches, ACKs, timestamps. See docs/hl7.md. */
export * from './errors.ts';
export * from './charset.ts';
export * from './message.ts';
export * from './msh.ts';
export * from './batch.ts';
export * from './ack.ts';
export * from './time.ts';
export * from './bytes.ts';
export * from './header.ts';
export * from './batch-ack.ts';
