/** The HL7 drop directory (producers/hl7-files): files of HL7 v2 messages or batches into hl7.raw.v1. */
export {
  HL7_FILE_FIELDS,
  COMPLETION_MODES,
  defaultHl7FileSettings,
  hl7FileSettingsFromEnv,
  parseHl7FileFields,
  validateHl7FileConfig,
  type CompletionMode,
  type Hl7FileSettings,
} from './config.ts';
export {
  createHl7FileIntake,
  startHl7FileIntake,
  splitFile,
  DROP_DIRS,
  HL7_FILES_STAGE,
  HL7_FILES_COMPONENT,
  type FileResult,
  type Hl7FileIntake,
  type Hl7FileIntakeDeps,
} from './file-intake.ts';
export { checkFileName, type NameVerdict } from '../../runtime/drop-dir/names.ts';
export type { FileReport, FileMessageReport, FileProblem, FileMessageOutcome } from './report.ts';
