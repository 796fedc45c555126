import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedBus } from '../../runtime/bus/embedded/index.ts';
import type { Bus } from '../../runtime/bus/types.ts';
import { createLocalCodec } from '../../schemas/codec.ts';
import { createTelemetry, type Telemetry } from '../../runtime/telemetry/index.ts';
import { defaultMllpSettings, validateMllpConfig, type MllpSettings } from '../../producers/mllp/config.ts';
import { startMllpListener, type MllpListener } from '../../producers/mllp/listener.ts';
import { RawClient, hl7 } from './helpers.ts';

/** A test CA, a server certificate for 127.0.0.1 and two client certificates, made now (never committed). */
function makePki(dir: string): void {
  const ssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=gapstream test CA',
  );
  const issue = (name: string, cn: string, ext: string): void => {
    ssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${cn}`,
    );
    execFileSync('sh', ['-c', `printf '%s\\n' '${ext}' > ${name}.ext`], { cwd: dir });
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
    );
  };
  issue('server', 'localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost');
  issue('allowed', 'mirth.clinic-a.test', 'extendedKeyUsage=clientAuth');
  issue('stranger', 'someone-else.test', 'extendedKeyUsage=clientAuth');
}

describe('MLLP over TLS with a client-certificate allow-list', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gs-mllp-tls-'));
  let bus: Bus;
  let telemetry: Telemetry;
  let listener: MllpListener;
  const f = (n: string): string => join(dir, n);
  const client = (name?: string): Promise<RawClient> =>
    RawClient.connectTls(listener.tlsPort!, {
      ca: readFileSync(f('ca.crt')),
      servername: 'localhost',
      ...(name ? { cert: readFileSync(f(`${name}.crt`)), key: readFileSync(f(`${name}.key`)) } : {}),
    });

  beforeAll(async () => {
    makePki(dir);
    bus = await createEmbeddedBus({ dataDir: join(dir, 'bus'), fsync: 'always' });
    telemetry = await createTelemetry({ serviceName: 'mllp-tls-test', inMemory: true });
    const settings: MllpSettings = defaultMllpSettings({
      host: '127.0.0.1',
      port: 0,
      tcpEnabled: false,
      tls: {
        port: 0,
        certFile: f('server.crt'),
        keyFile: f('server.key'),
        caFile: f('ca.crt'),
        requireClientCert: true,
        allowedClients: ['CN=mirth.clinic-a.test'],
      },
    });
    expect(validateMllpConfig(settings)).toEqual([]);
    listener = await startMllpListener(
      { bus, codec: await createLocalCodec(), telemetry, logger: pino({ level: 'silent' }), partitions: 1 },
      settings,
    );
  });
  afterAll(async () => {
    await listener.close();
    await bus.close();
    await telemetry.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts an allow-listed client certificate and ACKs over TLS', async () => {
    const c = await client('allowed');
    expect(await c.send(hl7({ controlId: 'TLS1' }))).toMatchObject({ code: 'AA', controlId: 'TLS1' });
    c.close();
  });

  it('refuses a certificate the CA signed but the allow-list does not name', async () => {
    const c = await client('stranger').catch(() => null);
    if (c !== null) {
      expect(await c.send(hl7({ controlId: 'TLS2' }), 3_000)).toBeNull();
      expect(await c.waitClosed()).toBe(true);
    }
    const m = await telemetry.collect();
    expect(m['gapstream_errors_total{code="MLLP_CLIENT_NOT_ALLOWED",stage="mllp"}']).toBe(1);
  });

  it('refuses a client without a certificate', async () => {
    const c = await client().catch(() => null);
    if (c !== null) {
      expect(await c.send(hl7({ controlId: 'TLS3' }), 3_000)).toBeNull();
      expect(c.closed).toBe(true);
    }
  });
});
