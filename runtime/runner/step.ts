/**
 * The two shapes of processing logic (CONVENTIONS.md §5). A step is a pure function of plain
 * values: it never touches Kafka, ClickHouse, clocks or randomness, so it is tested with plain
 * values and replays deterministically. Only the runtime (processor-runner.ts) does I/O.
 */

/** What a step knows about the record it is given (no I/O handles). */
export interface StepContext {
  /** Topic, partition and offset the record came from. */
  source: { topic: string; partition: number; offset: number };
  /** The record's key (the state key for stateful steps). */
  key: string | null;
  /** The record's append time: use it instead of a clock, so replays give the same answer. */
  timestamp: number;
  /** The record's value as read (Confluent-framed), for steps that forward it unchanged. */
  rawValue?: Buffer | null;
}

/** One output record of a step; the value is encoded with the output topic's schema. */
export interface StepOutput {
  topic: string;
  key: string | null;
  value: unknown;
}

/** Stateless: `(event) -> outputs`. */
export interface StatelessStep<I> {
  readonly kind: 'stateless';
  /** Stage name: names the consumer group, metrics and dead letters. */
  readonly name: string;
  readonly input: string;
  /** Topics this step may write (created at start-up). */
  readonly outputs: readonly string[];
  process(input: I, ctx: StepContext): readonly StepOutput[];
}

/** Stateful: `(state, event) -> { state, outputs }`, with state kept per record key. */
export interface StatefulStep<S, I> {
  readonly kind: 'stateful';
  readonly name: string;
  readonly input: string;
  readonly outputs: readonly string[];
  /** `undefined` state means "no state for this key" (a tombstone in the changelog). */
  process(
    state: S | undefined,
    input: I,
    ctx: StepContext,
  ): { state: S | undefined; outputs: readonly StepOutput[] };
  /** State <-> changelog bytes. JSON is fine for small per-person facts. */
  serializeState(state: S): Buffer;
  deserializeState(bytes: Buffer): S;
  /**
   * More input topics, co-partitioned with `input` and keyed the same way (a repartition topic
   * the step writes itself): their records see the same per-key state.
   */
  readonly extraInputs?: readonly string[];
  /** Create the input topic with unlimited retention (it is replayed from its start, e.g. by a recompute). */
  readonly retainInput?: boolean;
  /** Decodes what the input carries nested (e.g. a framed source record) before `process`. */
  prepare?(input: unknown, decode: (topic: string, bytes: Buffer) => Promise<unknown>): Promise<unknown>;
  /**
   * Time-driven re-evaluation (a Kafka Streams wall-clock punctuator): every `everyMs` the runner
   * offers each key whose state is `due` to `fire`, and commits the results like a batch.
   * `now` is passed in, so the step stays a pure function.
   */
  readonly timer?: {
    due(state: S, now: number): boolean;
    fire(state: S, key: string, now: number): { state: S | undefined; outputs: readonly StepOutput[] };
  };
}

export type Step = StatelessStep<never> | StatefulStep<never, never>;

/** JSON state codec for steps whose state is plain data. */
export const jsonState = {
  serializeState: (state: unknown): Buffer => Buffer.from(JSON.stringify(state)),
  deserializeState: <S>(bytes: Buffer): S => JSON.parse(bytes.toString('utf8')) as S,
};
