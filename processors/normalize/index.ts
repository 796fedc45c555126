/** processors/normalize: HL7 v2 -> canonical clinical events. See docs/normalize.md. */
export * from './codes.ts';
export * from './errors.ts';
export * from './feed-profile.ts';
export * from './normalize.ts';
export * from './step.ts';
export * from './time.ts';
