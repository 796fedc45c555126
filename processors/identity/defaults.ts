/**
 * Shipped defaults of the identity processor: one shared configuration for every data set
 * (bench/RESULTS.md, identity accuracy), overridable in config.
 */
import type { Thresholds } from './model.ts';

/**
 * Match-weight thresholds in bits (log2 Bayes factor). Auto-link at 2^14: with a prior of one
 * true match among ~10^4 candidate pairs this still leaves the posterior above 0.6 and, measured,
 * precision at or above 0.999 on every public set; the review band catches what evidence alone
 * cannot settle.
 */
export const DEFAULT_THRESHOLDS: Thresholds = { autoLink: 14, review: 10 };
