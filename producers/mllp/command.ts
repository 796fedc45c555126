/**
 * `gapstream listen-mllp`: the listener on the runtime of either mode (runtime/open-runtime.ts).
 * The CLI wires this function; it validates the settings first (all problems at once).
 */
import { ConfigError } from '../../runtime/errors.ts';
import type { Runtime } from '../../runtime/open-runtime.ts';
import { validateMllpConfig, type MllpSettings } from './config.ts';
import type { Hl7Intake } from './intake.ts';
import { startMllpListener } from './listener.ts';

/** Starts the MLLP listener; `close()` drains in-flight messages (ACK or NAK) then closes sockets. */
export async function runMllpListener(
  rt: Pick<Runtime, 'bus' | 'codec' | 'telemetry' | 'logger' | 'config'>,
  settings: MllpSettings,
  options: { intake?: Hl7Intake } = {},
): Promise<{
  port: number;
  tlsPort: number | undefined;
  /** The per-message intake (share it with producers/hl7-files: one duplicate index). */
  intake: Hl7Intake;
  close(): Promise<void>;
  stop(): Promise<void>;
}> {
  const problems = validateMllpConfig(settings);
  if (problems.length > 0) throw new ConfigError(problems);
  const listener = await startMllpListener(
    {
      bus: rt.bus,
      codec: rt.codec,
      telemetry: rt.telemetry,
      logger: rt.logger,
      partitions: rt.config.kafka.partitions,
      ...(options.intake !== undefined ? { intake: options.intake } : {}),
    },
    settings,
  );
  return {
    port: listener.port ?? listener.tlsPort ?? 0,
    tlsPort: listener.tlsPort,
    intake: listener.intake,
    close: () => listener.close(),
    stop: () => listener.close(),
  };
}
