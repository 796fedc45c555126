-- Variant of 0001_slice_results.sql for servers without DateTime64 (ClickHouse < 20.1, e.g. the
-- Debian 18.16 used for local integration tests). Same table, but processed_at has second
-- precision: such servers also reject fractional seconds in DateTime text input, so writers must
-- send 'YYYY-MM-DD hh:mm:ss'. See docs/clickhouse-store.md.
CREATE TABLE IF NOT EXISTS slice_results
(
    event_id String,
    source_topic String,
    source_partition UInt32,
    source_offset UInt64,
    key String,
    payload String,
    count_for_key UInt64,
    processed_at DateTime('UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY event_id;
