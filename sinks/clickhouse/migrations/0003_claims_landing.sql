-- Claims and rosters as delivered (issue 4), written by the sinks in sinks/claims/. One column per
-- Avro field in snake_case (column lists: sinks/claims/tables.ts). Every claim version is kept;
-- final action is computed from these tables (processors/claims/final-action-job.ts).
--
-- Types work the same on chDB (26.x) and ClickHouse 18.16, so this migration has no variants:
-- * dates are Nullable(String) 'YYYY-MM-DD' (Date starts in 1970, Date32 needs 21.9+);
-- * amounts are Nullable(Decimal(18, 2));
-- * source_file_sha256 is String with '' for "none": 18.16 refuses Nullable sorting-key columns;
-- * times are DateTime('UTC') at second precision, plus exact epoch milliseconds where order matters.
--
-- Idempotency: ReplacingMergeTree keyed by the row's place in its delivered file (one record per
-- line or X12 SV segment), so a batch re-delivered after a crash replaces rather than duplicates.
-- Read with FINAL. source_partition/source_offset/published_at say where the row was read from.

CREATE TABLE IF NOT EXISTS claim_lines
(
    source_file String,
    source_file_sha256 String,
    line_number UInt64,
    source_format String,
    claim_id String,
    claim_line_number Nullable(Int32),
    claim_control_number Nullable(String),
    claim_type_code Nullable(String),
    adjustment_type_code Nullable(String),
    claim_effective_date Nullable(String),
    frequency_code Nullable(String),
    member_id String,
    member_id_type String,
    from_date Nullable(String),
    thru_date Nullable(String),
    service_from_date Nullable(String),
    service_thru_date Nullable(String),
    place_of_service Nullable(String),
    procedure_code Nullable(String),
    procedure_modifiers Array(String),
    diagnosis_codes Array(String),
    icd_procedure_codes Array(String),
    revenue_code Nullable(String),
    ndc_code Nullable(String),
    rendering_npi Nullable(String),
    billing_npi Nullable(String),
    billing_tin Nullable(String),
    billing_ccn Nullable(String),
    provider_specialty_code Nullable(String),
    non_payment_reason_code Nullable(String),
    allowed_amount Nullable(Decimal(18, 2)),
    paid_amount Nullable(Decimal(18, 2)),
    -- Final-action group before MBI roll-forward (processors/claims/final-action-chunks.ts):
    -- 'M:<member id>' or, for X12 and payer claims, 'R:<claim reference>'.
    final_action_group String,
    source_partition UInt32,
    source_offset UInt64,
    published_at DateTime('UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (source_file_sha256, source_file, line_number);

CREATE TABLE IF NOT EXISTS roster_members
(
    source_file String,
    source_file_sha256 String,
    line_number UInt64,
    source_format String,
    contract_id Nullable(String),
    member_id String,
    member_id_type String,
    family_name Nullable(String),
    given_name Nullable(String),
    middle_name Nullable(String),
    birth_date Nullable(String),
    sex String,
    death_date Nullable(String),
    postal_code Nullable(String),
    phone Nullable(String),
    pcp_npi Nullable(String),
    pcp_tin Nullable(String),
    effective_date Nullable(String),
    term_date Nullable(String),
    product Nullable(String),
    line_of_business Nullable(String),
    source_partition UInt32,
    source_offset UInt64,
    published_at DateTime('UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (source_file_sha256, source_file, line_number);

-- CCLF9 crosswalk rows: previous_id → current_id (MBI roll-forward).
CREATE TABLE IF NOT EXISTS member_xref
(
    source_file String,
    source_file_sha256 String,
    line_number UInt64,
    source_format String,
    crosswalk_indicator String,
    current_id String,
    previous_id String,
    id_type String,
    previous_id_effective_date Nullable(String),
    previous_id_obsolete_date Nullable(String),
    source_partition UInt32,
    source_offset UInt64,
    published_at DateTime('UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (source_file_sha256, source_file, line_number);

-- Every file.manifest.v1 event (the topic is compacted; this table keeps the history: who dropped
-- what, progress, duplicates). at_ms is the event time in exact milliseconds, at the same at second
-- precision; event_rank orders events of one millisecond (STARTED 0, PROGRESS 1, COMPLETED and
-- QUARANTINED 2, DUPLICATE 3).
CREATE TABLE IF NOT EXISTS file_manifest
(
    sha256 String,
    file_name String,
    size_bytes UInt64,
    format String,
    event String,
    status String,
    lines_committed UInt64,
    lines_total UInt64,
    records_published UInt64,
    bad_lines UInt64,
    problem_codes Array(String),
    watcher_id String,
    at_ms UInt64,
    at DateTime('UTC'),
    event_rank UInt8,
    source_partition UInt32,
    source_offset UInt64,
    published_at DateTime('UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (sha256, at_ms, event_rank, lines_committed, file_name, watcher_id);

-- The latest state per file content: the last event by (at_ms, event_rank, lines_committed).
-- The inner query picks one tuple per content; the outer one names its parts. One level would need
-- aliases that reuse column names, and ClickHouse substitutes an alias wherever its name appears:
-- `argMax(f, t) AS f, max(t) AS t` fails with code 184 on both servers.
CREATE VIEW IF NOT EXISTS file_manifest_latest AS
SELECT
    sha256,
    tupleElement(latest, 1) AS file_name,
    tupleElement(latest, 2) AS size_bytes,
    tupleElement(latest, 3) AS format,
    tupleElement(latest, 4) AS event,
    tupleElement(latest, 5) AS status,
    tupleElement(latest, 6) AS lines_committed,
    tupleElement(latest, 7) AS lines_total,
    tupleElement(latest, 8) AS records_published,
    tupleElement(latest, 9) AS bad_lines,
    tupleElement(latest, 10) AS problem_codes,
    tupleElement(latest, 11) AS watcher_id,
    tupleElement(latest, 12) AS at_ms,
    first_at_ms,
    events
FROM
(
    SELECT
        sha256,
        argMax(
            tuple(file_name, size_bytes, format, event, status, lines_committed, lines_total,
                  records_published, bad_lines, problem_codes, watcher_id, at_ms),
            tuple(at_ms, event_rank, lines_committed)
        ) AS latest,
        min(at_ms) AS first_at_ms,
        count() AS events
    FROM file_manifest FINAL
    GROUP BY sha256
);
