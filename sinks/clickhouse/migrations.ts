import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StoreError } from './errors.ts';
import { formatDateTimeUtc } from './rows.ts';
import type { StoreDriverName } from './errors.ts';
import type { ServerFeature, Store } from './store.ts';

/** The migrations shipped with gapstream. */
export const DEFAULT_MIGRATIONS_DIR: string = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/** The table that records applied migrations, in the store's database. */
export const MIGRATIONS_TABLE = 'schema_migrations';

/**
 * `NNNN_name.sql`, or a variant `NNNN_name.no-<feature>.sql` used instead on a server that lacks
 * `<feature>` (one of SERVER_FEATURES: `no-datetime64.sql` for ClickHouse < 20.1).
 */
const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)(?:\.no-([a-z0-9-]+))?\.sql$/;

/** One migration file, chosen for the connected server. */
export interface Migration {
  version: number;
  name: string;
  /** `default`, or `no-<feature>` when a server-specific variant was chosen. */
  variant: string;
  file: string;
  /** sha256 (hex) of the file with line endings normalised to LF. */
  checksum: string;
  statements: string[];
}

/** Options of {@link applyMigrations} / {@link loadMigrations}. */
export interface MigrationOptions {
  dir: string;
  /** Features the server lacks; selects `no-<feature>` variants. */
  lacks: ReadonlySet<ServerFeature>;
}

function migrationError(message: string, driver: StoreDriverName = 'chdb'): StoreError {
  // Not retriable: a migration mismatch is fixed by a person, not by time.
  return new StoreError(message, { driver, operation: 'migrate', reason: 'migration', retriable: false });
}

/**
 * Split a migration file into statements. A statement ends at a line whose last non-blank
 * character is `;` — a `;` inside a line (in a string literal, say) is not a separator, so no SQL
 * tokenizer is needed. Lines that are only a `--` comment are dropped.
 */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current: string[] = [];
  for (const line of sql.replace(/\r\n/g, '\n').split('\n')) {
    if (/^\s*--/.test(line)) continue;
    if (/;\s*$/.test(line)) {
      current.push(line.replace(/;\s*$/, ''));
      const stmt = current.join('\n').trim();
      if (stmt.length > 0) statements.push(stmt);
      current = [];
    } else {
      current.push(line);
    }
  }
  const tail = current.join('\n').trim();
  if (tail.length > 0) statements.push(tail);
  return statements;
}

/** sha256 of a migration file's text, line endings normalised so a CRLF checkout is not "changed". */
export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

interface FileEntry {
  version: number;
  name: string;
  feature: string | undefined;
  file: string;
}

function listFiles(dir: string): FileEntry[] {
  const entries: FileEntry[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.sql')) continue;
    const m = FILE_PATTERN.exec(file);
    if (!m) {
      throw migrationError(
        `migration file ${join(dir, file)} is misnamed; expected NNNN_name.sql or NNNN_name.no-<feature>.sql (lower-case, underscores)`,
      );
    }
    entries.push({ version: Number(m[1]), name: m[2] ?? '', feature: m[3], file });
  }
  return entries;
}

/** Every migration in `dir`, in version order, with the variant each server should run. */
export function loadMigrations(options: MigrationOptions): Migration[] {
  const byVersion = new Map<number, FileEntry[]>();
  for (const e of listFiles(options.dir)) byVersion.set(e.version, [...(byVersion.get(e.version) ?? []), e]);
  const migrations: Migration[] = [];
  for (const version of [...byVersion.keys()].sort((a, b) => a - b)) {
    const files = byVersion.get(version) ?? [];
    const base = files.find((f) => f.feature === undefined);
    if (!base)
      throw migrationError(
        `migration ${version} has variants but no default file ${String(version).padStart(4, '0')}_<name>.sql`,
      );
    if (files.some((f) => f.name !== base.name)) {
      throw migrationError(
        `migration ${version} has files with different names (${files.map((f) => f.file).join(', ')}); one version, one name`,
      );
    }
    const variant =
      files.find((f) => f.feature !== undefined && options.lacks.has(f.feature as ServerFeature)) ?? base;
    const sql = readFileSync(join(options.dir, variant.file), 'utf8');
    migrations.push({
      version,
      name: base.name,
      variant: variant.feature === undefined ? 'default' : `no-${variant.feature}`,
      file: variant.file,
      checksum: checksumOf(sql),
      statements: splitStatements(sql),
    });
  }
  return migrations;
}

interface AppliedRow {
  version: number | string;
  name: string;
  variant: string;
  checksum: string;
}

/**
 * Apply pending migrations in order, recording each in `schema_migrations` after its last
 * statement succeeds; return the ones applied (empty when up to date).
 *
 * Fails, applying nothing further, when an applied migration's file changed (checksum differs)
 * or the database has a version this build does not ship. ClickHouse DDL is not transactional: if
 * a statement fails half-way, the migration is not recorded and runs again next time, so every
 * statement must be idempotent (`IF NOT EXISTS`). Two processes migrating at once are safe for the
 * same reason, and the table's ReplacingMergeTree folds their duplicate records.
 */
export async function applyMigrations(store: Store, options: MigrationOptions): Promise<Migration[]> {
  let migrations: Migration[];
  try {
    migrations = loadMigrations(options);
  } catch (err) {
    throw err instanceof StoreError ? migrationError(err.message, store.driver) : err;
  }
  const fail = (message: string): StoreError => migrationError(message, store.driver);
  // applied_at is DateTime, not DateTime64, so this table is the same on every server.
  await store.exec(
    `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (version UInt32, name String, variant String, checksum String, applied_at DateTime('UTC')) ENGINE = ReplacingMergeTree ORDER BY version`,
  );
  const rows = await store.query<AppliedRow>(
    `SELECT version, name, variant, checksum FROM ${MIGRATIONS_TABLE} ORDER BY version`,
  );
  const applied = new Map<number, AppliedRow>();
  for (const r of rows) if (!applied.has(Number(r.version))) applied.set(Number(r.version), r);

  const known = new Set(migrations.map((m) => m.version));
  for (const v of applied.keys()) {
    if (!known.has(v)) {
      throw fail(
        `database has migration ${v} (${applied.get(v)?.name ?? '?'}) that is not in ${options.dir}; a newer gapstream applied it. Run that version, or restore the file`,
      );
    }
  }

  const done: Migration[] = [];
  for (const m of migrations) {
    const prior = applied.get(m.version);
    if (prior) {
      // Compare against the variant that was applied: a server upgrade that changes the chosen
      // variant is not an edit of history.
      const file = prior.variant === m.variant ? m : loadVariant(options, m, prior.variant, store.driver);
      if (file.checksum !== prior.checksum) {
        throw fail(
          `migration ${m.version} ${m.name} (${file.file}) was changed after it was applied: checksum in ${MIGRATIONS_TABLE} is ${prior.checksum}, file is ${file.checksum}. Never edit an applied migration; revert the file and add a new NNNN_*.sql`,
        );
      }
      continue;
    }
    for (const stmt of m.statements) await store.exec(stmt);
    await store.insert(MIGRATIONS_TABLE, [
      {
        version: m.version,
        name: m.name,
        variant: m.variant,
        checksum: m.checksum,
        applied_at: formatDateTimeUtc(new Date()).slice(0, 19),
      },
    ]);
    done.push(m);
  }
  return done;
}

function loadVariant(
  options: MigrationOptions,
  m: Migration,
  variant: string,
  driver: StoreDriverName,
): { file: string; checksum: string } {
  const base = `${String(m.version).padStart(4, '0')}_${m.name}`;
  const file = variant === 'default' ? `${base}.sql` : `${base}.${variant}.sql`;
  try {
    return { file, checksum: checksumOf(readFileSync(join(options.dir, file), 'utf8')) };
  } catch {
    throw migrationError(
      `migration ${m.version} was applied as variant ${variant} but ${join(options.dir, file)} is missing`,
      driver,
    );
  }
}
