// Renders docs/configuration.md from runtime/config/fields.ts, the single source of truth.
import { FIELDS, type FieldSpec } from '../runtime/config/fields.ts';

const HEADER = `# Configuration reference

Generated from \`runtime/config/fields.ts\` by \`npm run docs:config\`; do not edit by hand.

Settings come from environment variables, or from a YAML/JSON file named by \`GAPSTREAM_CONFIG\`
whose keys are the dotted paths below (\`kafka: { brokers: ... }\`). The environment wins over the
file. Everything is validated at start-up, before any connection is opened: every problem is
reported at once, one sentence each naming the variable, the bad value (secrets are never shown)
and what was expected, and the process exits with code 78.

**Mode** follows from \`KAFKA_BROKERS\`: unset means *embedded* (in-process durable bus, local schema
ids); set means *distributed* (Kafka + Schema Registry). The ClickHouse driver follows from
\`CLICKHOUSE_URL\`: unset means embedded chDB under the data directory, set means the HTTP driver.

| variable | file key | what it does | valid values | default | example |
|---|---|---|---|---|---|
`;

const FOOTER = `
Secrets (\`KAFKA_SASL_PASSWORD\`, \`SCHEMA_REGISTRY_PASSWORD\`, \`CLICKHOUSE_PASSWORD\`) belong in the
environment or a secret store, never in a committed file.
`;

function row(f: FieldSpec): string {
  const def = f.default === undefined ? '—' : f.default === '' ? '(empty)' : `\`${f.default}\``;
  return `| \`${f.env}\` | \`${f.path}\` | ${f.description.replace(/\|/g, '\\|')} | ${f.expected} | ${def} | \`${f.example}\` |`;
}

/** The Markdown of docs/configuration.md. */
export function renderConfigDocs(): string {
  return `${HEADER}${FIELDS.map(row).join('\n')}\n${FOOTER}`;
}
