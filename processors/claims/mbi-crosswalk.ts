/**
 * MBI roll-forward with the CCLF9 beneficiary crosswalk (domain-facts.md §3.1: PRVS_NUM → CRNT_NUM).
 * Tuva joins one hop (`coalesce(xref.crnt_num, claim.bene_mbi_id)` on `bene_mbi_id = prvs_num`,
 * int_physician_claim_adr.sql); a beneficiary whose MBI changed twice would then be split across
 * two ids, so we follow chains to their end. The crosswalk is a functional graph once conflicts are
 * settled, so every walk ends at a terminal id or in exactly one cycle: cycles are detected with an
 * explicit on-path set (never an unbounded loop), reported, and all their members (and everything
 * leading into them) map to the cycle's smallest id, so the claims of one person stay together.
 */
import { compareDeliveries, compareStrings } from './claim-order.ts';
import {
  FinalActionProblemCode,
  problem,
  type FinalActionProblem,
  type RecordRef,
} from './final-action-problems.ts';

/** One CCLF9 row: a previous id (MBI or HICN) and the beneficiary's current MBI. */
export interface MbiCrosswalkEntry {
  /** CCLF9 PRVS_NUM. */
  readonly previousId: string;
  /** CCLF9 CRNT_NUM. */
  readonly currentId: string;
  /** Delivering file; orders conflicting entries (latest delivery wins). */
  readonly sourceFile?: string | null;
  readonly lineNumber?: number | null;
}

/** A settled crosswalk: id → current id, plus what was wrong with the entries. */
export interface ResolvedCrosswalk {
  /** The current id for `id` (itself when the crosswalk does not know it). */
  resolve(id: string): string;
  readonly problems: readonly FinalActionProblem[];
}

function refOf(e: MbiCrosswalkEntry): RecordRef {
  return { sourceFile: e.sourceFile ?? null, lineNumber: e.lineNumber ?? null };
}

/** Later delivery wins; ties by line, then current id, so the pick never depends on input order. */
function compareEntries(a: MbiCrosswalkEntry, b: MbiCrosswalkEntry): number {
  return (
    compareDeliveries(a, b) ||
    (a.lineNumber ?? -1) - (b.lineNumber ?? -1) ||
    compareStrings(a.currentId.trim(), b.currentId.trim())
  );
}

/** Settles conflicts, follows chains and detects cycles. Pure; O(entries) after sorting. */
export function resolveCrosswalk(entries: Iterable<MbiCrosswalkEntry>): ResolvedCrosswalk {
  const problems: FinalActionProblem[] = [];
  const byPrevious = new Map<string, MbiCrosswalkEntry[]>();
  for (const e of entries) {
    const prev = e.previousId.trim();
    const cur = e.currentId.trim();
    // A self-mapping (CMS lists current ids against themselves in some files) changes nothing.
    if (prev === '' || cur === '' || prev === cur) continue;
    const list = byPrevious.get(prev) ?? [];
    list.push(e);
    byPrevious.set(prev, list);
  }

  const next = new Map<string, string>();
  const edgeEntries = new Map<string, MbiCrosswalkEntry[]>();
  for (const [prev, list] of byPrevious) {
    const sorted = [...list].sort(compareEntries);
    const chosen = sorted[sorted.length - 1]!;
    next.set(prev, chosen.currentId.trim());
    edgeEntries.set(prev, sorted);
    if (new Set(sorted.map((e) => e.currentId.trim())).size > 1) {
      problems.push(
        problem(
          FinalActionProblemCode.XREF_CONFLICT,
          'One previous beneficiary id maps to different current ids in the crosswalk; the entry from the latest delivery (by file name stamp, then line) is used — check the CCLF9 files.',
          sorted.map(refOf),
        ),
      );
    }
  }

  const resolved = new Map<string, string>();
  for (const start of [...next.keys()].sort(compareStrings)) {
    if (resolved.has(start)) continue;
    const path: string[] = [];
    const onPath = new Map<string, number>();
    let node = start;
    let target: string;
    for (;;) {
      const known = resolved.get(node);
      if (known !== undefined) {
        target = known;
        break;
      }
      const seenAt = onPath.get(node);
      if (seenAt !== undefined) {
        const cycle = path.slice(seenAt);
        target = [...cycle].sort(compareStrings)[0]!;
        for (const member of cycle) resolved.set(member, target);
        problems.push(
          problem(
            FinalActionProblemCode.XREF_CYCLE,
            `The beneficiary crosswalk has a cycle of ${cycle.length} ids; all of them are treated as one beneficiary under the smallest id — correct the CCLF9 entries.`,
            cycle.flatMap((m) => (edgeEntries.get(m) ?? []).map(refOf)),
          ),
        );
        break;
      }
      const successor = next.get(node);
      if (successor === undefined) {
        target = node;
        break;
      }
      onPath.set(node, path.length);
      path.push(node);
      node = successor;
    }
    for (const member of path) if (!resolved.has(member)) resolved.set(member, target);
  }

  return {
    resolve: (id: string): string => resolved.get(id.trim()) ?? id.trim(),
    problems,
  };
}
