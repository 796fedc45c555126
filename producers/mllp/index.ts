/** The MLLP listener (producers/mllp): HL7 v2 over MLLP/TCP and MLLP/TLS into hl7.raw.v1. */
export {
  MLLP_FIELDS,
  defaultMllpSettings,
  mllpSettingsFromEnv,
  parseMllpFields,
  validateMllpConfig,
  type MllpSettings,
} from './config.ts';
export { MllpFramer, VT, FS, CR, type FramerEvents, type FramingErrorKind } from './framer.ts';
export {
  startMllpListener,
  RAW_TOPIC,
  MLLP_STAGE,
  type MllpListener,
  type MllpListenerDeps,
  type Hl7RawValue,
} from './listener.ts';
export {
  createHl7Intake,
  type Hl7Intake,
  type Hl7IntakeDeps,
  type Hl7IntakeSettings,
  type Hl7IntakeInput,
  type Hl7Origin,
  type Hl7Outcome,
  type Hl7OutcomeKind,
  type AcceptOptions,
} from './intake.ts';
export { runMllpListener } from './command.ts';
export { MLLP_METRIC } from './metrics.ts';
export { ackCode, buildAckText, frameAck, type AckCode, type AckOutcome } from './ack.ts';
