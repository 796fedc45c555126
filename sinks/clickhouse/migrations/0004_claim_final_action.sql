-- Final-action claims materialized from claim_lines and member_xref by
-- processors/claims/final-action-job.ts (docs/claims-final-action.md, "Where it runs").
--
-- Each materialization is a run with a new, increasing run_id. Its rows go into partitions of that
-- run_id, and the run becomes visible only when its row is written to claim_final_action_runs,
-- after everything else: readers take max(run_id) of that table (the *_current views), so they
-- never see a half-written run. Old runs are removed with ALTER TABLE ... DROP PARTITION, which
-- both servers have (18.16 lacks EXCHANGE TABLES). ReplacingMergeTree makes a retried insert of
-- one chunk harmless; read with FINAL.
-- Same types on chDB (26.x) and 18.16, as in 0003_claims_landing.sql; no variants.

-- One row per completed run: the commit point, plus counts (no patient data).
CREATE TABLE IF NOT EXISTS claim_final_action_runs
(
    run_id UInt64,
    started_at DateTime('UTC'),
    completed_at DateTime('UTC'),
    buckets UInt32,
    input_rows UInt64,
    crosswalk_entries UInt64,
    natural_keys UInt64,
    final_lines UInt64,
    removed_versions UInt64,
    problems UInt64,
    problem_refs UInt64
)
ENGINE = ReplacingMergeTree
ORDER BY run_id;

-- The crosswalk as settled for a run (chains followed, conflicts and cycles resolved): every id
-- that rolls forward, and where to. The job joins claim rows to it to group them by current MBI.
CREATE TABLE IF NOT EXISTS claim_final_action_xref
(
    run_id UInt64,
    previous_id String,
    current_id String
)
ENGINE = ReplacingMergeTree
PARTITION BY run_id
ORDER BY (run_id, previous_id);

-- The final-action set: claim rows that still stand, each with its natural key, rule family
-- (PART_A, PART_B, X12, PAYER) and member id after roll-forward. Claim columns as in claim_lines.
CREATE TABLE IF NOT EXISTS claim_final_action
(
    run_id UInt64,
    natural_key String,
    family String,
    current_member_id String,
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
    paid_amount Nullable(Decimal(18, 2))
)
ENGINE = ReplacingMergeTree
PARTITION BY run_id
ORDER BY (run_id, current_member_id, natural_key, source_file_sha256, source_file, line_number);

-- Claim versions that are not final, with the reason (SUPERSEDED, CANCELLED, CANCELLATION,
-- UNMATCHED_CANCELLATION, VOIDED, VOID, UNPAID); source_file/line_number name the version's
-- claim-level row (the latest delivery's copy).
CREATE TABLE IF NOT EXISTS claim_removed_versions
(
    run_id UInt64,
    natural_key String,
    family String,
    claim_id String,
    adjustment_type_code Nullable(String),
    frequency_code Nullable(String),
    claim_effective_date Nullable(String),
    source_file String,
    line_number UInt64,
    reason String
)
ENGINE = ReplacingMergeTree
PARTITION BY run_id
ORDER BY (run_id, natural_key, source_file, line_number);

-- Problems of a run (codes in processors/claims/final-action-problems.ts). PHI-free: refs_json is
-- a JSON array of {sourceFile, lineNumber}.
CREATE TABLE IF NOT EXISTS claim_final_action_problems
(
    run_id UInt64,
    code String,
    message String,
    ref_count UInt64,
    refs_json String
)
ENGINE = ReplacingMergeTree
PARTITION BY run_id
ORDER BY (run_id, code, message);

-- What readers use: the rows of the latest completed run.
CREATE VIEW IF NOT EXISTS claim_final_action_current AS
SELECT *
FROM claim_final_action FINAL
WHERE run_id = (SELECT max(run_id) FROM claim_final_action_runs);

CREATE VIEW IF NOT EXISTS claim_removed_versions_current AS
SELECT *
FROM claim_removed_versions FINAL
WHERE run_id = (SELECT max(run_id) FROM claim_final_action_runs);
