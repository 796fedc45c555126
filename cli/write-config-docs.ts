// `npm run docs:config`: writes docs/configuration.md (checked by cli/config-docs.test.ts).
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderConfigDocs } from './config-docs.ts';

writeFileSync(resolve(import.meta.dirname, '../docs/configuration.md'), renderConfigDocs());
console.log('docs/configuration.md written');
