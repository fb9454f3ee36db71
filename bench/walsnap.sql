-- walsnap.sql — one snapshot of the write counters the benchmark reports per
-- message: the WAL position (bytes since 0/0; the difference of two
-- snapshots is pg_wal_lsn_diff of pg_current_wal_lsn() around a scenario)
-- and the index entries written so far, estimated from the table statistics
-- as (rows inserted + rows updated without HOT) × indexes of the table, for
-- every user and TOAST table (partial indexes are counted as if every row
-- matched them: an upper bound).  Statistics of a backend reach the shared
-- counters when it goes idle (≤ 1 s) or exits, so take the second snapshot
-- after the writers are idle or gone.
SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint AS wal,
       coalesce(sum((t.n_tup_ins + t.n_tup_upd - t.n_tup_hot_upd)
                    * (SELECT count(*) FROM pg_index i WHERE i.indrelid = t.relid)), 0)::bigint AS ix
  FROM pg_stat_all_tables t
 WHERE t.schemaname NOT IN ('pg_catalog', 'information_schema')
