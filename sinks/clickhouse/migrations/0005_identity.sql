-- The master patient index in ClickHouse (docs/identity.md), written by the identity sinks in
-- sinks/identity/ from identity.link.v1 (column lists: sinks/identity/tables.ts).
--
-- Types work the same on chDB (26.x) and ClickHouse 18.16, so this migration has no variants:
-- * times are DateTime('UTC') at second precision plus exact epoch milliseconds (at_ms), no DateTime64;
-- * enums (kind, method, status) are plain String (no LowCardinality before 19.x);
-- * contributions are a String of JSON, [{"field","level","weight"}] (levels only, never values);
-- * no Nullable column is in a sorting key.

-- Every identity.link.v1 event: the audit trail of every link, merge, split and review decision.
-- event_id is unique and stable under replay, person_id is part of the event, so a replayed topic
-- (or a re-delivered batch) replaces rather than duplicates. Read with FINAL.
CREATE TABLE IF NOT EXISTS identity_links
(
    event_id String,
    request_id String,
    at_ms UInt64,
    at DateTime('UTC'),
    kind String,
    method String,
    record_id String,
    person_id String,
    other_person_id Nullable(String),
    other_record_id Nullable(String),
    score Nullable(Float64),
    contributions_json String,
    moved_record_ids Array(String),
    reason Nullable(String),
    decided_by Nullable(String),
    source_partition UInt32,
    source_offset UInt64,
    published_at DateTime('UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (person_id, event_id);

-- The review queue: one row per pair and version, from REVIEW_OPENED / REVIEW_CLOSED events.
-- review_key is the two record ids sorted and joined by '~' (reviewKey in
-- processors/identity/index-state.ts). version = at_ms * 1024 + 512 * (status = 'CLOSED') + the
-- event's position in its request (capped at 511): a later event wins, and of two events in the
-- same millisecond a CLOSE wins over an OPEN. The latest version is the state; read it with
-- argMax (identity_reviews_latest) or FINAL, both right before merges.
CREATE TABLE IF NOT EXISTS identity_reviews
(
    review_key String,
    version UInt64,
    status String,
    record_id String,
    candidate_record_id String,
    person_id String,
    candidate_person_id Nullable(String),
    score Nullable(Float64),
    reason Nullable(String),
    contributions_json String,
    opened_at Nullable(DateTime('UTC')),
    closed_at Nullable(DateTime('UTC')),
    decided_by Nullable(String),
    at_ms UInt64,
    event_id String
)
ENGINE = ReplacingMergeTree(version)
ORDER BY review_key;

-- The state of every pair: its latest version. Inner query: one tuple per pair; outer: its parts
-- (aliases never reuse a column name in the same query level, see 0003's file_manifest_latest).
CREATE VIEW IF NOT EXISTS identity_reviews_latest AS
SELECT
    review_key,
    tupleElement(latest, 1) AS status,
    tupleElement(latest, 2) AS record_id,
    tupleElement(latest, 3) AS candidate_record_id,
    tupleElement(latest, 4) AS person_id,
    tupleElement(latest, 5) AS candidate_person_id,
    tupleElement(latest, 6) AS score,
    tupleElement(latest, 7) AS reason,
    tupleElement(latest, 8) AS contributions_json,
    tupleElement(latest, 9) AS opened_at,
    tupleElement(latest, 10) AS closed_at,
    tupleElement(latest, 11) AS decided_by,
    tupleElement(latest, 12) AS at_ms,
    tupleElement(latest, 13) AS event_id,
    latest_version AS version
FROM
(
    SELECT
        review_key,
        argMax(
            tuple(status, record_id, candidate_record_id, person_id, candidate_person_id, score, reason,
                  contributions_json, opened_at, closed_at, decided_by, at_ms, event_id),
            version
        ) AS latest,
        max(version) AS latest_version
    FROM identity_reviews
    GROUP BY review_key
);

-- Lookup values for servers without query parameters (18.16): a reader inserts the id it looks
-- for under a fresh lookup_id it generated, selects with `IN (SELECT value FROM identity_lookups
-- WHERE lookup_id = '<its id>')`, then deletes its rows, so ids never enter SQL text
-- (docs/clickhouse-store.md, "Values never enter SQL text"). Servers with parameters bind instead.
CREATE TABLE IF NOT EXISTS identity_lookups
(
    lookup_id String,
    value String,
    at DateTime('UTC')
)
ENGINE = MergeTree
ORDER BY lookup_id;

-- roster.member.v1 gained mrn / mrnAssigningAuthority (a roster line that carries the practice's
-- MRN links member id and MRN in the patient index); every roster field lands.
ALTER TABLE roster_members ADD COLUMN mrn Nullable(String) AFTER phone;
ALTER TABLE roster_members ADD COLUMN mrn_assigning_authority Nullable(String) AFTER mrn;
