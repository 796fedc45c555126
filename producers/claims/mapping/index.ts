/**
 * Payer CSV/pipe mapping layer (issue 4): claims and roster files described by a YAML mapping
 * per payer (payers/*.yaml) instead of code. See docs/claims-payer-mapping.md.
 */
export { splitRecord, type SplitResult } from './csv.ts';
export { convertAmount, convertDate } from './convert.ts';
export {
  detectMapping,
  loadPayerMappings,
  parseMappedFile,
  type DetectResult,
  type MappedFileItem,
} from './file.ts';
export {
  createMappedParser,
  type LineResult,
  type MappedParser,
  type MappedParserOptions,
  type MappedSource,
} from './parser.ts';
export {
  AMOUNT_FORMATS,
  DATE_FORMATS,
  MappingConfigError,
  parseMappingYaml,
  validateMapping,
  type AmountFormat,
  type DateFormat,
  type FieldMapping,
  type MappingIssue,
  type PayerMapping,
} from './schema.ts';
export { CLAIM_TARGETS, ROSTER_TARGETS, targetsOf, type TargetField, type TargetKind } from './targets.ts';
