/**
 * Runs a SELECT that filters on string values without ever putting them into SQL text.
 * `sql(ref)` builds the query; `ref(name)` is a scalar String expression for the value `name`.
 * With query parameters (chDB, ClickHouse 21.x+): `{name:String}`, bound server-side. Without
 * (18.16, where the store refuses parameters): the values are inserted into a lookups table
 * (`identity_lookups`, `gap_lookups`: lookup_id, value, at) under a fresh lookup id, read back by
 * a scalar subquery, and deleted afterwards. Only the generated lookup id (hex) and the value's
 * name are inlined.
 */
import { randomUUID } from 'node:crypto';
import { dateTimeText } from '../claims/columns.ts';
import { StoreError, type Store } from './store.ts';

export async function selectWithValues<T>(
  store: Store,
  lookupsTable: string,
  sql: (ref: (name: string) => string) => string,
  values: Readonly<Record<string, string>>,
): Promise<T[]> {
  const names = Object.keys(values);
  if (!names.every((n) => /^[a-z][a-z0-9]*$/i.test(n))) throw new Error('lookup names are plain identifiers');
  try {
    return await store.query<T>(
      sql((name) => `{${name}:String}`),
      values,
    );
  } catch (err) {
    if (!(err instanceof StoreError) || err.reason !== 'unsupported') throw err;
  }
  const lookup = randomUUID().replace(/-/g, '');
  const idOf = (name: string): string => `${lookup}_${name}`;
  const at = dateTimeText(Date.now());
  await store.insert(
    lookupsTable,
    names.map((name) => ({ lookup_id: idOf(name), value: values[name], at })),
  );
  try {
    return await store.query<T>(
      sql((name) => `(SELECT any(value) FROM ${lookupsTable} WHERE lookup_id = '${idOf(name)}')`),
    );
  } finally {
    const ids = names.map((n) => `'${idOf(n)}'`).join(', ');
    await store.exec(`ALTER TABLE ${lookupsTable} DELETE WHERE lookup_id IN (${ids})`).catch(() => undefined);
  }
}
