/**
 * Settings of the MLLP listener (producers/mllp), as one field table in the shape of
 * runtime/config/fields.ts so the lead can merge it into the central table (every key under
 * `mllp.`), plus the pure cross-field validation that runs after the per-field schemas.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../../runtime/errors.ts';
import type { FieldSpec } from '../../runtime/config/fields.ts';
import { parseFields } from '../../runtime/config/parse-fields.ts';
import {
  boolSetting,
  listSetting,
  nonEmptySetting,
  portSetting,
  positiveIntSetting,
} from '../../runtime/config/value-schemas.ts';

const bool = boolSetting;
const port = portSetting;
const positiveInt = positiveIntSetting;
const nonEmpty = nonEmptySetting;
const list = listSetting;

/** `ADT^A01`, `ORU^R01`, or a whole code with `ADT^*`. */
const MESSAGE_TYPE = /^[A-Z0-9]{3}\^([A-Z0-9]{3}|\*)$/;
const VERSION = /^2\.\d+(\.\d+)?$/;
const PROCESSING_ID = /^[PDT]$/;
/** `CN=<common name>` or `sha256:<64 hex digits, colons allowed>`. */
const CLIENT = /^(CN=.+|sha256:([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2})$/;
const CHARSETS = ['ASCII', '8859/1', 'UNICODE UTF-8'] as const;

/** The MLLP listener's settings after validation. */
export interface MllpSettings {
  /** Id written to every hl7.raw.v1 record (`listenerId`). */
  listenerId: string;
  host: string;
  /** Plain-TCP port; `tcpEnabled: false` turns the plain listener off (TLS only). */
  port: number;
  tcpEnabled: boolean;
  tls: {
    /** TLS listener port, used when certFile and keyFile are set. */
    port: number;
    certFile?: string;
    keyFile?: string;
    caFile?: string;
    requireClientCert: boolean;
    /** `CN=…` or `sha256:…` entries; empty = any client certificate the CA signed. */
    allowedClients: string[];
  };
  maxMessageBytes: number;
  acceptedMessageTypes: string[];
  acceptedVersions: string[];
  acceptedProcessingIds: string[];
  /** Charset assumed when MSH-18 is empty (HL7: 7-bit ASCII). */
  defaultCharset: (typeof CHARSETS)[number];
  writeTimeoutMs: number;
  maxInFlightBytes: number;
  maxConnections: number;
  duplicateWindowMinutes: number;
  duplicateRestoreRecords: number;
  duplicateMaxEntries: number;
  drainTimeoutMs: number;
}

const DEFAULT_TYPES = 'ADT^A01,ADT^A03,ADT^A04,ADT^A08,ADT^A11,ADT^A13,ADT^A28,ADT^A31,ADT^A40,ORU^R01';

/** The listener's fields, for the central table (runtime/config/fields.ts). */
export const MLLP_FIELDS: readonly FieldSpec[] = [
  {
    path: 'mllp.listenerId',
    env: 'MLLP_LISTENER_ID',
    description:
      'Id of this listener, written to every hl7.raw.v1 record (`listenerId`) so a message can be traced to the port and host that took it.',
    expected: 'letters, digits, dots, dashes or underscores',
    example: 'mllp-clinic-a-1',
    default: 'mllp',
    schema: z.string().regex(/^[A-Za-z0-9._-]+$/),
  },
  {
    path: 'mllp.host',
    env: 'MLLP_HOST',
    description:
      'Interface the MLLP listeners bind to. `0.0.0.0` accepts connections on every IPv4 interface.',
    expected: 'an IP address or host name',
    example: '0.0.0.0',
    default: '0.0.0.0',
    schema: nonEmpty,
  },
  {
    path: 'mllp.port',
    env: 'MLLP_PORT',
    description: 'Plain-TCP MLLP port (HL7 convention 2575). 0 picks a free port (tests).',
    expected: 'a port number 0-65535',
    example: '2575',
    default: '2575',
    schema: port,
  },
  {
    path: 'mllp.tcpEnabled',
    env: 'MLLP_TCP_ENABLED',
    description:
      'Serve plain (unencrypted) MLLP on `mllp.port`. Set false to accept TLS only. Plain MLLP carries PHI in clear text: use it only inside a VPN or on a trusted segment.',
    expected: 'true or false',
    example: 'false',
    default: 'true',
    schema: bool,
  },
  {
    path: 'mllp.tls.port',
    env: 'MLLP_TLS_PORT',
    description: 'MLLP-over-TLS port, served when `mllp.tls.certFile` and `mllp.tls.keyFile` are set.',
    expected: 'a port number 0-65535',
    example: '2576',
    default: '2576',
    schema: port,
  },
  {
    path: 'mllp.tls.certFile',
    env: 'MLLP_TLS_CERT_FILE',
    description: 'PEM server certificate (chain) of the TLS listener. Setting it (with the key) enables TLS.',
    expected: 'a file path',
    example: '/etc/gapstream/mllp/server.crt',
    schema: nonEmpty,
  },
  {
    path: 'mllp.tls.keyFile',
    env: 'MLLP_TLS_KEY_FILE',
    description: 'PEM private key of the server certificate. Keep it readable by the gapstream user only.',
    expected: 'a file path',
    example: '/etc/gapstream/mllp/server.key',
    schema: nonEmpty,
  },
  {
    path: 'mllp.tls.caFile',
    env: 'MLLP_TLS_CA_FILE',
    description:
      'PEM CA bundle that client certificates must chain to. Required when `mllp.tls.requireClientCert` is true.',
    expected: 'a file path',
    example: '/etc/gapstream/mllp/clients-ca.pem',
    schema: nonEmpty,
  },
  {
    path: 'mllp.tls.requireClientCert',
    env: 'MLLP_TLS_REQUIRE_CLIENT_CERT',
    description:
      'Mutual TLS: refuse a TLS connection without a client certificate signed by `mllp.tls.caFile` (IHE ATNA secure node).',
    expected: 'true or false',
    example: 'true',
    default: 'false',
    schema: bool,
  },
  {
    path: 'mllp.tls.allowedClients',
    env: 'MLLP_TLS_ALLOWED_CLIENTS',
    description:
      'Allow-list of client certificates, comma-separated: `CN=<subject common name>` or `sha256:<certificate fingerprint>`. A certificate on none of them is refused even when the CA signed it. Unset: any certificate the CA signed.',
    expected: 'a comma-separated list of CN=<name> or sha256:<64 hex digits>',
    example: 'CN=mirth.clinic-a.example,sha256:3F:A1:…',
    schema: list(CLIENT),
  },
  {
    path: 'mllp.maxMessageBytes',
    env: 'MLLP_MAX_MESSAGE_BYTES',
    description:
      'Largest MLLP frame (one message or one batch) accepted, in bytes. A larger frame is read to its end without being kept, then rejected (AR/CR, ERR 207); it bounds per-connection memory.',
    expected: 'a whole number of bytes, at least 1024',
    example: '10485760',
    default: '10485760',
    schema: z.coerce.number().int().min(1024),
  },
  {
    path: 'mllp.acceptedMessageTypes',
    env: 'MLLP_ACCEPTED_MESSAGE_TYPES',
    description:
      'Message types accepted (MSH-9.1^MSH-9.2), comma-separated; `ADT^*` accepts every ADT event. Others are rejected with AR/CR and ERR 200 (unknown code) or 201 (unknown event).',
    expected: 'a comma-separated list of CODE^EVENT, e.g. ADT^A01,ORU^R01 or ADT^*',
    example: 'ADT^*,ORU^R01',
    default: DEFAULT_TYPES,
    schema: list(MESSAGE_TYPE),
  },
  {
    path: 'mllp.acceptedVersions',
    env: 'MLLP_ACCEPTED_VERSIONS',
    description: 'HL7 versions accepted (MSH-12), comma-separated. Others: AR/CR with ERR 203.',
    expected: 'a comma-separated list of versions such as 2.3,2.5.1',
    example: '2.3,2.4,2.5,2.5.1',
    default: '2.3,2.3.1,2.4,2.5,2.5.1,2.6,2.7,2.7.1,2.8',
    schema: list(VERSION),
  },
  {
    path: 'mllp.acceptedProcessingIds',
    env: 'MLLP_ACCEPTED_PROCESSING_IDS',
    description:
      'Processing ids accepted (MSH-11.1: P production, T training, D debugging). A production listener takes P only; add T on a test listener. Others: AR/CR with ERR 202.',
    expected: 'a comma-separated list of P, T, D',
    example: 'P,T',
    default: 'P',
    schema: list(PROCESSING_ID),
  },
  {
    path: 'mllp.defaultCharset',
    env: 'MLLP_DEFAULT_CHARSET',
    description:
      'Character set assumed when MSH-18 is empty. HL7 says 7-bit ASCII; many legacy feeds send Latin-1 without saying so: set `8859/1` for them. A message whose bytes are invalid in its charset is rejected (AE/CE, ERR 102).',
    expected: `one of ${CHARSETS.join(', ')}`,
    example: '8859/1',
    default: 'ASCII',
    schema: z.enum(CHARSETS),
  },
  {
    path: 'mllp.writeTimeoutMs',
    env: 'MLLP_WRITE_TIMEOUT_MS',
    description:
      'How long a message may wait for its durable write before the sender gets AE/CE (ERR 207) instead of AA/CA. Keep it below the sender’s ACK timeout (often 10-30 s) so the sender sees a NAK, not silence.',
    expected: 'milliseconds, at least 100',
    example: '5000',
    default: '5000',
    schema: z.coerce.number().int().min(100),
  },
  {
    path: 'mllp.maxInFlightBytes',
    env: 'MLLP_MAX_IN_FLIGHT_BYTES',
    description:
      'Back-pressure: bytes of messages received but not yet durable. At the cap the listener stops reading all sockets until writes catch up, so memory stays flat when Kafka is slow.',
    expected: 'a whole number of bytes, at least 65536',
    example: '67108864',
    default: '67108864',
    schema: z.coerce.number().int().min(65536),
  },
  {
    path: 'mllp.maxConnections',
    env: 'MLLP_MAX_CONNECTIONS',
    description:
      'Most concurrent sender connections per listener (plain and TLS each); further ones are refused.',
    expected: 'a whole number of at least 1',
    example: '256',
    default: '1000',
    schema: positiveInt,
  },
  {
    path: 'mllp.duplicateWindowMinutes',
    env: 'MLLP_DUPLICATE_WINDOW_MINUTES',
    description:
      'How long a (MSH-3, MSH-4, MSH-10) is remembered to recognise a resend. Rebuilt from hl7.raw.v1 at start-up (bounded by `mllp.duplicateRestoreRecords`).',
    expected: 'minutes, at least 1',
    example: '1440',
    default: '1440',
    schema: positiveInt,
  },
  {
    path: 'mllp.duplicateRestoreRecords',
    env: 'MLLP_DUPLICATE_RESTORE_RECORDS',
    description:
      'At start-up, how many of the newest hl7.raw.v1 records per partition are read back to rebuild the duplicate index (those within the window are kept). 0 skips the rebuild.',
    expected: 'a whole number of at least 0',
    example: '100000',
    default: '100000',
    schema: z.coerce.number().int().min(0),
  },
  {
    path: 'mllp.duplicateMaxEntries',
    env: 'MLLP_DUPLICATE_MAX_ENTRIES',
    description:
      'Memory cap of the duplicate index (about 200 bytes per entry); the oldest entries are dropped first when a busy feed fills the window.',
    expected: 'a whole number of at least 1000',
    example: '1000000',
    default: '1000000',
    schema: z.coerce.number().int().min(1000),
  },
  {
    path: 'mllp.drainTimeoutMs',
    env: 'MLLP_DRAIN_TIMEOUT_MS',
    description:
      'On shutdown, how long in-flight messages get to be written and ACKed (or NAKed) before the sockets are closed.',
    expected: 'milliseconds, at least 0',
    example: '10000',
    default: '10000',
    schema: z.coerce.number().int().min(0),
  },
];

/** Defaults of every field, as settings (what the tests start from). */
export function defaultMllpSettings(overrides: Partial<MllpSettings> = {}): MllpSettings {
  const { settings } = parseMllpFields({});
  if (settings === undefined) throw new Error('MLLP defaults do not validate'); // programming error
  return { ...settings, ...overrides, tls: { ...settings.tls, ...overrides.tls } };
}

/**
 * Cross-field validation of settings that passed their field schemas. Pure apart from checking
 * that named files exist; opens no sockets. Returns every problem, one sentence each.
 */
export function validateMllpConfig(s: MllpSettings): string[] {
  const problems: string[] = [];
  const { tls } = s;
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined))
    problems.push(
      'MLLP_TLS_CERT_FILE (mllp.tls.certFile) and MLLP_TLS_KEY_FILE (mllp.tls.keyFile) go together: set both to enable TLS, or neither.',
    );
  for (const [env, path, file] of [
    ['MLLP_TLS_CERT_FILE', 'mllp.tls.certFile', tls.certFile],
    ['MLLP_TLS_KEY_FILE', 'mllp.tls.keyFile', tls.keyFile],
    ['MLLP_TLS_CA_FILE', 'mllp.tls.caFile', tls.caFile],
  ] as const)
    if (file !== undefined && !existsSync(file))
      problems.push(
        `${env} (${path}) = ${JSON.stringify(file)} does not exist: expected a readable PEM file.`,
      );
  const tlsOn = tls.certFile !== undefined && tls.keyFile !== undefined;
  if (tls.requireClientCert && tls.caFile === undefined)
    problems.push(
      'MLLP_TLS_REQUIRE_CLIENT_CERT (mllp.tls.requireClientCert) = true needs MLLP_TLS_CA_FILE (mllp.tls.caFile): the CA that signs the senders’ certificates.',
    );
  if ((tls.requireClientCert || tls.allowedClients.length > 0) && !tlsOn)
    problems.push(
      'Client-certificate settings (mllp.tls.requireClientCert, mllp.tls.allowedClients) need TLS: set MLLP_TLS_CERT_FILE and MLLP_TLS_KEY_FILE.',
    );
  if (tls.allowedClients.length > 0 && !tls.requireClientCert)
    problems.push(
      'MLLP_TLS_ALLOWED_CLIENTS (mllp.tls.allowedClients) is set but MLLP_TLS_REQUIRE_CLIENT_CERT is false: set it to true, or the allow-list could be bypassed by sending no certificate.',
    );
  if (!s.tcpEnabled && !tlsOn)
    problems.push(
      'MLLP_TCP_ENABLED (mllp.tcpEnabled) = false and no TLS certificate is set: the listener would serve nothing. Enable TCP or set MLLP_TLS_CERT_FILE and MLLP_TLS_KEY_FILE.',
    );
  if (s.tcpEnabled && tlsOn && s.port === s.tls.port && s.port !== 0)
    problems.push(
      `MLLP_PORT (mllp.port) and MLLP_TLS_PORT (mllp.tls.port) are both ${s.port}: give the TLS listener its own port.`,
    );
  if (s.maxInFlightBytes < s.maxMessageBytes)
    problems.push(
      `MLLP_MAX_IN_FLIGHT_BYTES (mllp.maxInFlightBytes) = ${s.maxInFlightBytes} is below MLLP_MAX_MESSAGE_BYTES (mllp.maxMessageBytes) = ${s.maxMessageBytes}: one largest message must fit; raise it to at least ${s.maxMessageBytes}.`,
    );
  return problems;
}

/**
 * Applies each field's schema to raw values (by dotted path, e.g. from a config file) and the
 * environment (wins), then {@link validateMllpConfig}. Every problem is collected.
 */
export function parseMllpFields(
  values: Record<string, string | undefined>,
  env: Record<string, string | undefined> = {},
): { settings?: MllpSettings; problems: string[] } {
  const parsed = parseFields(MLLP_FIELDS, values, env);
  const mllp = (parsed.values.mllp ?? {}) as Record<string, unknown>;
  const settings = {
    ...mllp,
    tls: { allowedClients: [], ...(mllp.tls as object) },
  } as unknown as MllpSettings;
  if (parsed.problems.length > 0) return { problems: parsed.problems };
  const problems = validateMllpConfig(settings);
  return problems.length > 0 ? { problems } : { settings, problems };
}

/** Settings from the environment (MLLP_*), or a ConfigError listing every problem. */
export function mllpSettingsFromEnv(env: Record<string, string | undefined> = process.env): MllpSettings {
  const { settings, problems } = parseMllpFields({}, env);
  if (settings === undefined) throw new ConfigError(problems);
  return settings;
}
