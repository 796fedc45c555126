import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openStore } from '../../sinks/clickhouse/store.ts';
import { describeFinalActionStore } from './final-action-store-scenario.ts';

// Embedded ClickHouse (chDB 26.x): one data directory for this file's process (libchdb binds one
// per process); each case opens its own database in it.
const dataDir = mkdtempSync(join(tmpdir(), 'gs-chdb-final-action-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describeFinalActionStore('chdb', (database) => openStore({ driver: 'chdb', path: dataDir, database }));
