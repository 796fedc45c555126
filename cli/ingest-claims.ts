/**
 * `gapstream ingest <file>...`: a one-off load of claims/roster files into the bus, exactly as
 * the watcher would publish them (same manifest, so a file loaded here and dropped later is a
 * duplicate, and an interrupted load resumes), with a progress bar on stderr and one JSON
 * summary line per file on stdout. Files are read in place, never moved.
 */
import { basename, resolve } from 'node:path';
import type { Runtime } from '../runtime/open-runtime.ts';
import { ingestClaimsFile } from '../producers/claims/ingest-file.ts';
import { ManifestIndex } from '../producers/claims/manifest.ts';
import { loadPayerMappings } from '../producers/claims/mapping/index.ts';
import { buildReport, reportText } from '../producers/claims/report.ts';
import { hashPath } from '../producers/claims/validate-file.ts';
import { ensureClaimsTopics } from '../producers/claims/watcher.ts';
import { createProgressBar } from './progress-bar.ts';

/** Returns the exit code: 0 when every file was published or was a duplicate, 1 otherwise. */
export async function ingestFiles(rt: Runtime, paths: string[], err: NodeJS.WriteStream): Promise<number> {
  const settings = rt.config.claims;
  await ensureClaimsTopics(rt.bus, rt.config.kafka.partitions);
  const mappings = await loadPayerMappings(settings.mappingsDir);
  const index = new ManifestIndex(rt.bus, rt.codec);
  const bar = createProgressBar(err);
  let code = 0;
  for (const path of paths) {
    const name = basename(path);
    const t0 = Date.now();
    const file = await hashPath(resolve(path));
    if (!file.ok) {
      err.write(`${name}: ${file.reason}\n`);
      code = 1;
      continue;
    }
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
    if (outcome.kind === 'quarantine') {
      code = 1;
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
    }
    const v = outcome.kind === 'already-completed' ? null : outcome.v;
    process.stdout.write(
      `${JSON.stringify({
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
      })}\n`,
    );
  }
  return code;
}
