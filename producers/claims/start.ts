/**
 * Starts the claims watcher (and the SFTP pull when CLAIMS_SFTP_HOST is set) on a runtime: what
 * `gapstream run` does when CLAIMS_DROP_DIR is set.
 */
import type { Runtime } from '../../runtime/open-runtime.ts';
import { ConfigError } from '../../runtime/errors.ts';
import { validateClaimsConfig, type ClaimsSettings } from './config.ts';
import { loadPayerMappings } from './mapping/index.ts';
import { CLAIMS_COMPONENT, CLAIMS_STAGE, type PublishProgress } from './publish-file.ts';
import { createSftpPull, SFTP_PULL_STAGE } from './sftp/pull.ts';
import { createClaimsWatcher, type ClaimsFileResult } from './watcher.ts';

export interface RunningClaimsWatcher {
  dir: string;
  poll(): Promise<ClaimsFileResult[]>;
  stop(): Promise<void>;
}

/** Starts polling, or returns undefined when CLAIMS_DROP_DIR is unset. */
export async function startClaimsWatcher(
  rt: Pick<Runtime, 'bus' | 'codec' | 'telemetry' | 'logger' | 'config'>,
  settings: ClaimsSettings,
  options: {
    onCommit?: (file: string, p: PublishProgress) => Promise<void> | void;
    /** False: no timer, the caller polls (tests that count every result). Default true. */
    autoStart?: boolean;
  } = {},
): Promise<RunningClaimsWatcher | undefined> {
  const problems = validateClaimsConfig(settings);
  if (problems.length > 0) throw new ConfigError(problems);
  if (settings.dir === undefined) return undefined;
  const watcher = createClaimsWatcher(
    {
      bus: rt.bus,
      codec: rt.codec,
      logger: rt.logger,
      stage: rt.telemetry.stage(CLAIMS_STAGE),
      mappings: await loadPayerMappings(settings.mappingsDir),
      // GAPSTREAM_INSTANCE_ID: stable across restarts (a restarted watcher finds its own
      // unfinished files in processing/<id>/), distinct between watchers sharing a directory.
      watcherId: rt.config.instanceId,
      partitions: rt.config.kafka.partitions,
      onCommit: options.onCommit,
    },
    settings,
  );
  if (options.autoStart !== false) watcher.start();
  // Files pulled from SFTP land in inbox/ atomically; the watcher takes them from there.
  const pull =
    settings.sftp.host === undefined
      ? undefined
      : createSftpPull(
          { logger: rt.logger, stage: rt.telemetry.stage(SFTP_PULL_STAGE) },
          { sftp: settings.sftp, dropDir: settings.dir, complete: settings.complete },
        );
  pull?.start();
  rt.logger.info(
    {
      component: CLAIMS_COMPONENT,
      pollMs: settings.pollMs,
      complete: settings.complete,
      sftp: pull !== undefined,
    },
    'claims drop directory watcher started',
  );
  const dir = settings.dir;
  return {
    dir,
    poll: () => watcher.poll(),
    stop: async () => {
      await pull?.close();
      await watcher.close();
    },
  };
}
