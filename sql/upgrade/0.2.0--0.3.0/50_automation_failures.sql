-- Automation never breaks the host's transaction: every automated send and
-- every rule runs in a subtransaction; errors become a WARNING and an
-- automation_failures row (sql/src/80_automation.sql).
CREATE TABLE flowcomm.automation_failures (
	business_id   uuid NOT NULL,
	id            uuid NOT NULL DEFAULT flowcomm.uuid_v7(),
	source        text NOT NULL CHECK (source IN ('rule', 'reminder')),
	rule_name     text,
	entity_type   text,
	entity_id     uuid,
	message_type  text,
	channel       text,
	sqlstate      text NOT NULL,
	error         text NOT NULL,
	detail        text,
	request       jsonb,
	created_at    timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (business_id, id)
);
COMMENT ON TABLE flowcomm.automation_failures IS 'Automated sends (rules, reminders) that failed: the error, caught so that the host transaction went on (WARNING), for the business admin to see and fix';
COMMENT ON COLUMN flowcomm.automation_failures.request IS 'The send request the automation built (template variables included), or NULL when the rule failed before building one';
-- Admins list a business's failures newest first: the primary key's
-- business_id prefix and the time-ordered UUIDv7 id serve that order.
ALTER TABLE flowcomm.automation_failures ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON flowcomm.automation_failures
	USING (business_id = (SELECT flowcomm.current_business_id())) WITH CHECK (business_id = (SELECT flowcomm.current_business_id()));
GRANT SELECT ON flowcomm.automation_failures TO flowcomm_admin;
SELECT pg_catalog.pg_extension_config_dump('flowcomm.automation_failures'::regclass, '');
--@function flowcomm.automation_failed
COMMENT ON FUNCTION flowcomm.automation_failed(uuid, text, text, jsonb, text, text, text) IS 'Internal: WARNING plus an automation_failures row for an automated send that failed';
REVOKE ALL ON FUNCTION flowcomm.automation_failed(uuid, text, text, jsonb, text, text, text) FROM PUBLIC;
--@function flowcomm.send_automated
--@function flowcomm.rule_trigger
