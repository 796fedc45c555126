import { MllpClient, ackCodeOf } from '../producers/mllp/client.ts';
import type { FeedProfiles } from '../processors/normalize/feed-profile.ts';
import { normalizeBytes } from '../processors/normalize/step.ts';
import { demoMessage } from '../processors/slice/demo-messages.ts';

/**
 * Sends demo messages `0..count-1` over MLLP like an interface engine: `connections` persistent
 * connections, one message in flight each, a patient always on the same connection (per-patient
 * order). Re-sending after a crash is safe: the listener re-ACKs duplicates without publishing
 * them again. Resolves with the ACK codes counted.
 */
export async function sendDemoMessages(
  port: number,
  count: number,
  patients: number,
  options: { host?: string; connections?: number; onAck?: (sent: number) => void } = {},
): Promise<Record<string, number>> {
  const connections = Math.max(1, Math.min(options.connections ?? 4, patients));
  const codes: Record<string, number> = {};
  let sent = 0;
  await Promise.all(
    Array.from({ length: connections }, async (_, c) => {
      const client = await MllpClient.connect(port, options.host);
      try {
        for (let i = 0; i < count; i++) {
          const m = demoMessage(i, patients);
          if (m.patient % connections !== c) continue;
          const code = ackCodeOf(await client.send(m.bytes));
          codes[code] = (codes[code] ?? 0) + 1;
          options.onAck?.(++sent);
        }
      } finally {
        client.close();
      }
    }),
  );
  return codes;
}

/** How many clinical events the normalizer makes of the demo messages (a pure function of them). */
export function expectedDemoEvents(count: number, patients: number, profiles: FeedProfiles): number {
  let events = 0;
  for (let i = 0; i < count; i++) {
    const source = {
      idPrefix: 'demo',
      topic: null,
      partition: null,
      offset: null,
      timestamp: 0,
      receivedAt: null,
    };
    const result = normalizeBytes(demoMessage(i, patients).bytes, profiles, source);
    events += result.events.length;
  }
  return events;
}
