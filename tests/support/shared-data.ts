import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The public test data beside the checkout (../shared/data, see its README and SOURCES.tsv).
 * Read in place, never copied into the project. Missing data fails the corpus suite loudly.
 */
export const SHARED_DATA = resolve(import.meta.dirname, '../../../shared/data');

export function sharedFiles(subdir: string): string[] {
  const root = join(SHARED_DATA, subdir);
  if (!existsSync(root))
    throw new Error(
      `public test data not found at ${root}: the corpus suite needs ../shared/data beside the checkout`,
    );
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(path);
    }
  };
  walk(root);
  return out;
}
