-- 20_fairness.sql — issue 16 "noisy neighbours": the fair claim's index and
-- the platform-set per-business limits (sql/src/00_schema.sql, 22_quota.sql).

-- The fair claim: the loose scan of businesses with pending work, each one's due work in claim
-- order, and the queue quota's pending count per business.
CREATE INDEX communication_queue_business_claim_idx ON flowcomm.communication_queue
	(business_id, priority DESC, scheduled_at) WHERE status = 'pending';

ALTER TABLE flowcomm.business_setting
	ADD COLUMN queue_quota int CHECK (queue_quota >= 0),
	ADD COLUMN daily_send_limit int CHECK (daily_send_limit >= 0),
	ADD COLUMN urgent_daily_allowance int NOT NULL DEFAULT 1000 CHECK (urgent_daily_allowance >= 0);
COMMENT ON TABLE flowcomm.business_setting IS 'Per-business defaults: timezone, locale, channel order for channel=auto, quiet hours, fallback; platform-set limits';
COMMENT ON COLUMN flowcomm.business_setting.queue_quota IS 'Platform-set: most messages this business may have pending in the queue (NULL: no quota); a send beyond it fails with 54000';
COMMENT ON COLUMN flowcomm.business_setting.daily_send_limit IS 'Platform-set: most messages this business may queue per day in its timezone (NULL: no limit); beyond it 54000';
COMMENT ON COLUMN flowcomm.business_setting.urgent_daily_allowance IS 'Platform-set: most urgent messages per day in the business''s timezone (urgent skips quiet hours); beyond it 42501';

-- Tenant admins keep writing their own settings, but not the platform's limits.
REVOKE INSERT, UPDATE ON flowcomm.business_setting FROM flowcomm_admin;
GRANT INSERT (business_id, name, timezone, default_locale, channel_order, quiet_hours_start, quiet_hours_end,
			  fallback_enabled, created_at, updated_at),
	  UPDATE (business_id, name, timezone, default_locale, channel_order, quiet_hours_start, quiet_hours_end,
			  fallback_enabled, created_at, updated_at)
	ON flowcomm.business_setting TO flowcomm_admin;

--@function flowcomm.check_send_quota
COMMENT ON FUNCTION flowcomm.check_send_quota(uuid, int, int) IS 'Internal: raise 54000 (queue_quota, daily_send_limit) or 42501 (urgent_daily_allowance) before n more messages of a business are written';
REVOKE ALL ON FUNCTION flowcomm.check_send_quota(uuid, int, int) FROM PUBLIC;

--@function flowcomm.set_business_limits
COMMENT ON FUNCTION flowcomm.set_business_limits(uuid, int, int, int) IS 'Platform admin: set a business''s queue quota, daily send limit (NULL: none) and urgent messages per day';
REVOKE ALL ON FUNCTION flowcomm.set_business_limits(uuid, int, int, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION flowcomm.set_business_limits(uuid, int, int, int) TO flowcomm_platform_admin;

--@function flowcomm.enqueue
--@function flowcomm.send_bulk
