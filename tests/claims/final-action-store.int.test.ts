import { openStore } from '../../sinks/clickhouse/store.ts';
import { stack } from '../support/stack.ts';
import { describeFinalActionStore } from './final-action-store-scenario.ts';

// The ClickHouse server of the local stack (18.16 there): the same scenario as on chDB. Where the
// server is comes from the environment (tests/support/stack.ts); a server that is down fails the
// open, never skips.
describeFinalActionStore('http', (database) =>
  openStore({
    driver: 'http',
    url: stack.clickhouseUrl,
    username: process.env['CLICKHOUSE_USER'],
    password: process.env['CLICKHOUSE_PASSWORD'],
    database,
  }),
);
