-- Business automation: sale triggers, rules on custom tables, reminders,
-- fallback routing, quiet hours.
\set VERBOSITY terse
\i fixtures/flowpos.sql
\i fixtures/flowpos_rules.sql
INSERT INTO flowpos.business VALUES ('b0000000-0000-0000-0000-0000000000e1', 'Ferretería Sol', 'America/Mexico_City', 'es', 'MXN', 'sol@example.com', '+525500000001');
INSERT INTO flowpos.customer VALUES
	('b0000000-0000-0000-0000-0000000000e1', 'c0000000-0000-0000-0000-0000000000e1', 'Lupe', NULL, 'lupe@example.com', '+525511110001', NULL, 'es'),
	('b0000000-0000-0000-0000-0000000000e1', 'c0000000-0000-0000-0000-0000000000e2', 'Tom', NULL, NULL, '+14155550177', NULL, 'en');
INSERT INTO flowpos.location VALUES ('b0000000-0000-0000-0000-0000000000e1', 'ee000000-0000-0000-0000-0000000000e1', 'Bodega');
INSERT INTO flowpos.business_user VALUES
	('b0000000-0000-0000-0000-0000000000e1', 'a0000000-0000-0000-0000-0000000000e1', 'Inés', 'ines@example.com', '+525511110009', 'inventory_manager', 'es'),
	('b0000000-0000-0000-0000-0000000000e1', 'a0000000-0000-0000-0000-0000000000e2', 'Raúl', 'raul@example.com', '+525511110008', 'inventory_manager', 'es'),
	('b0000000-0000-0000-0000-0000000000e1', 'a0000000-0000-0000-0000-0000000000e3', 'Caja', 'caja@example.com', NULL, 'cashier', 'es');
SET flowcomm.business_id = 'b0000000-0000-0000-0000-0000000000e1';

-- A committed sale sends its invoice (with its items, rendered at commit) …
BEGIN;
INSERT INTO flowpos.sale VALUES ('b0000000-0000-0000-0000-0000000000e1', '5a000000-0000-0000-0000-0000000000e1',
	'c0000000-0000-0000-0000-0000000000e1', 'V-1', 120.50, 'MXN', NULL);
INSERT INTO flowpos.sale_item VALUES ('b0000000-0000-0000-0000-0000000000e1', '5a000000-0000-0000-0000-0000000000e1', 1, 'Martillo', 1, 120.50);
COMMIT;
SELECT channel, type, recipient_contact, created_by, entity_type, status, content LIKE '%Martillo%' AS has_items, subject
  FROM flowcomm.communication WHERE entity_id = '5a000000-0000-0000-0000-0000000000e1';
-- … with the PDF attached by email when the host stored one …
INSERT INTO flowpos.sale VALUES ('b0000000-0000-0000-0000-0000000000e1', '5a000000-0000-0000-0000-0000000000e2',
	'c0000000-0000-0000-0000-0000000000e1', 'V-2', 10, 'MXN', '\x255044462d312e340a');
SELECT c.channel, a.filename, a.mime_type, length(a.content) AS bytes
  FROM flowcomm.communication c JOIN flowcomm.communication_attachment a ON a.business_id = c.business_id AND a.communication_id = c.id
 WHERE c.entity_id = '5a000000-0000-0000-0000-0000000000e2';
-- … and a rolled-back sale sends nothing.
BEGIN;
INSERT INTO flowpos.sale VALUES ('b0000000-0000-0000-0000-0000000000e1', '5a000000-0000-0000-0000-0000000000e3',
	'c0000000-0000-0000-0000-0000000000e1', 'V-3', 99, 'MXN', NULL);
ROLLBACK;
SELECT count(*) AS after_rollback FROM flowcomm.communication WHERE entity_id = '5a000000-0000-0000-0000-0000000000e3';

-- Preferences steer the channel: Tom prefers WhatsApp for invoices.
SELECT flowcomm.preferences_update('customer', 'c0000000-0000-0000-0000-0000000000e2', '{"preferences": {"invoice": ["whatsapp", "sms"]}}') ->> 'preferences';
INSERT INTO flowpos.sale VALUES ('b0000000-0000-0000-0000-0000000000e1', '5a000000-0000-0000-0000-0000000000e4',
	'c0000000-0000-0000-0000-0000000000e2', 'V-4', 5, 'USD', NULL);
SELECT channel, recipient_contact, locale FROM flowcomm.communication WHERE entity_id = '5a000000-0000-0000-0000-0000000000e4';
-- An opted-out customer gets nothing, and the sale still commits.
SELECT flowcomm.preferences_update('customer', 'c0000000-0000-0000-0000-0000000000e2', '{"optedOut": true}') ->> 'optedOut';
INSERT INTO flowpos.sale VALUES ('b0000000-0000-0000-0000-0000000000e1', '5a000000-0000-0000-0000-0000000000e5',
	'c0000000-0000-0000-0000-0000000000e2', 'V-5', 5, 'USD', NULL);
SELECT count(*) AS sent_to_opted_out FROM flowcomm.communication WHERE entity_id = '5a000000-0000-0000-0000-0000000000e5';
SELECT count(*) AS sale_kept FROM flowpos.sale WHERE id = '5a000000-0000-0000-0000-0000000000e5';
SELECT flowcomm.preferences_update('customer', 'c0000000-0000-0000-0000-0000000000e2', '{"optedOut": false}') ->> 'optedOut';

-- Low stock fans out to every inventory manager on each preferred channel.
SELECT flowcomm.preferences_update('user', 'a0000000-0000-0000-0000-0000000000e1', '{"preferences": {"low_stock_alert": ["email", "sms"]}}') IS NOT NULL;
INSERT INTO flowpos.low_stock_alert VALUES ('b0000000-0000-0000-0000-0000000000e1', '10000000-0000-0000-0000-0000000000e1',
	'ee000000-0000-0000-0000-0000000000e1', '{"items": [{"name": "Clavos", "sku": "CL-1", "onHand": 3, "reorderPoint": 50}]}');
SELECT recipient_name, channel, recipient_contact FROM flowcomm.communication
 WHERE entity_type = 'lowStockAlert' ORDER BY recipient_name, channel;

-- A rule on a custom table: a loyalty table, on UPDATE when a condition holds.
CREATE TABLE public.loyalty (business_id uuid, id uuid, customer_id uuid, points int);
INSERT INTO public.loyalty VALUES ('b0000000-0000-0000-0000-0000000000e1', '70000000-0000-0000-0000-0000000000e1', 'c0000000-0000-0000-0000-0000000000e1', 90);
INSERT INTO flowcomm.communication_template (business_id, name, code, channel, type, locale, body_template, available_variables, created_by)
VALUES ('b0000000-0000-0000-0000-0000000000e1', 'Reward', 'reward', 'sms', 'general_notification', 'es', '¡{{name}}, ya tiene {{points}} puntos!', '{name,points}', 'test');
SELECT flowcomm.rule_register(name => 'loyalty_reward', table_name => 'public.loyalty', on_event => 'update',
	message_type => 'general_notification', template_code => 'reward', channel_mode => 'sms',
	condition_sql => '($1).points >= 100 AND ($2).points < 100',
	recipients_sql => $q$SELECT 'customer' AS recipient_type, c.id AS recipient_id, c.name, c.email, c.phone, NULL AS whatsapp, NULL AS messenger_id, c.locale
		FROM flowpos.customer c WHERE c.business_id = ($1).business_id AND c.id = ($1).customer_id$q$,
	variables_sql => $q$SELECT jsonb_build_object('name', c.name, 'points', ($1).points) FROM flowpos.customer c
		WHERE c.business_id = ($1).business_id AND c.id = ($1).customer_id$q$);
UPDATE public.loyalty SET points = 95;
UPDATE public.loyalty SET points = 120;
UPDATE public.loyalty SET points = 130;
SELECT channel, content FROM flowcomm.communication WHERE created_by = 'SYSTEM_loyalty_reward';
SELECT flowcomm.rule_register(name => 'Bad Name', table_name => 'public.loyalty', on_event => 'insert',
	message_type => 'general_notification', template_code => 'reward', recipients_sql => 'SELECT 1', variables_sql => 'SELECT 1');
SELECT flowcomm.rule_register(name => 'x', table_name => 'public.loyalty', on_event => 'update',
	message_type => 'general_notification', template_code => 'reward', recipients_sql => 'SELECT 1', variables_sql => 'SELECT 1');
SELECT flowcomm.rule_drop('loyalty_reward');
SELECT count(*) FROM pg_trigger WHERE tgname = 'flowcomm_rule_loyalty_reward';

-- Collection reminders across simulated days: cadence 1, 7, 14, 30; no duplicates; stop on payment.
SET flowcomm.overdue_source = 'flowpos.overdue_invoice';
INSERT INTO flowcomm.collection_policy (business_id, channels, quiet_start, quiet_end)
VALUES ('b0000000-0000-0000-0000-0000000000e1', '{whatsapp,email}', '21:00', '08:00');
INSERT INTO flowpos.ar_invoice VALUES ('b0000000-0000-0000-0000-0000000000e1', '1a000000-0000-0000-0000-0000000000e1',
	'c0000000-0000-0000-0000-0000000000e1', '5a000000-0000-0000-0000-0000000000e1', 'F-77', '2030-01-10', 500, 500, 'MXN');
SELECT d AS day, a ->> 'step' AS step, a ->> 'channel' AS channel, a ->> 'template' AS template, a ->> 'action' AS action
  FROM unnest(ARRAY['2030-01-10', '2030-01-11', '2030-01-11', '2030-01-12', '2030-01-17', '2030-01-24', '2030-01-25']) d,
	   LATERAL jsonb_array_elements(flowcomm.run_reminders('b0000000-0000-0000-0000-0000000000e1', false,
										(d || ' 12:00 America/Mexico_City')::timestamptz) -> 'actions') a;
-- Quiet hours (business timezone): held at 23:00, dry run shows what would go at noon.
SELECT a ->> 'action' FROM jsonb_array_elements(flowcomm.run_reminders('b0000000-0000-0000-0000-0000000000e1', false,
	'2030-02-09 23:00 America/Mexico_City') -> 'actions') a;
SELECT a ->> 'action', a ->> 'template' FROM jsonb_array_elements(flowcomm.run_reminders('b0000000-0000-0000-0000-0000000000e1', true,
	'2030-02-09 12:00 America/Mexico_City') -> 'actions') a;
SELECT step, channel, days_overdue, outcome, detail FROM flowcomm.reminder_log ORDER BY step;
-- The on-demand entry point for admins: a dry run for the current business, now.
SELECT r ->> 'dryRun' AS dry_run, jsonb_typeof(r -> 'actions') AS actions FROM flowcomm.reminders_run() r;
-- Paying the invoice stops the rest.
INSERT INTO flowpos.payment VALUES ('b0000000-0000-0000-0000-0000000000e1', '9a000000-0000-0000-0000-0000000000e1',
	'1a000000-0000-0000-0000-0000000000e1', 500);
SELECT jsonb_array_length(flowcomm.run_reminders('b0000000-0000-0000-0000-0000000000e1', false, '2030-02-09 12:00 America/Mexico_City') -> 'actions') AS after_payment;
SELECT channel, type FROM flowcomm.communication WHERE entity_type = 'payment';

-- Fallback: a WhatsApp message that fails permanently goes out by SMS, linked to it.
SELECT flowcomm.preferences_update('customer', 'c0000000-0000-0000-0000-0000000000e2',
	'{"preferredWhatsapp": "+14155550177", "preferredPhone": "+14155550177", "preferences": {"payment_link": ["whatsapp", "sms"]}}') IS NOT NULL;
SELECT (flowcomm.send('{"channel": "whatsapp", "type": "payment_link", "recipientId": "c0000000-0000-0000-0000-0000000000e2", "content": "Pay: https://pay.example/x"}') ->> 'id') AS wa_id \gset
UPDATE flowcomm.communication SET status = 'failed', error_code = '63016' WHERE id = :'wa_id';
SELECT f.channel, f.recipient_contact, f.fallback_of_id = :'wa_id' AS linked, f.content
  FROM flowcomm.communication f WHERE f.fallback_of_id = :'wa_id';
-- The SMS fails too: nothing left to try, no loop.
UPDATE flowcomm.communication SET status = 'failed' WHERE fallback_of_id = :'wa_id';
SELECT count(*) AS chain FROM flowcomm.communication WHERE id = :'wa_id' OR fallback_of_id = :'wa_id';

-- Quiet hours hold a non-urgent message until the window opens; urgent ones leave.
UPDATE flowcomm.business_setting SET quiet_hours_start = '00:00', quiet_hours_end = '23:59:59', timezone = 'UTC'
 WHERE business_id = 'b0000000-0000-0000-0000-0000000000e1';
INSERT INTO flowcomm.business_setting (business_id, quiet_hours_start, quiet_hours_end)
SELECT 'b0000000-0000-0000-0000-0000000000e1', '00:00', '23:59:59'
 WHERE NOT EXISTS (SELECT 1 FROM flowcomm.business_setting WHERE business_id = 'b0000000-0000-0000-0000-0000000000e1');
SELECT (r ->> 'estimatedSendTime')::timestamptz > now() AS held
  FROM flowcomm.send('{"channel": "sms", "type": "general", "recipientContact": "+14155550100", "content": "Promo"}') r;
SELECT q.scheduled_at > now() AS held_in_queue FROM flowcomm.communication c
  JOIN flowcomm.communication_queue q ON q.business_id = c.business_id AND q.communication_id = c.id
 WHERE c.content = 'Promo';
SELECT (r ->> 'estimatedSendTime')::timestamptz <= now() + interval '1 second' AS leaves_now
  FROM flowcomm.send('{"channel": "sms", "type": "general", "recipientContact": "+14155550100", "content": "Urgent", "priority": "urgent"}') r;
SELECT (r ->> 'estimatedSendTime')::timestamptz <= now() + interval '1 second' AS invoice_leaves_now
  FROM flowcomm.send('{"channel": "sms", "type": "invoice", "recipientContact": "+14155550100", "content": "Inv"}') r;
