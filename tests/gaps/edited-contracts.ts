/**
 * A copy of contracts/ in which the analyst has edited the MSSP contract: version 2026.1 now
 * ends on June 30 and a new version 2026.2 from July 1 screens breast cancer from 50 (an
 * override) and drops CMS165. Used to check that re-applying a contract publishes exactly the
 * changes the new logic implies.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const EDITED_VERSION = '2026.2';

export function editedContractsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gs-contracts-'));
  cpSync('contracts', dir, { recursive: true });
  const file = join(dir, 'example-mssp-aco.yaml');
  const text = readFileSync(file, 'utf8').replace(
    "effective: { from: '2026-01-01', to: null }",
    "effective: { from: '2026-01-01', to: '2026-06-30' }",
  );
  writeFileSync(
    file,
    `${text}
  - version: '${EDITED_VERSION}'
    extends: '2026.1'
    effective: { from: '2026-07-01', to: null }
    measures:
      - { id: CMS122, version: '2024.0' }
      - id: CMS125
        version: '2024.0'
        overrides:
          population: { age: { min: 50, max: 74, at: mp-end } }
      - { id: CMS130, version: '2024.0' }
`,
  );
  return dir;
}
