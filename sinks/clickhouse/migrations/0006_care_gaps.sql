-- Care gaps and attribution in ClickHouse (docs/clickhouse-store.md, "Care-gap tables"), written by
-- the care-gap sinks in sinks/gaps/ from gap.change.v1 and attribution.change.v1 (column lists:
-- sinks/gaps/tables.ts), read by `gapstream report gaps`.
--
-- Types work the same on chDB (26.x) and ClickHouse 18.16, so this migration has no variants:
-- * times are DateTime('UTC') at second precision plus exact epoch milliseconds (at_ms), no DateTime64;
-- * dates ('YYYY-MM-DD': periods, as_of, due_by) are String: ISO text sorts like the date;
-- * enums (status, trigger) are plain String, booleans UInt8 (no LowCardinality, no Bool before 19.x/22.x);
-- * evidence is a String of JSON, the Avro array as is: [{"factId","recordId","system","code","date",
--   "value","source":{"topic","partition","offset","ref"}}] (ids, codes and source refs, no names);
-- * no Nullable column is in a sorting key.

-- History: every gap.change.v1 record. change_id is deterministic (contract|version|measure|person|
-- period|status|evidence hash), so a replayed topic or a re-delivered batch replaces. at_ms is part of
-- the key because a gap that returns to an earlier state (OPEN -> CLOSED -> OPEN, same evidence)
-- repeats its change_id: both occurrences stay in the history. contract_version says which version of
-- the contract produced each status. Read with FINAL.
CREATE TABLE IF NOT EXISTS gap_changes
(
    change_id String,
    contract_id String,
    contract_version String,
    measure_id String,
    measure_version String,
    person_id String,
    period_start String,
    period_end String,
    old_status Nullable(String),
    new_status String,
    numerator_met UInt8,
    exclusion Nullable(String),
    reason String,
    evidence_json String,
    due_by Nullable(String),
    attributed_npi Nullable(String),
    attributed_tin Nullable(String),
    trigger String,
    as_of String,
    at_ms UInt64,
    at DateTime('UTC'),
    source_partition UInt32,
    source_offset UInt64,
    published_at DateTime('UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (contract_id, person_id, change_id, at_ms);

-- Current status per (contract, measure, period, person): one row per change, the latest wins.
-- version = at_ms * 2^20 + (source offset mod 2^20): a later change wins; of two changes in the same
-- millisecond the later one on the topic (changes of a person share a partition: the key is the
-- person id). Exceeds 2^53, so it is written as a JSON string and read back as one. Read the current
-- state with gap_status_latest (argMax, right before merges) or FINAL with filters on key columns only.
CREATE TABLE IF NOT EXISTS gap_status
(
    contract_id String,
    measure_id String,
    period_start String,
    person_id String,
    version UInt64,
    period_end String,
    status String,
    old_status Nullable(String),
    numerator_met UInt8,
    exclusion Nullable(String),
    reason String,
    evidence_json String,
    due_by Nullable(String),
    attributed_npi Nullable(String),
    attributed_tin Nullable(String),
    contract_version String,
    measure_version String,
    trigger String,
    as_of String,
    at_ms UInt64,
    at DateTime('UTC'),
    change_id String
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (contract_id, measure_id, period_start, person_id);

-- The current status of every (contract, measure, period, person): its latest version. argMax in a
-- subquery, not FINAL: a filter on a non-key column (status, provider) can never be applied to the
-- older versions before the latest is chosen, whatever the server pushes down. Aliases never reuse
-- a column name in the same query level (see 0003's file_manifest_latest).
CREATE VIEW IF NOT EXISTS gap_status_latest AS
SELECT
    contract_id,
    measure_id,
    period_start,
    person_id,
    tupleElement(latest, 1) AS period_end,
    tupleElement(latest, 2) AS status,
    tupleElement(latest, 3) AS old_status,
    tupleElement(latest, 4) AS numerator_met,
    tupleElement(latest, 5) AS exclusion,
    tupleElement(latest, 6) AS reason,
    tupleElement(latest, 7) AS evidence_json,
    tupleElement(latest, 8) AS due_by,
    tupleElement(latest, 9) AS attributed_npi,
    tupleElement(latest, 10) AS attributed_tin,
    tupleElement(latest, 11) AS contract_version,
    tupleElement(latest, 12) AS measure_version,
    tupleElement(latest, 13) AS trigger,
    tupleElement(latest, 14) AS as_of,
    tupleElement(latest, 15) AS at_ms,
    tupleElement(latest, 16) AS at,
    tupleElement(latest, 17) AS change_id,
    latest_version AS version
FROM
(
    SELECT
        contract_id,
        measure_id,
        period_start,
        person_id,
        argMax(
            tuple(period_end, status, old_status, numerator_met, exclusion, reason, evidence_json, due_by,
                  attributed_npi, attributed_tin, contract_version, measure_version, trigger, as_of, at_ms,
                  at, change_id),
            version
        ) AS latest,
        max(version) AS latest_version
    FROM gap_status
    GROUP BY contract_id, measure_id, period_start, person_id
);

-- Measure rates per contract, measure, period and attributed provider, from the current statuses:
-- denominator: eligible and not excluded (OPEN or CLOSED); numerator: the numerator criteria hold
-- (for inverse measures, e.g. CMS122 poor control, the bad outcome) among those; exclusions: EXCLUDED;
-- open_gaps: OPEN. rate = numerator / denominator, NULL without a denominator. Provider columns are
-- NULL for statuses without an attributed provider.
CREATE VIEW IF NOT EXISTS gap_rates AS
SELECT
    contract_id,
    measure_id,
    period_start,
    period_end,
    attributed_tin,
    attributed_npi,
    countIf(status = 'OPEN' OR status = 'CLOSED') AS denominator,
    countIf(numerator_met = 1 AND status != 'EXCLUDED' AND status != 'NOT_IN_DENOMINATOR') AS numerator,
    countIf(status = 'EXCLUDED') AS exclusions,
    countIf(status = 'OPEN') AS open_gaps,
    countIf(status = 'CLOSED') AS closed_gaps,
    countIf(status = 'NOT_IN_DENOMINATOR') AS not_in_denominator,
    if(denominator = 0, NULL, numerator / denominator) AS rate
FROM gap_status_latest
GROUP BY contract_id, measure_id, period_start, period_end, attributed_tin, attributed_npi;

-- Open gaps per attributed provider: the worklist.
CREATE VIEW IF NOT EXISTS gap_worklist AS
SELECT
    contract_id,
    measure_id,
    period_start,
    period_end,
    attributed_tin,
    attributed_npi,
    person_id,
    reason,
    due_by,
    at,
    at_ms,
    contract_version,
    measure_version,
    change_id
FROM gap_status_latest
WHERE status = 'OPEN';

-- History: every attribution.change.v1 record, as gap_changes.
CREATE TABLE IF NOT EXISTS attribution_changes
(
    change_id String,
    contract_id String,
    contract_version String,
    person_id String,
    period_start String,
    period_end String,
    old_attributed Nullable(UInt8),
    attributed UInt8,
    old_npi Nullable(String),
    npi Nullable(String),
    tin Nullable(String),
    method String,
    reason String,
    evidence_json String,
    trigger String,
    as_of String,
    at_ms UInt64,
    at DateTime('UTC'),
    source_partition UInt32,
    source_offset UInt64,
    published_at DateTime('UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (contract_id, person_id, change_id, at_ms);

-- Current attribution per (contract, period, person), versioned as gap_status.
CREATE TABLE IF NOT EXISTS attribution_status
(
    contract_id String,
    period_start String,
    person_id String,
    version UInt64,
    period_end String,
    attributed UInt8,
    npi Nullable(String),
    tin Nullable(String),
    method String,
    reason String,
    evidence_json String,
    contract_version String,
    trigger String,
    as_of String,
    at_ms UInt64,
    at DateTime('UTC'),
    change_id String
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (contract_id, period_start, person_id);

-- The current attribution of every (contract, period, person), as gap_status_latest.
CREATE VIEW IF NOT EXISTS attribution_status_latest AS
SELECT
    contract_id,
    period_start,
    person_id,
    tupleElement(latest, 1) AS period_end,
    tupleElement(latest, 2) AS attributed,
    tupleElement(latest, 3) AS npi,
    tupleElement(latest, 4) AS tin,
    tupleElement(latest, 5) AS method,
    tupleElement(latest, 6) AS reason,
    tupleElement(latest, 7) AS evidence_json,
    tupleElement(latest, 8) AS contract_version,
    tupleElement(latest, 9) AS trigger,
    tupleElement(latest, 10) AS as_of,
    tupleElement(latest, 11) AS at_ms,
    tupleElement(latest, 12) AS at,
    tupleElement(latest, 13) AS change_id,
    latest_version AS version
FROM
(
    SELECT
        contract_id,
        period_start,
        person_id,
        argMax(
            tuple(period_end, attributed, npi, tin, method, reason, evidence_json, contract_version, trigger,
                  as_of, at_ms, at, change_id),
            version
        ) AS latest,
        max(version) AS latest_version
    FROM attribution_status
    GROUP BY contract_id, period_start, person_id
);

-- Lookup values for servers without query parameters (18.16), as identity_lookups: the report
-- readers insert the contract id / period they filter on under a fresh lookup_id, select with a
-- scalar subquery on it, then delete their rows, so values never enter SQL text.
CREATE TABLE IF NOT EXISTS gap_lookups
(
    lookup_id String,
    value String,
    at DateTime('UTC')
)
ENGINE = MergeTree
ORDER BY lookup_id;
