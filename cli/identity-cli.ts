/**
 * `gapstream identity …`: the review workflow of the master patient index (docs/identity.md).
 *
 * - `identity review` lists the open pairs from ClickHouse (identity_reviews_latest);
 * - `identity review link|reject <recordId> <otherRecordId> --by <user>` and
 *   `identity unlink <recordId> --by <user>` publish ONE identity.request.v1 DECISION record for the
 *   single identity writer, which applies it and reports the outcome on identity.link.v1;
 * - `identity show <recordId|personId>` prints the audit trail (identity_links).
 *
 * Decisions need only the bus; listing and showing need only the store. Output names ids, scores,
 * levels and reasons; it never holds demographics (the tables have none).
 */
import { parseArgs } from 'node:util';
import type { Bus, RecordMetadata } from '../runtime/bus/types.ts';
import type { Codec } from '../schemas/codec.ts';
import type { Store } from '../sinks/clickhouse/store.ts';
import {
  auditTrail,
  openReviews,
  summarizeContributions,
  type AuditEntry,
  type ReviewEntry,
} from '../sinks/identity/index.ts';

/** Input topic of the single identity writer: exactly one partition (schemas/identity.request.v1.avsc). */
export { IDENTITY_REQUEST_TOPIC } from '../processors/identity/route.ts';
import { IDENTITY_REQUEST_TOPIC } from '../processors/identity/route.ts';

/** Help lines of `gapstream identity`, for the CLI usage text. */
export const IDENTITY_USAGE = `  gapstream identity review [--limit N] [--format table|json]
        list open review pairs (score, reason, records, persons, field:level(+weight) contributions)
  gapstream identity review link|reject <recordId> <otherRecordId> --by <user> [--reason <text>]
        decide a pair: same person (merge) or never link them; published to identity.request.v1
  gapstream identity unlink <recordId> --by <user> [--reason <text>]
        split a record off its person; --reason is stored in the audit trail (no PHI)
  gapstream identity show <recordId|personId> [--limit N] [--format table|json]
        the audit trail of a record or person (identity_links), oldest first`;

/** A manual decision as `identity.request.v1` carries it. */
export interface DecisionRequest {
  action: 'LINK' | 'REJECT' | 'UNLINK';
  recordId: string;
  otherRecordId: string | null;
  decidedBy: string;
  reason: string | null;
}

export type OutputFormat = 'table' | 'json';

/** A parsed `gapstream identity …` command line. */
export type IdentityCommand =
  | { command: 'review-list'; limit: number; format: OutputFormat }
  | { command: 'decide'; decision: DecisionRequest }
  | { command: 'show'; id: string; limit: number; format: OutputFormat };

/** A command line that cannot be run (exit 2); the message says what to type instead. */
export class IdentityUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdentityUsageError';
  }
}

/** Where output goes (process.stdout, or a test buffer). */
export interface Output {
  write(text: string): unknown;
}

/** What the commands use: a Runtime has all of it. */
export interface IdentityCliDeps {
  bus: Bus;
  codec: Codec;
  store: Store;
}

const DEFAULT_REVIEW_LIMIT = 50;
const DEFAULT_SHOW_LIMIT = 1000;

function parseLimit(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isInteger(n) || n < 1 || n > 10_000)
    throw new IdentityUsageError('--limit must be a whole number from 1 to 10000.');
  return n;
}

function parseFormat(text: string | undefined): OutputFormat {
  if (text === undefined || text === 'table') return 'table';
  if (text === 'json') return 'json';
  throw new IdentityUsageError('--format must be table or json.');
}

function nonBlank(text: string | undefined): string | undefined {
  const t = text?.trim();
  return t === undefined || t === '' ? undefined : t;
}

/** Parses the arguments after `gapstream identity`; throws {@link IdentityUsageError}. */
export function parseIdentityArgs(argv: readonly string[]): IdentityCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        limit: { type: 'string' },
        format: { type: 'string' },
        by: { type: 'string' },
        reason: { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new IdentityUsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const [sub, ...args] = positionals;
  const noDecisionOptions = (what: string): void => {
    if (values.by !== undefined || values.reason !== undefined)
      throw new IdentityUsageError(`--by and --reason belong to decisions, not to \`identity ${what}\`.`);
  };
  const noListOptions = (what: string): void => {
    if (values.limit !== undefined || values.format !== undefined)
      throw new IdentityUsageError(`--limit and --format belong to listings, not to \`identity ${what}\`.`);
  };
  const decision = (
    what: string,
    action: DecisionRequest['action'],
    ids: string[],
    wanted: 1 | 2,
  ): IdentityCommand => {
    noListOptions(what);
    const shape =
      wanted === 2 ? `identity ${what} <recordId> <otherRecordId>` : `identity ${what} <recordId>`;
    if (ids.length !== wanted || ids.some((id) => id.trim() === ''))
      throw new IdentityUsageError(
        `\`${shape} --by <user>\` needs exactly ${wanted === 2 ? 'two record ids' : 'one record id'}.`,
      );
    if (wanted === 2 && ids[0] === ids[1])
      throw new IdentityUsageError(`\`${shape}\` needs two different record ids.`);
    const decidedBy = nonBlank(values.by);
    if (decidedBy === undefined)
      throw new IdentityUsageError(
        `\`${shape}\` needs --by <user>: every manual decision records who made it. Nothing was published.`,
      );
    return {
      command: 'decide',
      decision: {
        action,
        recordId: ids[0]!,
        otherRecordId: wanted === 2 ? ids[1]! : null,
        decidedBy,
        reason: nonBlank(values.reason) ?? null,
      },
    };
  };

  if (sub === 'review') {
    const [verb, ...ids] = args;
    if (verb === undefined) {
      noDecisionOptions('review');
      return {
        command: 'review-list',
        limit: parseLimit(values.limit, DEFAULT_REVIEW_LIMIT),
        format: parseFormat(values.format),
      };
    }
    if (verb === 'link') return decision('review link', 'LINK', ids, 2);
    if (verb === 'reject') return decision('review reject', 'REJECT', ids, 2);
    throw new IdentityUsageError(
      `Unknown \`identity review ${verb}\`: expected \`identity review\`, \`identity review link\` or \`identity review reject\`.`,
    );
  }
  if (sub === 'unlink') return decision('unlink', 'UNLINK', args, 1);
  if (sub === 'show') {
    noDecisionOptions('show');
    if (args.length !== 1 || args[0]!.trim() === '')
      throw new IdentityUsageError('`identity show <recordId|personId>` needs exactly one id.');
    return {
      command: 'show',
      id: args[0]!,
      limit: parseLimit(values.limit, DEFAULT_SHOW_LIMIT),
      format: parseFormat(values.format),
    };
  }
  throw new IdentityUsageError(
    `Unknown identity command "${sub ?? ''}": expected \`identity review\`, \`identity review link|reject\`, \`identity unlink\` or \`identity show\`.`,
  );
}

/** True when the command reads ClickHouse (decisions need only the bus). */
export function needsStore(cmd: IdentityCommand): boolean {
  return cmd.command !== 'decide';
}

/** The `identity.request.v1` value of a decision: kind DECISION, every other branch null. */
export function decisionRequestValue(decision: DecisionRequest): Record<string, unknown> {
  return {
    kind: 'DECISION',
    sourceTopic: null,
    sourcePartition: null,
    sourceOffset: null,
    eventKind: null,
    payload: null,
    observation: null,
    merge: null,
    decision: {
      action: decision.action,
      recordId: decision.recordId,
      otherRecordId: decision.otherRecordId,
      decidedBy: decision.decidedBy,
      reason: decision.reason,
    },
  };
}

/**
 * Publishes one decision (key null) to {@link IDENTITY_REQUEST_TOPIC}, creating the topic with one
 * partition if it is missing. Refuses, without publishing, when the topic has another number of
 * partitions: identity writes are serialized through one partition.
 */
export async function publishDecision(
  bus: Bus,
  codec: Codec,
  decision: DecisionRequest,
): Promise<RecordMetadata> {
  const value = await codec.encode(IDENTITY_REQUEST_TOPIC, decisionRequestValue(decision));
  await bus.ensureTopics([{ topic: IDENTITY_REQUEST_TOPIC, partitions: 1 }]);
  const partitions = await bus.partitionCount(IDENTITY_REQUEST_TOPIC);
  if (partitions !== 1)
    throw new IdentityTopicError(
      `${IDENTITY_REQUEST_TOPIC} has ${partitions} partitions; the identity writer needs exactly 1 (every identity write is serialized through it). Nothing was published: recreate the topic with one partition.`,
    );
  const producer = await bus.producer();
  try {
    const [meta] = await producer.send([{ topic: IDENTITY_REQUEST_TOPIC, key: null, value, partition: 0 }]);
    return meta!;
  } finally {
    await producer.close();
  }
}

/** The request topic exists with the wrong shape (exit 1). */
export class IdentityTopicError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdentityTopicError';
  }
}

/** Runs a parsed command; returns the exit code (0 ok; 1 topic refused or nothing to show). */
export async function runIdentityCommand(
  cmd: IdentityCommand,
  deps: IdentityCliDeps,
  out: Output,
  err: Output,
): Promise<number> {
  switch (cmd.command) {
    case 'review-list': {
      const reviews = await openReviews(deps.store, { limit: cmd.limit });
      if (cmd.format === 'json') {
        for (const r of reviews) out.write(`${JSON.stringify(r)}\n`);
      } else if (reviews.length === 0) {
        out.write('No open reviews.\n');
      } else {
        out.write(formatReviewTable(reviews));
      }
      return 0;
    }
    case 'decide': {
      try {
        const meta = await publishDecision(deps.bus, deps.codec, cmd.decision);
        out.write(
          `${JSON.stringify({ published: { topic: meta.topic, partition: meta.partition, offset: meta.offset }, decision: cmd.decision })}\n`,
        );
        return 0;
      } catch (e) {
        if (!(e instanceof IdentityTopicError)) throw e;
        err.write(`${e.message}\n`);
        return 1;
      }
    }
    case 'show': {
      const entries = await auditTrail(deps.store, { recordId: cmd.id, personId: cmd.id, limit: cmd.limit });
      if (entries.length === 0) {
        err.write(`No identity events for ${cmd.id}.\n`);
        return 1;
      }
      if (cmd.format === 'json') for (const e of entries) out.write(`${JSON.stringify(e)}\n`);
      else out.write(formatAuditTable(entries));
      return 0;
    }
    default: {
      const never: never = cmd;
      throw new Error(`unhandled identity command ${JSON.stringify(never)}`);
    }
  }
}

/** Columns padded to their widest cell; the last column is not padded. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

const score = (s: number | null): string => (s === null ? '-' : s.toFixed(2));
const time = (ms: number | null): string =>
  ms === null ? '-' : new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/** `identity review` table: one line per open pair. */
export function formatReviewTable(reviews: readonly ReviewEntry[]): string {
  return formatTable(
    ['SCORE', 'RECORD', 'CANDIDATE', 'PERSON', 'CANDIDATE_PERSON', 'OPENED', 'REASON', 'CONTRIBUTIONS'],
    reviews.map((r) => [
      score(r.score),
      r.recordId,
      r.candidateRecordId,
      r.personId,
      r.candidatePersonId ?? '-',
      time(r.openedAt),
      r.reason ?? '-',
      summarizeContributions(r.contributions),
    ]),
  );
}

/** `identity show` table: one line per event, oldest first. */
export function formatAuditTable(entries: readonly AuditEntry[]): string {
  return formatTable(
    [
      'AT',
      'KIND',
      'METHOD',
      'RECORD',
      'PERSON',
      'OTHER_RECORD',
      'OTHER_PERSON',
      'SCORE',
      'BY',
      'MOVED',
      'REASON',
      'CONTRIBUTIONS',
    ],
    entries.map((e) => [
      time(e.at),
      e.kind,
      e.method,
      e.recordId,
      e.personId,
      e.otherRecordId ?? '-',
      e.otherPersonId ?? '-',
      score(e.score),
      e.decidedBy ?? '-',
      e.movedRecordIds.length === 0 ? '-' : e.movedRecordIds.join(','),
      e.reason ?? '-',
      summarizeContributions(e.contributions),
    ]),
  );
}
