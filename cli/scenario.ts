/**
 * Runs files through the whole pipeline in this process: start every stage, load the files
 * (`gapstream ingest`), wait until every consumer group has caught up with its inputs, stop.
 * This is how `gapstream ingest` works in embedded mode (the bus has one owner, so nothing else
 * can process what is loaded) and how the demo runs a generated population.
 */
import type { Runtime } from '../runtime/open-runtime.ts';
import { drainPairs, waitUntilDrained } from '../runtime/runner/drain.ts';
import { ingestPaths } from './ingest.ts';
import { startPipeline } from './pipeline.ts';

export interface ScenarioResult {
  code: number;
  seconds: number;
}

export async function runFilesThroughPipeline(
  rt: Runtime,
  paths: string[],
  opts: { drainTimeoutMs?: number; out?: NodeJS.WritableStream; err?: NodeJS.WritableStream } = {},
): Promise<ScenarioResult> {
  const started = performance.now();
  const pipeline = await startPipeline(rt, { mllp: false });
  try {
    const { code } = await ingestPaths(rt, paths, opts.err ?? process.stderr, opts.out ?? process.stdout);
    await waitUntilDrained(rt.bus, drainPairs(pipeline.consumes), {
      timeoutMs: opts.drainTimeoutMs ?? 30 * 60_000,
      pollMs: 250,
    });
    return { code, seconds: (performance.now() - started) / 1000 };
  } finally {
    await pipeline.stop();
  }
}
