-- History order (created_at DESC, id DESC) fully indexed: 0.1.0's
-- created_at-only indexes left ties (every message of one send_bulk shares
-- a created_at) to a sort of all of them.  communication_created_idx goes:
-- communication_stats_idx (30_history_stats.sql), whose key ends in id,
-- serves the unfiltered order.
DROP INDEX flowcomm.communication_created_idx;
DROP INDEX flowcomm.communication_contact_idx;
CREATE INDEX communication_contact_idx ON flowcomm.communication (business_id, recipient_contact, created_at DESC, id DESC);
DROP INDEX flowcomm.communication_status_idx;
CREATE INDEX communication_status_idx ON flowcomm.communication (business_id, status, created_at DESC, id DESC);
