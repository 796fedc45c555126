/**
 * producers/synth: a seeded synthetic population for gapstream, written as the files the
 * producers accept (HL7 v2.5.1 ADT/ORU, CMS CCLF, X12 837P, the payer roster) with the expected
 * attribution and gap statuses beside them, or generated in memory for benchmarks.
 *
 *   const pop = generatePopulation({ members: 10_000, seed: 7, year: 2026, asOf: '2026-11-25' });
 *   await writePopulation(pop, 'out/');
 *   for (const m of generateMembers({ members: 1_000_000, seed: 7 })) feed(m.events);
 */
export { generateMembers, resolveOptions, type GenerateOptions, type ResolvedOptions } from './member.ts';
export { generatePopulation, writePopulation, type Population, type WriteSummary } from './write.ts';
export { CONTRACT_VERSIONS, MEASURES, activeVersion, type ContractId, type MeasureId } from './contracts.ts';
export { GROUPS, ATTRIBUTION_MEANS, type GroupId, type ScenarioDef } from './scenarios.ts';
export { OUR_PROVIDERS, OUR_TIN } from './providers.ts';
export type * from './types.ts';
