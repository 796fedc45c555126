-- Results of the thin vertical slice: one row per processed event.
-- ReplacingMergeTree keyed by event_id makes replays idempotent: a replayed batch inserts the
-- same event_id again, merges keep one row, and queries read with FINAL (or uniqExact(event_id))
-- see the same result before the merge happens.
-- Times carry an explicit 'UTC' zone so the server's timezone never shifts them.
CREATE TABLE IF NOT EXISTS slice_results
(
    event_id String,
    source_topic String,
    source_partition UInt32,
    source_offset UInt64,
    key String,
    payload String,
    count_for_key UInt64,
    processed_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY event_id;
