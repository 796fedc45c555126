/**
 * CMS CCLF parsing layer (issue 4): layouts as data, file-type detection, a streaming parser
 * mapping to claim.line.v1 / roster.member.v1 (and a proposed crosswalk value for CCLF9), CCLF0
 * count checks and a strict zip reader. Pure: no publishing, no file moves. See docs/claims-cclf.md.
 */
export {
  CCLF_KINDS,
  CCLF_LAYOUTS,
  type CclfField,
  type CclfFieldType,
  type CclfKind,
  type CclfLayout,
} from './layouts.ts';
export {
  detectByContent,
  detectCclfKind,
  lengthFits,
  parseCclfFileName,
  type CclfFileName,
  type Detection,
} from './detect.ts';
export { cclfAmount, cclfDate, INVALID, normalizeIcd10Pcs } from './fields.ts';
export { MAPPERS, type CclfRecord, type MemberCrosswalkValue } from './map.ts';
export {
  checkSummary,
  createCclfParser,
  parseCclfFile,
  parseCclfStream,
  parseCclfStreamBatches,
  type Cclf0Entry,
  type CclfFileItem,
  type CclfLineResult,
  type CclfParser,
  type CclfParserOptions,
  type ParseCclfFileOptions,
} from './parse.ts';
export { entryNameProblem, readCclfZip, ZipEntryError, type CclfZip, type ZipEntry } from './zip.ts';
