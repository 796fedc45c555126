/**
 * Estimates a Fellegi–Sunter model with EM from identity inputs and writes it as JSON (the
 * `identity.modelFile` setting). Usage:
 *   node bin/run-ts.mjs processors/identity/train-cli.ts <inputs.jsonl> <model.json>
 *   node bin/run-ts.mjs processors/identity/train-cli.ts --synthetic <persons> <model.json>
 * One IdentityInput JSON object per line (processors/identity/types.ts). No labels are used.
 * `--synthetic` trains on the seeded generator's population: that is how the shipped
 * default-model.json is made.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { trainModel } from './em.ts';
import { compileDenyLists, DEFAULT_DENY_LISTS, toFeatures } from './features.ts';
import { recordIdOf, type IdentityInput } from './types.ts';
import { synthIdentities } from '../../bench/support/identity-synth.ts';

const [source, arg2, arg3] = process.argv.slice(2);
const synthetic = source === '--synthetic';
const out = synthetic ? arg3 : arg2;
if (source === undefined || out === undefined) {
  process.stderr.write(
    'usage: train-cli.ts <inputs.jsonl> <model.json> | --synthetic <persons> <model.json>\n',
  );
  process.exit(2);
}
const deny = compileDenyLists(DEFAULT_DENY_LISTS);
const observations: IdentityInput[] = synthetic
  ? [...synthIdentities({ seed: 20261125, persons: Number(arg2) })].map((r) => r.input)
  : readFileSync(source, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as IdentityInput);
// The index keeps one record per primary identifier (the latest demographics): train on the same.
const inputs = [...new Map(observations.map((o) => [recordIdOf(o.primary), o])).values()];
const em = trainModel(
  inputs.map((i) => toFeatures(i, deny)),
  { trainedOn: synthetic ? `synthetic population (seed 20261125, ${arg2} persons)` : source },
);
writeFileSync(out, `${JSON.stringify(em.params, null, 2)}\n`);
process.stderr.write(`${em.params.trainedOn}; lambda ${em.params.lambda}; ${em.patterns} patterns\n`);
