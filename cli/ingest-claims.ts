/**
 * `gapstream ingest <file>...`: a one-off load of claims/roster files into the bus, exactly as
 * the watcher would publish them (same manifest, so a file loaded here and dropped later is a
 * duplicate, and an interrupted load resumes), with a progress bar on stderr and one JSON
 * summary line per file on stdout. Files are read in place, never moved. cli/ingest.ts uses the
 * per-file part ({@link openClaimsIngest}) for files of any kind and directories.
 */
import { basename, resolve } from 'node:path';
import type { Runtime } from '../runtime/open-runtime.ts';
import { ingestClaimsFile } from '../producers/claims/ingest-file.ts';
import { ManifestIndex } from '../producers/claims/manifest.ts';
import { loadPayerMappings, type PayerMapping } from '../producers/claims/mapping/index.ts';
import { buildReport, reportText } from '../producers/claims/report.ts';
import { hashPath } from '../producers/claims/validate-file.ts';
import { ensureClaimsTopics } from '../producers/claims/watcher.ts';
import { createProgressBar } from './progress-bar.ts';

/** The JSON summary line of one claims file (stdout). */
export interface ClaimsFileSummary {
  file: string;
  disposition: 'done' | 'duplicate' | 'quarantine';
  sha256: string;
  format: string | null;
  lines: number | null;
  records: number | null;
  published: number;
  resumedFrom: number | null;
  badLines: number | null;
  seconds: number;
  linesPerSecond: number | null;
}

/** Loads claims/roster files one at a time, sharing the mappings and the manifest index. */
export interface ClaimsIngest {
  /** The payer mappings (`claims.mappingsDir`) the files are detected and parsed with. */
  readonly mappings: readonly PayerMapping[];
  /**
   * Loads one file (read in place). Returns its summary (quarantine: the report is written to
   * `err`), or the reason it cannot be read at all.
   */
  ingest(path: string): Promise<{ ok: true; summary: ClaimsFileSummary } | { ok: false; reason: string }>;
}

/**
 * Loads the payer mappings; the claims topics are created (and the manifest index opened) on the
 * first file, so a run with no claims file touches nothing of the claims topics.
 */
export async function openClaimsIngest(
  rt: Runtime,
  err: NodeJS.WritableStream & { isTTY?: boolean },
): Promise<ClaimsIngest> {
  const settings = rt.config.claims;
  const mappings = await loadPayerMappings(settings.mappingsDir);
  let index: ManifestIndex | undefined;
  // The bar reads only `isTTY` and `write` of the stream: a plain Writable (no TTY) is fine.
  const bar = createProgressBar(err as NodeJS.WriteStream);
  return {
    mappings,
    async ingest(path) {
      if (index === undefined) {
        await ensureClaimsTopics(rt.bus, rt.config.kafka.partitions);
        index = new ManifestIndex(rt.bus, rt.codec);
      }
      const name = basename(path);
      const t0 = Date.now();
      const file = await hashPath(resolve(path));
      if (!file.ok) return { ok: false, reason: file.reason };
      const outcome = await ingestClaimsFile(
        {
          bus: rt.bus,
          codec: rt.codec,
          index,
          mappings,
          watcherId: `ingest-${rt.config.instanceId}`,
          linesPerTransaction: settings.linesPerTransaction,
          badLineLimit: settings.badLineLimit,
          logger: rt.logger,
          now: Date.now,
          onValidate: (items) => bar.update(`${name} validating`, items, 0),
          onCommit: (p) => bar.update(`${name} publishing`, p.position, p.total),
        },
        path,
        name,
        file,
        false,
      );
      bar.finish();
      const seconds = (Date.now() - t0) / 1000;
      if (outcome.kind === 'quarantine')
        err.write(
          reportText(
            buildReport(
              {
                file: name,
                originalName: name,
                disposition: 'quarantine',
                at: Date.now(),
                decision: outcome.decision,
              },
              outcome.v,
            ),
          ),
        );
      const v = outcome.kind === 'already-completed' ? null : outcome.v;
      return {
        ok: true,
        summary: {
          file: name,
          disposition: outcome.kind === 'already-completed' ? 'done' : outcome.kind,
          sha256: file.sha256,
          format: v?.format ?? null,
          lines: v?.items ?? null,
          records: v?.records ?? null,
          published: outcome.kind === 'done' ? outcome.published : 0,
          resumedFrom: outcome.kind === 'done' ? outcome.resumedFrom : null,
          badLines: v?.badLines ?? null,
          seconds: Math.round(seconds * 100) / 100,
          linesPerSecond: v === null ? null : Math.round(v.items / Math.max(seconds, 0.001)),
        },
      };
    },
  };
}
