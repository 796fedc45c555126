-- Records that a stage could not process (CONVENTIONS.md §6), keyed by their source position and
-- the stage that gave up, so a replayed dead-letter write replaces rather than duplicates.
-- Columns follow slice_results' source_* naming (and avoid the keywords PARTITION and OFFSET).
-- original_base64 holds the record's original bytes, base64, because they may not be UTF-8.
CREATE TABLE IF NOT EXISTS deadletter
(
    stage String,
    reason String,
    code String,
    source_topic String,
    source_partition UInt32,
    source_offset UInt64,
    key String,
    original_base64 String,
    at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (source_topic, source_partition, source_offset, stage);
