/**
 * `gapstream inspect claims <file>...`: what the watcher would do with each file, without
 * publishing anything. A file that would be published prints its records as JSON lines
 * (`{"file","part","line","topic","value"}`, and `{"file","part","line","problem"}` for each bad
 * line accepted under CLAIMS_BAD_LINE_LIMIT); a file that would be quarantined prints its
 * quarantine report (JSON on stdout, text on stderr). Exit 1 when any file would be quarantined.
 */
import { basename, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { loadPayerMappings } from '../producers/claims/mapping/index.ts';
import { createLocalCodec } from '../schemas/codec.ts';
import { readClaimsFile } from '../producers/claims/read-file.ts';
import { buildReport, reportText } from '../producers/claims/report.ts';
import { hashPath, refusal, validateClaimsFile } from '../producers/claims/validate-file.ts';

export interface InspectClaimsOptions {
  mappingsDir: string;
  badLineLimit: number;
}

export async function inspectClaims(
  paths: string[],
  out: Writable,
  err: Writable,
  opts: InspectClaimsOptions,
): Promise<number> {
  if (paths.length === 0) {
    err.write('inspect claims needs at least one file: gapstream inspect claims <file>...\n');
    return 2;
  }
  const mappings = await loadPayerMappings(opts.mappingsDir);
  // The schemas the records would be encoded with (the local codec: same .avsc files, no registry).
  const codec = await createLocalCodec();
  let code = 0;
  for (const p of paths) {
    const path = resolve(p);
    const name = basename(path);
    const file = await hashPath(path);
    if (!file.ok) {
      err.write(`${name}: ${file.reason}\n`);
      code = 1;
      continue;
    }
    const v = await validateClaimsFile(path, file, mappings, { codec });
    const refused = refusal(v, opts.badLineLimit);
    if (refused !== null) {
      code = 1;
      const report = buildReport(
        {
          file: name,
          originalName: name,
          disposition: 'quarantine',
          at: Date.now(),
          decision: `${refused}; the watcher would publish nothing`,
        },
        v,
      );
      out.write(`${JSON.stringify({ file: name, report })}\n`);
      err.write(reportText(report));
      continue;
    }
    const parts: string[] = [];
    for await (const item of readClaimsFile(path, {
      mappings,
      sha256: v.sha256,
      entrySha256: v.entrySha256,
    })) {
      if (item.type === 'unit') parts[item.unit.index] = item.unit.name;
      if (item.type !== 'line') continue;
      const part = parts[item.unit] ?? name;
      for (const r of item.records)
        out.write(
          `${JSON.stringify({ file: name, part, line: item.lineNumber, topic: r.topic, value: r.value })}\n`,
        );
      for (const problem of item.problems)
        out.write(`${JSON.stringify({ file: name, part, line: item.lineNumber, problem })}\n`);
    }
    err.write(
      `${name}: ${v.format}, ${v.items} lines, ${v.records} records, ${v.badLines} bad lines — would be published\n`,
    );
  }
  return code;
}
