/**
 * Final-action claims: which claim versions still stand once cancellations, adjustments,
 * replacements and voids are applied, per natural key — as a pure function of the SET of versions
 * received, so arrival order, delivery boundaries and re-deliveries cannot change the answer.
 *
 * Rules (docs/claims-final-action.md has the full text and sources):
 * - Part A (CCLF1-4): natural key CLM_BLG_PRVDR_OSCAR_NUM + CLM_FROM_DT + CLM_THRU_DT + current MBI
 *   (CCLF IP v43 §5.1.2 via Tuva). Unpaid claims (CLM_MDCR_NPMT_RSN_CD) are dropped; the n
 *   cancellations (type 1) of an amount remove the n oldest originals/adjustments (0/2) of that
 *   amount (IP §5.2.1, Tuva int_institutional_claim_adr.sql); a key can keep several claims.
 * - Part B (CCLF5/6): natural key CLM_CNTL_NUM + CLM_LINE_NUM + current MBI; the latest version by
 *   CLM_EFCTV_DT then highest CUR_CLM_UNIQ_ID wins (IP §5.3, Tuva int_physician_claim_adr.sql);
 *   a winning cancellation leaves the key without a final claim.
 * - X12 837 and payer files: frequency 7 replaces and 8 voids the claim named by REF*F8 (X12
 *   5010 CLM05-3, domain-facts.md §3.3); the latest version under that reference wins.
 * - Member ids of type MBI/HICN are rolled forward through the CCLF9 crosswalk (mbi-crosswalk.ts).
 *
 * Incremental shape: the state is a content-addressed set of rows plus a set of crosswalk entries —
 * a join-semilattice under union — and `finalActionSet(state)` is a function of that state only.
 */
import {
  canonicalAbsAmount,
  compareClaimIds,
  compareDeliveries,
  compareNullableStrings,
  compareStrings,
  effectiveDate,
  stableStringify,
} from './claim-order.ts';
import {
  compareProblems,
  FinalActionProblemCode,
  problem,
  type FinalActionProblem,
  type RecordRef,
} from './final-action-problems.ts';
import { resolveCrosswalk, type MbiCrosswalkEntry, type ResolvedCrosswalk } from './mbi-crosswalk.ts';

export { FinalActionProblemCode } from './final-action-problems.ts';
export type { FinalActionProblem, RecordRef } from './final-action-problems.ts';
export type { MbiCrosswalkEntry } from './mbi-crosswalk.ts';

/** The fields of a `claim.line.v1` value (schemas/claim.line.v1.avsc) that final action reads. */
export interface ClaimVersionRow {
  readonly sourceFile: string;
  readonly lineNumber: number;
  readonly sourceFormat: string;
  readonly claimId: string;
  readonly claimLineNumber?: number | null;
  readonly claimControlNumber?: string | null;
  readonly claimTypeCode?: string | null;
  readonly adjustmentTypeCode?: string | null;
  /** `YYYY-MM-DD`. */
  readonly claimEffectiveDate?: string | null;
  readonly frequencyCode?: string | null;
  readonly memberId: string;
  readonly memberIdType: string;
  readonly fromDate?: string | null;
  readonly thruDate?: string | null;
  readonly billingCcn?: string | null;
  readonly nonPaymentReasonCode?: string | null;
  /** Exact decimal string. */
  readonly paidAmount?: string | null;
}

/** Rule family of a row, from its source format. */
export const ClaimFamily = {
  /** CCLF1-4: institutional claims, cancellation pairing. */
  PART_A: 'PART_A',
  /** CCLF5/6: carrier and DME lines, latest version wins. */
  PART_B: 'PART_B',
  /** X12 837P/837I: frequency codes 1/7/8 with REF*F8. */
  X12: 'X12',
  /** Payer CSV/pipe extracts mapped by configuration: X12 semantics. */
  PAYER: 'PAYER',
} as const;
export type ClaimFamily = (typeof ClaimFamily)[keyof typeof ClaimFamily];

/** Why a version is not final. */
export const RemovalReason = {
  /** A later version under the same natural key won (Part B, X12, payer). */
  SUPERSEDED: 'SUPERSEDED',
  /** Removed by a cancellation (Part A pairing; Part B key whose latest version is a cancel). */
  CANCELLED: 'CANCELLED',
  /** A cancellation (CLM_ADJSMT_TYPE_CD 1) that was paired/won; never final itself. */
  CANCELLATION: 'CANCELLATION',
  /** A Part A cancellation with no claim of the same amount in its key; dropped (as Tuva does). */
  UNMATCHED_CANCELLATION: 'UNMATCHED_CANCELLATION',
  /** An earlier version of a claim whose latest version is a void. */
  VOIDED: 'VOIDED',
  /** The void itself (X12 frequency 8, or a payer reversal). */
  VOID: 'VOID',
  /** Part A claim not paid (CLM_MDCR_NPMT_RSN_CD present); Tuva excludes these before pairing. */
  UNPAID: 'UNPAID',
} as const;
export type RemovalReason = (typeof RemovalReason)[keyof typeof RemovalReason];

/** One claim version, as reported per key. */
export interface VersionRef {
  readonly claimId: string;
  readonly adjustmentTypeCode: string | null;
  readonly frequencyCode: string | null;
  readonly claimEffectiveDate: string | null;
  /** The delivery whose copy of the version was used (the latest one). */
  readonly sourceFile: string;
  readonly lineNumber: number;
}

/** What happened under one natural key. */
export interface NaturalKeyOutcome {
  readonly naturalKey: string;
  readonly family: ClaimFamily;
  /** Final-action versions, oldest first. */
  readonly final: readonly VersionRef[];
  readonly removed: readonly (VersionRef & { readonly reason: RemovalReason })[];
}

/** One row of the final-action set. */
export interface FinalClaimLine<V extends ClaimVersionRow> {
  readonly naturalKey: string;
  readonly family: ClaimFamily;
  /** The member id after the crosswalk (MBI/HICN only; other id types unchanged). */
  readonly currentMemberId: string;
  /** The row as received (the latest delivery's copy); not modified. */
  readonly row: V;
}

/** The final-action set; every list is in a canonical order. */
export interface FinalActionSet<V extends ClaimVersionRow> {
  readonly lines: readonly FinalClaimLine<V>[];
  readonly keys: readonly NaturalKeyOutcome[];
  readonly problems: readonly FinalActionProblem[];
}

/**
 * Everything received so far: rows and crosswalk entries, each keyed by its content, so a
 * re-delivered record is a no-op. Treat as immutable; the reducers return new states.
 */
export interface FinalActionState<V extends ClaimVersionRow> {
  readonly rows: ReadonlyMap<string, V>;
  readonly crosswalk: ReadonlyMap<string, MbiCrosswalkEntry>;
}

/** The bottom element: nothing received. */
export function emptyFinalActionState<V extends ClaimVersionRow>(): FinalActionState<V> {
  return { rows: new Map(), crosswalk: new Map() };
}

/** Adds one claim row (any version, any order, duplicates allowed). Pure. */
export function reduceFinalAction<V extends ClaimVersionRow>(
  state: FinalActionState<V>,
  row: V,
): FinalActionState<V> {
  const id = stableStringify(row);
  if (state.rows.has(id)) return state;
  return { rows: new Map(state.rows).set(id, row), crosswalk: state.crosswalk };
}

/** Adds one CCLF9 crosswalk entry. Pure. */
export function reduceCrosswalk<V extends ClaimVersionRow>(
  state: FinalActionState<V>,
  entry: MbiCrosswalkEntry,
): FinalActionState<V> {
  const id = stableStringify(entry);
  if (state.crosswalk.has(id)) return state;
  return { rows: state.rows, crosswalk: new Map(state.crosswalk).set(id, entry) };
}

/**
 * Join of two states (set union): commutative, associative, idempotent. This is also how two
 * natural keys are merged when a crosswalk entry makes them the same beneficiary.
 */
export function mergeFinalActionStates<V extends ClaimVersionRow>(
  a: FinalActionState<V>,
  b: FinalActionState<V>,
): FinalActionState<V> {
  const rows = new Map(a.rows);
  for (const [k, v] of b.rows) if (!rows.has(k)) rows.set(k, v);
  const crosswalk = new Map(a.crosswalk);
  for (const [k, v] of b.crosswalk) if (!crosswalk.has(k)) crosswalk.set(k, v);
  return { rows, crosswalk };
}

/** Batch entry point: the final-action set of `rows` under `crosswalk`. */
export function computeFinalAction<V extends ClaimVersionRow>(
  rows: Iterable<V>,
  crosswalk: Iterable<MbiCrosswalkEntry> = [],
): FinalActionSet<V> {
  const rowMap = new Map<string, V>();
  for (const r of rows) rowMap.set(stableStringify(r), r);
  const xMap = new Map<string, MbiCrosswalkEntry>();
  for (const e of crosswalk) xMap.set(stableStringify(e), e);
  return finalActionSet({ rows: rowMap, crosswalk: xMap });
}

// ---------------------------------------------------------------------------------------------
// The computation

/** A claim version: the rows of one (natural key, version identity), latest delivery's copy. */
interface Version<V extends ClaimVersionRow> {
  readonly naturalKey: string;
  readonly family: ClaimFamily;
  readonly identity: string;
  /** The row that carries the version fields (claim-level row when there is one). */
  readonly head: V;
  readonly rows: V[];
  readonly currentMemberId: string;
}

function familyOf(sourceFormat: string): ClaimFamily | undefined {
  switch (sourceFormat) {
    case 'CCLF1':
    case 'CCLF2':
    case 'CCLF3':
    case 'CCLF4':
      return ClaimFamily.PART_A;
    case 'CCLF5':
    case 'CCLF6':
      return ClaimFamily.PART_B;
    case 'X12_837P':
    case 'X12_837I':
      return ClaimFamily.X12;
    case 'PAYER_CSV':
      return ClaimFamily.PAYER;
    default:
      return undefined;
  }
}

const ROLLED_ID_TYPES = new Set(['MBI', 'HICN']);

function blankToNull(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const t = value.trim();
  return t === '' ? null : t;
}

function refOf(row: ClaimVersionRow): RecordRef {
  return { sourceFile: row.sourceFile, lineNumber: row.lineNumber };
}

function versionRef(row: ClaimVersionRow): VersionRef {
  return {
    claimId: row.claimId,
    adjustmentTypeCode: blankToNull(row.adjustmentTypeCode),
    frequencyCode: blankToNull(row.frequencyCode),
    claimEffectiveDate: effectiveDate(row.claimEffectiveDate),
    sourceFile: row.sourceFile,
    lineNumber: row.lineNumber,
  };
}

/** Rows in canonical order: source format, claim line (claim-level first), file, line. */
function compareRows(a: ClaimVersionRow, b: ClaimVersionRow): number {
  return (
    compareStrings(a.sourceFormat, b.sourceFormat) ||
    (a.claimLineNumber ?? -1) - (b.claimLineNumber ?? -1) ||
    compareStrings(a.sourceFile, b.sourceFile) ||
    a.lineNumber - b.lineNumber ||
    compareStrings(stableStringify(a), stableStringify(b))
  );
}

/**
 * Keeps, per source format, only the rows of the latest delivery that holds any: CMS re-delivers
 * claims in later files and "the most recently delivered copy wins" (Tuva, both ADR models).
 * Per format because CCLF1 and CCLF2 rows of one claim come in different files of one delivery.
 */
function latestCopies<V extends ClaimVersionRow>(rows: readonly V[]): V[] {
  const byFormat = new Map<string, V[]>();
  for (const r of rows) byFormat.set(r.sourceFormat, [...(byFormat.get(r.sourceFormat) ?? []), r]);
  const out: V[] = [];
  for (const list of byFormat.values()) {
    let latest = list[0]!;
    for (const r of list) if (compareDeliveries(r, latest) > 0) latest = r;
    out.push(...list.filter((r) => compareDeliveries(r, latest) === 0));
  }
  return out.sort(compareRows);
}

function pickHead<V extends ClaimVersionRow>(rows: readonly V[]): V {
  // rows are sorted by compareRows: claim-level rows (claimLineNumber null) come first per format.
  const claimLevel = rows.filter((r) => r.claimLineNumber === null || r.claimLineNumber === undefined);
  return (claimLevel[0] ?? rows[0])!;
}

type Kind = 'original' | 'cancel' | 'replace' | 'void';

/** X12/payer kind: CLM05-3 7/8, or a payer's adjustment type mapped to the same meaning. */
function x12Kind(row: ClaimVersionRow): Kind {
  const freq = blankToNull(row.frequencyCode);
  const adj = blankToNull(row.adjustmentTypeCode);
  if (freq === '8' || adj === '1') return 'void';
  if (freq === '7' || adj === '2') return 'replace';
  // 1 and the 837I bill-type frequencies (0, 2-6: interim, late charge…) stand as their own claims.
  return 'original';
}

interface Classified<V extends ClaimVersionRow> {
  readonly versionRows: Map<
    string,
    { family: ClaimFamily; naturalKey: string; identity: string; member: string; rows: V[] }
  >;
  /** Part A rows without version fields, by claim id. */
  readonly details: Map<string, V[]>;
  readonly problems: FinalActionProblem[];
}

function classify<V extends ClaimVersionRow>(rows: Iterable<V>, xref: ResolvedCrosswalk): Classified<V> {
  const versionRows: Classified<V>['versionRows'] = new Map();
  const details = new Map<string, V[]>();
  const problems: FinalActionProblem[] = [];
  const unsupported: RecordRef[] = [];
  const missing = new Map<string, RecordRef[]>();
  const unknownAdj: RecordRef[] = [];
  const noReference: RecordRef[] = [];
  const noteMissing = (what: string, row: V): void => {
    missing.set(what, [...(missing.get(what) ?? []), refOf(row)]);
  };

  for (const row of rows) {
    const family = familyOf(row.sourceFormat);
    if (family === undefined) {
      unsupported.push(refOf(row));
      continue;
    }
    const member = ROLLED_ID_TYPES.has(row.memberIdType) ? xref.resolve(row.memberId) : row.memberId.trim();
    const adj = blankToNull(row.adjustmentTypeCode);
    const eff = effectiveDate(row.claimEffectiveDate);
    let naturalKey: string;
    let identity: string;
    switch (family) {
      case ClaimFamily.PART_A: {
        if (row.sourceFormat !== 'CCLF1') {
          // CCLF2/3/4 rows follow their CCLF1 header by claim id (they carry no CLM_ADJSMT_TYPE_CD
          // in the CMS layout; a parser that copies the header's version fields onto them is fine).
          details.set(row.claimId, [...(details.get(row.claimId) ?? []), row]);
          continue;
        }
        if (adj !== '0' && adj !== '1' && adj !== '2') {
          unknownAdj.push(refOf(row));
          continue;
        }
        const ccn = blankToNull(row.billingCcn);
        const from = effectiveDate(row.fromDate);
        const thru = effectiveDate(row.thruDate);
        if (ccn === null || from === null || thru === null || member === '') {
          noteMissing('Part A claim (billing CCN, from date, thru date, MBI)', row);
          continue;
        }
        naturalKey = JSON.stringify(['A', ccn, from, thru, member]);
        identity = JSON.stringify([row.claimId, adj, eff]);
        break;
      }
      case ClaimFamily.PART_B: {
        if (adj !== null && adj !== '0' && adj !== '1' && adj !== '2') {
          unknownAdj.push(refOf(row));
          continue;
        }
        const cntl = blankToNull(row.claimControlNumber);
        const line = row.claimLineNumber ?? null;
        if (cntl === null || line === null || member === '') {
          noteMissing('Part B line (claim control number, claim line number, MBI)', row);
          continue;
        }
        naturalKey = JSON.stringify(['B', cntl, line, member]);
        identity = JSON.stringify([row.claimId, line, adj, eff]);
        break;
      }
      case ClaimFamily.X12:
      case ClaimFamily.PAYER: {
        const kind = x12Kind(row);
        let reference = blankToNull(row.claimControlNumber);
        if (reference === null) {
          if (kind === 'replace' || kind === 'void') noReference.push(refOf(row));
          reference = row.claimId;
        }
        // No member id in the key: a replacement is often sent to correct the subscriber id.
        naturalKey = JSON.stringify([family === ClaimFamily.X12 ? 'X12' : 'PAYER', reference]);
        identity = JSON.stringify([
          row.claimId,
          blankToNull(row.frequencyCode),
          adj,
          eff,
          blankToNull(row.claimControlNumber),
        ]);
        break;
      }
      default: {
        const never: never = family;
        throw new Error(`unhandled claim family ${String(never)}`);
      }
    }
    const groupKey = `${naturalKey}\u0000${identity}`;
    const group = versionRows.get(groupKey);
    if (group) group.rows.push(row);
    else versionRows.set(groupKey, { family, naturalKey, identity, member, rows: [row] });
  }

  if (unsupported.length > 0)
    problems.push(
      problem(
        FinalActionProblemCode.UNSUPPORTED_SOURCE_FORMAT,
        'Rows of a source format without final-action rules (CCLF7 Part D; CCLF8/9 are not claims) were left out; route them elsewhere.',
        unsupported,
      ),
    );
  for (const [what, refs] of missing)
    problems.push(
      problem(
        FinalActionProblemCode.MISSING_KEY_FIELD,
        `A ${what} lacks a natural-key field and was left out of the final-action set; fix the source row or its mapping.`,
        refs,
      ),
    );
  if (unknownAdj.length > 0)
    problems.push(
      problem(
        FinalActionProblemCode.UNKNOWN_ADJUSTMENT_TYPE,
        'Adjustment type code is missing (on a CCLF1 header) or not 0 (original), 1 (cancellation) or 2 (adjustment); the rows were left out — check the layout version of the file.',
        unknownAdj,
      ),
    );
  if (noReference.length > 0)
    problems.push(
      problem(
        FinalActionProblemCode.X12_REFERENCE_MISSING,
        'A replacement or void (frequency 7/8) has no REF*F8 original claim reference; it was matched on the claim id (CLM01) instead.',
        noReference,
      ),
    );
  return { versionRows, details, problems };
}

function buildVersions<V extends ClaimVersionRow>(
  groups: Classified<V>['versionRows'],
): Map<string, Version<V>[]> {
  const byKey = new Map<string, Version<V>[]>();
  for (const g of groups.values()) {
    const copies = latestCopies(g.rows);
    const head = pickHead(copies);
    const version: Version<V> = {
      naturalKey: g.naturalKey,
      family: g.family,
      identity: g.identity,
      head,
      // A Part B version is one line; two rows with its identity in one file is a duplicate line.
      rows: g.family === ClaimFamily.PART_B ? [head] : copies,
      currentMemberId: g.member,
    };
    byKey.set(g.naturalKey, [...(byKey.get(g.naturalKey) ?? []), version]);
  }
  return byKey;
}

/**
 * "Oldest first" for Part A pairing (Tuva): CLM_EFCTV_DT (missing first), delivery (file stamp,
 * then name), CUR_CLM_UNIQ_ID; then the version identity so the order is total.
 */
function comparePartAAge<V extends ClaimVersionRow>(a: Version<V>, b: Version<V>): number {
  return (
    compareNullableStrings(
      effectiveDate(a.head.claimEffectiveDate),
      effectiveDate(b.head.claimEffectiveDate),
    ) ||
    compareDeliveries(a.head, b.head) ||
    compareClaimIds(a.head.claimId, b.head.claimId) ||
    compareStrings(a.identity, b.identity)
  );
}

/**
 * Part B recency, ascending: CLM_EFCTV_DT, then — our addition — a cancellation before a
 * non-cancellation of the same date (a cancel and its replacing adjustment are often processed
 * together and share the date, IP §5.2.1 as quoted by Tuva), then CUR_CLM_UNIQ_ID (Tuva: highest
 * wins), then delivery and identity so the order is total.
 */
function comparePartBRecency<V extends ClaimVersionRow>(a: Version<V>, b: Version<V>): number {
  const ca = blankToNull(a.head.adjustmentTypeCode) === '1' ? 0 : 1;
  const cb = blankToNull(b.head.adjustmentTypeCode) === '1' ? 0 : 1;
  return (
    compareNullableStrings(
      effectiveDate(a.head.claimEffectiveDate),
      effectiveDate(b.head.claimEffectiveDate),
    ) ||
    ca - cb ||
    compareClaimIds(a.head.claimId, b.head.claimId) ||
    compareDeliveries(a.head, b.head) ||
    compareStrings(a.identity, b.identity)
  );
}

/**
 * X12/payer recency, ascending: effective date (missing first), then an original before a
 * replacement/void of the same date (a 7/8 names an earlier claim, so it follows it), then delivery
 * (file stamp, then file name), then claim id and identity.
 */
function compareX12Recency<V extends ClaimVersionRow>(a: Version<V>, b: Version<V>): number {
  const ra = x12Kind(a.head) === 'original' ? 0 : 1;
  const rb = x12Kind(b.head) === 'original' ? 0 : 1;
  return (
    compareNullableStrings(
      effectiveDate(a.head.claimEffectiveDate),
      effectiveDate(b.head.claimEffectiveDate),
    ) ||
    ra - rb ||
    compareDeliveries(a.head, b.head) ||
    a.head.lineNumber - b.head.lineNumber ||
    compareClaimIds(a.head.claimId, b.head.claimId) ||
    compareStrings(a.identity, b.identity)
  );
}

interface KeyDecision<V extends ClaimVersionRow> {
  final: Version<V>[];
  removed: { version: Version<V>; reason: RemovalReason }[];
}

function decidePartA<V extends ClaimVersionRow>(versions: Version<V>[]): KeyDecision<V> {
  const removed: KeyDecision<V>['removed'] = [];
  const byAmount = new Map<string, { cancels: Version<V>[]; claims: Version<V>[] }>();
  for (const v of versions) {
    if (blankToNull(v.head.nonPaymentReasonCode) !== null) {
      removed.push({ version: v, reason: RemovalReason.UNPAID });
      continue;
    }
    const amount = canonicalAbsAmount(v.head.paidAmount) ?? '\u0000null';
    const bucket = byAmount.get(amount) ?? { cancels: [], claims: [] };
    (blankToNull(v.head.adjustmentTypeCode) === '1' ? bucket.cancels : bucket.claims).push(v);
    byAmount.set(amount, bucket);
  }
  const final: Version<V>[] = [];
  for (const { cancels, claims } of byAmount.values()) {
    claims.sort(comparePartAAge);
    cancels.sort(comparePartAAge);
    const paired = Math.min(cancels.length, claims.length);
    claims.forEach((v, i) =>
      i < paired ? removed.push({ version: v, reason: RemovalReason.CANCELLED }) : final.push(v),
    );
    cancels.forEach((v, i) =>
      removed.push({
        version: v,
        reason: i < paired ? RemovalReason.CANCELLATION : RemovalReason.UNMATCHED_CANCELLATION,
      }),
    );
  }
  return { final: final.sort(comparePartAAge), removed };
}

function decideLatest<V extends ClaimVersionRow>(
  versions: Version<V>[],
  compare: (a: Version<V>, b: Version<V>) => number,
  isRemoval: (v: Version<V>) => boolean,
  removalReasons: { winner: RemovalReason; others: RemovalReason },
): KeyDecision<V> {
  const sorted = [...versions].sort(compare);
  const winner = sorted[sorted.length - 1]!;
  const earlier = sorted.slice(0, -1);
  if (isRemoval(winner)) {
    return {
      final: [],
      removed: [
        ...earlier.map((version) => ({ version, reason: removalReasons.others })),
        { version: winner, reason: removalReasons.winner },
      ],
    };
  }
  return {
    final: [winner],
    removed: earlier.map((version) => ({ version, reason: RemovalReason.SUPERSEDED })),
  };
}

/** The final-action set of a state. Pure; depends only on the sets in `state`. */
export function finalActionSet<V extends ClaimVersionRow>(state: FinalActionState<V>): FinalActionSet<V> {
  const xref = resolveCrosswalk(state.crosswalk.values());
  const classified = classify(state.rows.values(), xref);
  const problems: FinalActionProblem[] = [...xref.problems, ...classified.problems];
  const byKey = buildVersions(classified.versionRows);

  const keys: NaturalKeyOutcome[] = [];
  const lines: FinalClaimLine<V>[] = [];
  const finalPartA: Version<V>[] = [];

  for (const naturalKey of [...byKey.keys()].sort(compareStrings)) {
    const versions = byKey.get(naturalKey)!;
    const family = versions[0]!.family;
    let decision: KeyDecision<V>;
    let order: (a: Version<V>, b: Version<V>) => number;
    switch (family) {
      case ClaimFamily.PART_A:
        decision = decidePartA(versions);
        order = comparePartAAge;
        finalPartA.push(...decision.final);
        break;
      case ClaimFamily.PART_B:
        decision = decideLatest(
          versions,
          comparePartBRecency,
          (v) => blankToNull(v.head.adjustmentTypeCode) === '1',
          { winner: RemovalReason.CANCELLATION, others: RemovalReason.CANCELLED },
        );
        order = comparePartBRecency;
        break;
      case ClaimFamily.X12:
      case ClaimFamily.PAYER:
        decision = decideLatest(versions, compareX12Recency, (v) => x12Kind(v.head) === 'void', {
          winner: RemovalReason.VOID,
          others: RemovalReason.VOIDED,
        });
        order = compareX12Recency;
        break;
      default: {
        const never: never = family;
        throw new Error(`unhandled claim family ${String(never)}`);
      }
    }
    const removed = [...decision.removed]
      .sort((a, b) => order(a.version, b.version))
      .map(({ version, reason }) => ({ ...versionRef(version.head), reason }));
    keys.push({ naturalKey, family, final: decision.final.map((v) => versionRef(v.head)), removed });
    for (const v of decision.final)
      for (const row of v.rows) lines.push({ naturalKey, family, currentMemberId: v.currentMemberId, row });
  }

  // Part A detail rows (CCLF2/3/4) follow their header: included when a final version has their
  // claim id (and, if the detail row carries version fields, the same adjustment type and date).
  const finalByClaim = new Map<string, Version<V>[]>();
  for (const v of finalPartA)
    finalByClaim.set(v.head.claimId, [...(finalByClaim.get(v.head.claimId) ?? []), v]);
  const headerClaimIds = new Set<string>();
  for (const g of classified.versionRows.values())
    if (g.family === ClaimFamily.PART_A) for (const r of g.rows) headerClaimIds.add(r.claimId);
  const orphans: RecordRef[] = [];
  for (const claimId of [...classified.details.keys()].sort(compareStrings)) {
    const detailRows = classified.details.get(claimId)!;
    if (!headerClaimIds.has(claimId)) {
      orphans.push(...detailRows.map(refOf));
      continue;
    }
    const targets = finalByClaim.get(claimId);
    if (!targets) continue;
    // With several final versions sharing a claim id, details go to the first one only.
    const versionFor = (row: V): Version<V> | undefined => {
      const adj = blankToNull(row.adjustmentTypeCode);
      if (adj === null) return targets[0];
      const eff = effectiveDate(row.claimEffectiveDate);
      return targets.find(
        (t) =>
          blankToNull(t.head.adjustmentTypeCode) === adj && effectiveDate(t.head.claimEffectiveDate) === eff,
      );
    };
    const byVersion = new Map<Version<V>, V[]>();
    for (const row of detailRows) {
      const target = versionFor(row);
      if (target) byVersion.set(target, [...(byVersion.get(target) ?? []), row]);
    }
    for (const [target, rows] of byVersion)
      for (const row of latestCopies(rows))
        lines.push({
          naturalKey: target.naturalKey,
          family: ClaimFamily.PART_A,
          currentMemberId: target.currentMemberId,
          row,
        });
  }
  if (orphans.length > 0)
    problems.push(
      problem(
        FinalActionProblemCode.DETAIL_WITHOUT_HEADER,
        'Part A detail rows (CCLF2/3/4) whose CCLF1 claim header has not been received are held out until it arrives.',
        orphans,
      ),
    );

  lines.sort(
    (a, b) =>
      compareStrings(a.naturalKey, b.naturalKey) ||
      compareStrings(a.row.claimId, b.row.claimId) ||
      compareRows(a.row, b.row),
  );
  return { lines, keys, problems: problems.sort(compareProblems) };
}
