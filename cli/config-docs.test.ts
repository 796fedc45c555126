import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { FIELDS } from '../runtime/config/fields.ts';
import { renderConfigDocs } from './config-docs.ts';

it('docs/configuration.md is generated from the current config fields (run `npm run docs:config`)', () => {
  const onDisk = readFileSync(resolve(import.meta.dirname, '../docs/configuration.md'), 'utf8');
  expect(onDisk).toBe(renderConfigDocs());
  for (const f of FIELDS) expect(onDisk).toContain(`\`${f.env}\``);
});
