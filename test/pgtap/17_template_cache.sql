-- The per-backend template cache of render_for_send (issue 18,
-- src/send_template.c): a send sees every committed change of the template
-- tables, its own uncommitted changes, and none that was rolled back; the
-- SQL path's errors are unchanged.
BEGIN;
SET LOCAL client_min_messages = warning;
SET LOCAL flowcomm.business_id = 'b0000000-0000-0000-0000-0000000017a1';
SELECT plan(12);
CREATE FUNCTION pg_temp.sent(code text, vars jsonb DEFAULT '{"x": "A"}') RETURNS text LANGUAGE sql AS $$
	SELECT flowcomm.send(jsonb_build_object('channel', 'sms', 'type', 'general', 'recipientContact', '+14155550171',
											'templateCode', code, 'templateVariables', vars)) #>> '{communication,content}'
$$;
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN EXECUTE q; RETURN 'no error'; EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE || ' ' || SQLERRM; END $$;

INSERT INTO flowcomm.communication_template (business_id, name, code, channel, type, body_template, created_by)
VALUES ('b0000000-0000-0000-0000-0000000017a1', 'Probe', 'cache_probe', 'sms', 'general_notification', 'v1 {{x}}', 'test');
SELECT is(pg_temp.sent('cache_probe'), 'v1 A', 'first send renders the template');
SELECT is(pg_temp.sent('cache_probe', '{"x": "B"}'), 'v1 B', 'a cached template renders each send''s variables');
UPDATE flowcomm.communication_template SET body_template = 'v2 {{x}}' WHERE code = 'cache_probe';
SELECT is(pg_temp.sent('cache_probe'), 'v2 A', 'the transaction''s own change is seen at once');
SAVEPOINT s;
UPDATE flowcomm.communication_template SET body_template = 'v3 {{x}}' WHERE code = 'cache_probe';
SELECT is(pg_temp.sent('cache_probe'), 'v3 A', 'a change inside a savepoint is seen');
ROLLBACK TO SAVEPOINT s;
SELECT is(pg_temp.sent('cache_probe'), 'v2 A', 'a rolled-back change is forgotten');
SELECT is(pg_temp.err($$SELECT pg_temp.sent('cache_probe', '{}')$$), '22023 missing template variable: x',
	'a missing variable: the same error through the cache');
UPDATE flowcomm.communication_template SET is_active = false WHERE code = 'cache_probe';
SELECT is(pg_temp.err($$SELECT pg_temp.sent('cache_probe')$$), 'P0002 no active template "cache_probe" for channel sms',
	'a deactivated template is not served from the cache');
UPDATE flowcomm.communication_template SET is_active = true, body_template = '{{> partial_probe}} {{x}}' WHERE code = 'cache_probe';
INSERT INTO flowcomm.communication_template (business_id, name, code, channel, type, body_template, created_by)
VALUES ('b0000000-0000-0000-0000-0000000017a1', 'Partial', 'partial_probe', 'sms', 'general_notification', 'P', 'test');
SELECT is(pg_temp.sent('cache_probe'), 'P A', 'a template with a partial renders through render_with');
-- the business default locale is part of the locale chain
INSERT INTO flowcomm.communication_template (business_id, name, code, channel, type, locale, body_template, created_by)
VALUES ('b0000000-0000-0000-0000-0000000017a1', 'Probe fr', 'cache_loc', 'sms', 'general_notification', 'fr', 'fr {{x}}', 'test'),
	   ('b0000000-0000-0000-0000-0000000017a1', 'Probe en', 'cache_loc', 'sms', 'general_notification', 'en', 'en {{x}}', 'test');
SELECT is(pg_temp.sent('cache_loc'), 'en A', 'no default locale: en');
INSERT INTO flowcomm.business_setting (business_id, name, default_locale) VALUES ('b0000000-0000-0000-0000-0000000017a1', 'Probe', 'fr')
ON CONFLICT (business_id) DO UPDATE SET default_locale = 'fr';
SELECT is(pg_temp.sent('cache_loc'), 'fr A', 'a new business default locale is followed');

-- Another backend's committed change (dblink: its own connection, autocommit).
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT dblink_connect('other', 'dbname=' || current_database() || ' port=' || current_setting('port')
					  || ' host=' || split_part(current_setting('unix_socket_directories'), ',', 1) || ' user=' || current_user);
SELECT dblink_exec('other', $$INSERT INTO flowcomm.communication_template (business_id, name, code, channel, type, body_template, created_by)
	VALUES ('b0000000-0000-0000-0000-0000000017a2', 'Other', 'cache_other', 'sms', 'general_notification', 'w1 {{x}}', 'test')$$);
SET LOCAL flowcomm.business_id = 'b0000000-0000-0000-0000-0000000017a2';
SELECT is(pg_temp.sent('cache_other'), 'w1 A', 'a template committed by another backend is found');
SELECT dblink_exec('other', $$UPDATE flowcomm.communication_template SET body_template = 'w2 {{x}}' WHERE code = 'cache_other'$$);
SELECT is(pg_temp.sent('cache_other'), 'w2 A', 'another backend''s committed change reaches this backend''s cache');
SELECT dblink_exec('other', $$DELETE FROM flowcomm.communication_template WHERE code = 'cache_other'$$);
SELECT dblink_disconnect('other');
SELECT * FROM finish();
ROLLBACK;
