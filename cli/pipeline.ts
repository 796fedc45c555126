import { startClaimsWatcher } from '../producers/claims/start.ts';
import { startClaimsSinks } from '../sinks/claims/index.ts';
import { startIdentitySinks } from '../sinks/identity/index.ts';
import { startHl7FileIntake } from '../producers/hl7-files/file-intake.ts';
import { runMllpListener } from '../producers/mllp/command.ts';
import type { MllpSettings } from '../producers/mllp/config.ts';
import { loadFeedProfiles } from '../processors/normalize/feed-profile.ts';
import { createNormalizeStep } from '../processors/normalize/step.ts';
import { sliceSink } from '../processors/slice/clickhouse-slice-sink.ts';
import { patientActivity } from '../processors/slice/patient-activity.ts';
import type { Runtime } from '../runtime/open-runtime.ts';
import { startProcessor } from '../runtime/runner/processor-runner.ts';
import { identityConfig } from '../processors/identity/config.ts';
import { startResolver } from '../processors/identity/resolver.ts';
import { identityRouters } from '../processors/identity/route.ts';
import { startSink } from '../runtime/runner/sink-runner.ts';
import { loadContractLibrary } from '../processors/contracts/load.ts';
import { createCareGapsStep, feedZones } from '../processors/gaps/step.ts';
import { startCareGapSinks } from '../sinks/gaps/index.ts';

/** What `gapstream run` starts. */
export interface Pipeline {
  /** The MLLP listener's TCP port when it runs. */
  mllpPort: number | undefined;
  /** Every consumer group of the pipeline with its input topics (waitUntilDrained). */
  consumes: { groupId: string; topics: string[] }[];
  stop(): Promise<void>;
}

type Stage = { stop(): Promise<void>; consumes?: { groupId: string; topics: string[] } };

/**
 * The pipeline as it stands: MLLP listener and HL7 file drop → hl7.raw.v1 → normalize (stateless) →
 * clinical.event.v1 → slice-patient-activity (stateful) → ClickHouse `slice_results`; clinical
 * events, claim lines, roster lines and crosswalks → identity routers → identity.request.v1 (one
 * partition) → identity resolver (single writer) → person.event.v1 + identity.link.v1 → care-gaps
 * (stateful, contracts/) → attribution.change.v1 + gap.change.v1 → ClickHouse status, rates, worklists.
 * Same code in both modes; in embedded mode everything must run in this one process (the bus
 * has one owner), in distributed mode each part can also run on its own.
 */
export async function startPipeline(
  rt: Runtime,
  options: { mllp: boolean; mllpOverrides?: Partial<MllpSettings> },
): Promise<Pipeline> {
  const deps = {
    bus: rt.bus,
    codec: rt.codec,
    telemetry: rt.telemetry,
    logger: rt.logger,
    partitions: rt.config.kafka.partitions,
    instanceId: rt.config.instanceId,
  };
  const feeds = loadFeedProfiles(rt.config.feeds.dir);
  const normalize = createNormalizeStep({
    profiles: feeds,
    defaultCharset: rt.config.mllp.defaultCharset,
  });
  const gaps = rt.config.gaps;
  const library = await loadContractLibrary(gaps.contractsDir, { valueSetDirs: gaps.valueSetDirs ?? [] });
  const stages: Stage[] = [
    await startSink(sliceSink(rt.store), deps),
    // claim.line.v1, roster.member.v1, member.xref.v1, file.manifest.v1 → ClickHouse.
    ...(await startClaimsSinks(rt.store, deps)),
    // identity.link.v1 → identity_links (audit trail) and identity_reviews (the review queue).
    ...(await startIdentitySinks(rt.store, deps)),
    // gap.change.v1 and attribution.change.v1 → current and historical status, rates, worklists.
    ...(await startCareGapSinks(rt.store, deps)),
    // person.event.v1 → per-person facts → attribution and gap status per contract.
    await startProcessor(
      createCareGapsStep({ catalog: library, asOf: gaps.asOf ?? null, zoneOf: feedZones(feeds) }),
      {
        ...deps,
        timerMs: gaps.timerMs,
      },
    ),
    // The single identity writer, then its routers: person.event.v1 and identity.link.v1.
    await startResolver({ ...deps, config: identityConfig(rt.config.identity) }),
    ...(await Promise.all(identityRouters().map((r) => startProcessor(r, deps)))),
    await startProcessor(patientActivity, deps),
    await startProcessor(normalize, deps),
  ];
  let mllpPort: number | undefined;
  let listener: Awaited<ReturnType<typeof runMllpListener>> | undefined;
  if (options.mllp) {
    listener = await runMllpListener(rt, { ...rt.config.mllp, ...options.mllpOverrides });
    mllpPort = listener.port;
    stages.push(listener);
  }
  // HL7 files dropped in HL7_DROP_DIR go through the same intake (one duplicate index).
  const files = await startHl7FileIntake(rt, rt.config.hl7Files, listener ? { intake: listener.intake } : {});
  if (files) stages.push(files);
  // Claims and rosters dropped in CLAIMS_DROP_DIR (or pulled from CLAIMS_SFTP_HOST).
  const claims = await startClaimsWatcher(rt, rt.config.claims);
  if (claims) stages.push(claims);
  return {
    mllpPort,
    consumes: stages.flatMap((st) => (st.consumes ? [st.consumes] : [])),
    stop: async () => {
      // Upstream first: the listener drains (ACK or NAK what it holds), then each processor.
      for (const stage of [...stages].reverse()) await stage.stop();
    },
  };
}

/** Rows of the slice's ClickHouse table, counted the idempotent way. */
export async function sliceSummary(
  rt: Runtime,
): Promise<{ results: number; patients: number; maxCount: number }> {
  const [row] = await rt.store.query<{
    results: string | number;
    patients: string | number;
    maxCount: string | number;
  }>(
    'SELECT count() AS results, uniqExact(key) AS patients, max(count_for_key) AS maxCount FROM slice_results FINAL',
  );
  return {
    results: Number(row?.results ?? 0),
    patients: Number(row?.patients ?? 0),
    maxCount: Number(row?.maxCount ?? 0),
  };
}

/** What the identity index made of the records it saw, from ClickHouse `identity_links`. */
export async function identitySummary(
  rt: Runtime,
): Promise<{ records: number; persons: number; reviews: number }> {
  const [links] = await rt.store.query<{ records: string | number; persons: string | number }>(
    "SELECT countIf(kind = 'LINK') AS records, countIf(kind = 'LINK' AND method = 'NEW') + countIf(kind = 'SPLIT') - countIf(kind = 'MERGE') AS persons FROM identity_links FINAL",
  );
  const [open] = await rt.store.query<{ reviews: string | number }>(
    "SELECT count() AS reviews FROM identity_reviews_latest WHERE status = 'OPEN'",
  );
  return {
    records: Number(links?.records ?? 0),
    persons: Number(links?.persons ?? 0),
    reviews: Number(open?.reviews ?? 0),
  };
}
