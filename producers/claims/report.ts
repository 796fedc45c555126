/**
 * The report written beside a claims file in `quarantine/` (always) or `done/` (when bad lines
 * were accepted, or the content was a duplicate): `<name>.report.json` for machines and
 * `<name>.report.txt` for the person who has to act. Problems name the entry, line, field and
 * rule — never a value from the file (patient data).
 */
import type { LocatedProblem, UnitSummary, Validation } from './validate-file.ts';

export type ClaimsDisposition = 'done' | 'quarantine' | 'duplicate';

export interface ClaimsFileReport {
  /** Report format version. */
  format: 1;
  file: string;
  originalName: string;
  disposition: ClaimsDisposition;
  processedAt: string;
  sha256: string | null;
  sizeBytes: number | null;
  detectedFormat: string;
  /** One sentence: what happened and what to do. */
  decision: string;
  units: UnitSummary[];
  counts: { items: number; records: number; badLines: number; published: number };
  problems: LocatedProblem[];
  problemsNotListed: number;
}

/** A name as it can be printed: control characters (a refused name may hold some) escaped. */
export function printableName(name: string): string {
  return name.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** A report from a validation (or from nothing, when the file could not be read at all). */
export function buildReport(
  args: {
    file: string;
    originalName: string;
    disposition: ClaimsDisposition;
    at: number;
    decision: string;
    published?: number;
  },
  v: Validation | null,
  extra: LocatedProblem[] = [],
): ClaimsFileReport {
  return {
    format: 1,
    file: args.file,
    originalName: printableName(args.originalName),
    disposition: args.disposition,
    processedAt: new Date(args.at).toISOString(),
    sha256: v?.sha256 ?? null,
    sizeBytes: v?.sizeBytes ?? null,
    detectedFormat: v?.format ?? 'UNKNOWN',
    decision: args.decision,
    units: v?.units ?? [],
    counts: {
      items: v?.items ?? 0,
      records: v?.records ?? 0,
      badLines: v?.badLines ?? 0,
      published: args.published ?? 0,
    },
    problems: [...extra, ...(v?.problems ?? [])],
    problemsNotListed: v?.problemsNotListed ?? 0,
  };
}

/** The human-readable form. */
export function reportText(r: ClaimsFileReport): string {
  const lines = [
    `gapstream claims file report — ${r.disposition.toUpperCase()}`,
    `file:        ${r.file}${r.originalName !== r.file ? ` (dropped as ${r.originalName})` : ''}`,
    `processed:   ${r.processedAt}`,
    `sha256:      ${r.sha256 ?? '(not read)'}`,
    `size:        ${r.sizeBytes ?? '?'} bytes`,
    `format:      ${r.detectedFormat}`,
    `decision:    ${r.decision}`,
    `counts:      ${r.counts.items} lines/items, ${r.counts.records} records, ${r.counts.badLines} bad lines, ${r.counts.published} published`,
  ];
  if (r.units.length > 1 || (r.units[0] !== undefined && r.units[0].name !== r.file)) {
    lines.push('', 'parts:');
    for (const u of r.units) lines.push(`  ${u.name}: ${u.format}, ${u.lines} lines, ${u.records} records`);
  }
  if (r.problems.length > 0) {
    lines.push('', 'problems (part, line, field, code: expectation):');
    for (const p of r.problems)
      lines.push(`  ${p.unit}, line ${p.line}${p.field ? `, ${p.field}` : ''}, ${p.code}: ${p.message}`);
    if (r.problemsNotListed > 0) lines.push(`  … and ${r.problemsNotListed} more (not listed)`);
  }
  return lines.join('\n') + '\n';
}
