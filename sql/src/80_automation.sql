-- 80_automation.sql — business automation (seed 6): declarative send rules on
-- host tables, collection reminders, fallback routing, quiet hours.
--
-- Everything here ends in build_message() + enqueue(), like flowcomm.send,
-- so validation, templates, preferences and suppressions apply the same way.
-- Automation never makes the host's transaction fail: a recipient that may
-- not be messaged is skipped with a WARNING (and counted), not an error.

-- ------------------------------------------------------------------ rules

CREATE TABLE flowcomm.automation_rule (
	name             text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,40}$'),
	table_name       text NOT NULL,
	on_event         text NOT NULL CHECK (on_event IN ('insert', 'update')),
	condition_sql    text,
	message_type     flowcomm.communication_type NOT NULL,
	template_code    text NOT NULL,
	channel_mode     text NOT NULL DEFAULT 'auto' CHECK (channel_mode IN ('auto', 'all_preferred', 'email', 'sms', 'whatsapp', 'messenger')),
	recipients_sql   text NOT NULL,
	variables_sql    text NOT NULL,
	attachments_sql  text,
	entity_type      text NOT NULL,
	priority         flowcomm.queue_priority NOT NULL DEFAULT 'normal',
	enabled          boolean NOT NULL DEFAULT true,
	created_at       timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE flowcomm.automation_rule IS 'Declarative send rules: on INSERT (or UPDATE when condition_sql holds) into a host table, send a template to the recipients found by recipients_sql. Global; superuser-managed (the SQL runs with the extension owner''s rights)';
COMMENT ON COLUMN flowcomm.automation_rule.condition_sql IS 'Boolean SQL over $1 (NEW) and $2 (OLD, updates only), e.g. ($1).balance = 0 AND ($2).balance > 0';
COMMENT ON COLUMN flowcomm.automation_rule.recipients_sql IS 'Query over $1 (NEW) returning recipient_type, recipient_id, name, email, phone, whatsapp, messenger_id, locale';
COMMENT ON COLUMN flowcomm.automation_rule.variables_sql IS 'Query over $1 (NEW) returning one jsonb: the template variables';
COMMENT ON COLUMN flowcomm.automation_rule.attachments_sql IS 'Optional query over $1 returning one jsonb array of attachments (email only; e.g. the sale PDF)';
COMMENT ON COLUMN flowcomm.automation_rule.channel_mode IS 'auto: first allowed channel; all_preferred: every channel the recipient prefers for the type (default email); or one fixed channel';

-- contact_for: a recipient row's contact on a channel, else the stored preference.
CREATE FUNCTION flowcomm.contact_for(b uuid, r jsonb, ch flowcomm.channel) RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
	SELECT coalesce(preferred_contact(b, r ->> 'recipient_type', (r ->> 'recipient_id')::uuid, ch),
					CASE ch WHEN 'email' THEN r ->> 'email' WHEN 'sms' THEN r ->> 'phone'
							WHEN 'whatsapp' THEN coalesce(r ->> 'whatsapp', r ->> 'phone')
							WHEN 'messenger' THEN r ->> 'messenger_id' END)
$$;
COMMENT ON FUNCTION flowcomm.contact_for(uuid, jsonb, flowcomm.channel) IS 'Contact of an automation recipient on a channel: the stored preference first, then the host row';

-- rule_channels: channels a rule sends on for one recipient.
CREATE FUNCTION flowcomm.rule_channels(b uuid, r jsonb, mode text, typ flowcomm.communication_type) RETURNS flowcomm.channel[]
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	cands text[] := candidate_channels(b, r ->> 'recipient_type', (r ->> 'recipient_id')::uuid, typ);
	ch text;
	out channel[] := '{}';
BEGIN
	IF mode NOT IN ('auto', 'all_preferred') THEN
		cands := ARRAY[mode];
	ELSIF mode = 'all_preferred' AND NOT EXISTS (
		SELECT 1 FROM communication_preference p
		 WHERE p.business_id = b AND p.entity_type = r ->> 'recipient_type' AND p.entity_id = (r ->> 'recipient_id')::uuid
		   AND p.preferences ? typ::text) THEN
		cands := ARRAY['email'];		-- the seed's default for fan-out types
	END IF;
	FOREACH ch IN ARRAY cands
	LOOP
		CONTINUE WHEN contact_for(b, r, ch::channel) IS NULL;
		CONTINUE WHEN delivery_block(b, r ->> 'recipient_type', (r ->> 'recipient_id')::uuid, ch::channel,
									 contact_for(b, r, ch::channel)) IS NOT NULL;
		out := out || ch::channel;
		EXIT WHEN mode <> 'all_preferred';
	END LOOP;
	RETURN out;
END
$$;
COMMENT ON FUNCTION flowcomm.rule_channels(uuid, jsonb, text, flowcomm.communication_type) IS 'Channels an automation message goes out on for one recipient (preferences, contacts, opt-out and suppression applied)';

-- automation_failures: what an automated send could not do.  Automation
-- runs inside the host's transaction (a sale's INSERT, a reminder run): any
-- error of a rule or of one message is caught in a subtransaction, turned
-- into a WARNING and recorded here, and never becomes the host's error
-- (docs/automation.md).  Business admins see their own rows.
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

-- automation_failed: record and warn; never raises.
CREATE FUNCTION flowcomm.automation_failed(b uuid, p_source text, p_rule text, req jsonb, p_state text, p_error text,
										   p_detail text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
BEGIN
	RAISE WARNING 'flowcomm: automated % not sent (%): %', coalesce(req ->> 'type', p_rule, p_source), p_state, p_error
		USING HINT = 'recorded in flowcomm.automation_failures; the host transaction goes on';
	IF b IS NOT NULL THEN
		INSERT INTO automation_failures (business_id, source, rule_name, entity_type, entity_id, message_type, channel,
										 sqlstate, error, detail, request)
		VALUES (b, p_source, p_rule, left(req ->> 'entityType', 50),
				CASE WHEN req ->> 'entityId' ~* '^[0-9a-f-]{36}$' THEN (req ->> 'entityId')::uuid END,
				left(req ->> 'type', 64), left(req ->> 'channel', 16), p_state, left(p_error, 2000), left(p_detail, 2000), req);
	END IF;
END
$$;
COMMENT ON FUNCTION flowcomm.automation_failed(uuid, text, text, jsonb, text, text, text) IS 'Internal: WARNING plus an automation_failures row for an automated send that failed';

-- send_automated: enqueue one automation message; skipped with a WARNING
-- (returns NULL) when the recipient may not or cannot be messaged.
CREATE FUNCTION flowcomm.send_automated(b uuid, req jsonb, actor text, prio flowcomm.queue_priority,
										sched timestamptz DEFAULT NULL)
RETURNS uuid
LANGUAGE plpgsql
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	c communication;
BEGIN
	IF req ? 'idempotencyKey' THEN
		SELECT * INTO c FROM communication x WHERE x.business_id = b AND x.idempotency_key = req ->> 'idempotencyKey';
		IF FOUND THEN
			RETURN NULL;	-- this automation step already sent its message
		END IF;
	END IF;
	BEGIN
		c := build_message(b, req, actor);
	EXCEPTION WHEN SQLSTATE 'PT409' OR invalid_parameter_value OR no_data_found THEN
		RAISE WARNING 'flowcomm: % not sent to %: %', req ->> 'type', coalesce(req ->> 'recipientContact', '?'), SQLERRM;
		RETURN NULL;
	END;
	c := enqueue(c, prio, sched, coalesce(req -> 'attachments', '[]'), NULL);
	RETURN c.id;
EXCEPTION WHEN OTHERS THEN
	-- Anything else (a template over its limits, a broken tenant template, a
	-- full disk) is the automation's failure, not the host's: recorded, and
	-- the subtransaction of this block is rolled back alone.
	DECLARE
		st text;
		msg text;
		det text;
	BEGIN
		GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
		PERFORM automation_failed(b, CASE WHEN actor = 'SYSTEM_collections' THEN 'reminder' ELSE 'rule' END,
								  CASE WHEN actor LIKE 'SYSTEM\_%' THEN substr(actor, 8) END, req, st, msg, det);
	END;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION flowcomm.send_automated(uuid, jsonb, text, flowcomm.queue_priority, timestamptz) IS 'Internal: enqueue an automation message, idempotent by key; skips (WARNING, NULL) recipients that opted out, are suppressed or lack a valid contact';

-- rule_fire: run one rule for one host row.
CREATE FUNCTION flowcomm.rule_fire(rule flowcomm.automation_rule, b uuid, new_row anyelement, entity_id uuid)
RETURNS int
LANGUAGE plpgsql
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	vars jsonb;
	atts jsonb;
	r jsonb;
	ch channel;
	n int := 0;
	req jsonb;
BEGIN
	EXECUTE rule.variables_sql INTO vars USING new_row;
	IF rule.attachments_sql IS NOT NULL THEN
		EXECUTE rule.attachments_sql INTO atts USING new_row;
	END IF;
	FOR r IN EXECUTE format('SELECT to_jsonb(x) FROM (%s) x', rule.recipients_sql) USING new_row
	LOOP
		FOREACH ch IN ARRAY rule_channels(b, r, rule.channel_mode, rule.message_type)
		LOOP
			req := jsonb_strip_nulls(jsonb_build_object(
				'channel', ch, 'type', rule.message_type, 'recipientType', r ->> 'recipient_type',
				'recipientId', r ->> 'recipient_id', 'recipientName', r ->> 'name',
				'recipientContact', contact_for(b, r, ch), 'templateCode', rule.template_code,
				'templateVariables', coalesce(vars, '{}') || jsonb_strip_nulls(jsonb_build_object('recipientName', r ->> 'name')),
				'locale', r ->> 'locale', 'entityType', rule.entity_type, 'entityId', entity_id,
				'attachments', CASE WHEN ch = 'email' THEN atts END,
				'createdBy', 'SYSTEM_' || rule.name,
				'idempotencyKey', format('rule:%s:%s:%s:%s', rule.name, entity_id, coalesce(r ->> 'recipient_id', r ->> 'email'), ch)));
			-- Only the variables the template knows are passed (it declares them).
			IF send_automated(b, req, 'SYSTEM_' || rule.name, rule.priority) IS NOT NULL THEN
				n := n + 1;
			END IF;
		END LOOP;
	END LOOP;
	RETURN n;
END
$$;
COMMENT ON FUNCTION flowcomm.rule_fire(flowcomm.automation_rule, uuid, anyelement, uuid) IS 'Internal: evaluate one automation rule for a host row and enqueue its messages';

-- rule_trigger: the one trigger function behind every rule (no hand-written
-- trigger per table).  TG_ARGV[0] names the rule.
CREATE FUNCTION flowcomm.rule_trigger() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	rule automation_rule;
	ok boolean := true;
	b uuid;
	eid uuid;
BEGIN
	SELECT * INTO rule FROM automation_rule WHERE name = TG_ARGV[0] AND enabled;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	IF rule.condition_sql IS NOT NULL THEN
		IF TG_OP = 'UPDATE' THEN
			EXECUTE 'SELECT (' || rule.condition_sql || ')::boolean' INTO ok USING NEW, OLD;
		ELSE
			EXECUTE 'SELECT (' || rule.condition_sql || ')::boolean' INTO ok USING NEW;
		END IF;
	END IF;
	IF NOT coalesce(ok, false) THEN
		RETURN NULL;
	END IF;
	b := (to_jsonb(NEW) ->> 'business_id')::uuid;
	eid := (to_jsonb(NEW) ->> 'id')::uuid;
	-- A rule that fails (its SQL, a template, a limit) must not fail the
	-- host's INSERT or its COMMIT (the trigger is deferred): the block is a
	-- subtransaction, and its error is recorded instead.
	BEGIN
		PERFORM rule_fire(rule, b, NEW, eid);
	EXCEPTION WHEN OTHERS THEN
		DECLARE
			st text;
			msg text;
			det text;
		BEGIN
			GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
			PERFORM automation_failed(b, 'rule', rule.name,
									  jsonb_build_object('type', rule.message_type, 'entityType', rule.entity_type, 'entityId', eid),
									  st, msg, det);
		END;
	END;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION flowcomm.rule_trigger() IS 'Trigger function shared by all automation rules: checks the rule condition and enqueues its messages in the host transaction';

-- rule_register: create or replace a rule and attach its trigger.
CREATE FUNCTION flowcomm.rule_register(name text, table_name regclass, on_event text, message_type flowcomm.communication_type,
	template_code text, recipients_sql text, variables_sql text, condition_sql text DEFAULT NULL,
	channel_mode text DEFAULT 'auto', attachments_sql text DEFAULT NULL, entity_type text DEFAULT NULL,
	priority flowcomm.queue_priority DEFAULT 'normal')
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, flowcomm, pg_temp
SET client_min_messages = warning AS $$
#variable_conflict use_variable
DECLARE
	cols text[];
BEGIN
	SELECT array_agg(attname::text) INTO cols FROM pg_attribute
	 WHERE attrelid = table_name AND attnum > 0 AND NOT attisdropped;
	IF NOT cols @> ARRAY['business_id', 'id'] THEN
		PERFORM invalid('table_name', format('%s needs business_id and id columns', table_name));
	END IF;
	IF on_event NOT IN ('insert', 'update') THEN
		PERFORM invalid('on_event', 'must be insert or update');
	END IF;
	IF on_event = 'update' AND condition_sql IS NULL THEN
		PERFORM invalid('condition_sql', 'an update rule needs a condition');
	END IF;
	INSERT INTO automation_rule AS r (name, table_name, on_event, condition_sql, message_type, template_code, channel_mode,
									  recipients_sql, variables_sql, attachments_sql, entity_type, priority)
	VALUES (name, table_name::text, on_event, condition_sql, message_type, template_code, channel_mode, recipients_sql,
			variables_sql, attachments_sql, coalesce(entity_type, (SELECT relname FROM pg_class WHERE oid = table_name)), priority)
	ON CONFLICT ON CONSTRAINT automation_rule_pkey DO UPDATE SET
		table_name = EXCLUDED.table_name, on_event = EXCLUDED.on_event, condition_sql = EXCLUDED.condition_sql,
		message_type = EXCLUDED.message_type, template_code = EXCLUDED.template_code,
		channel_mode = EXCLUDED.channel_mode, recipients_sql = EXCLUDED.recipients_sql,
		variables_sql = EXCLUDED.variables_sql, attachments_sql = EXCLUDED.attachments_sql,
		entity_type = EXCLUDED.entity_type, priority = EXCLUDED.priority, enabled = true;
	EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', 'flowcomm_rule_' || name, table_name);
	-- Deferred to commit: the rule sees the whole transaction's rows (a sale's
	-- items are inserted after the sale), and a rolled-back one sends nothing.
	EXECUTE format('CREATE CONSTRAINT TRIGGER %I AFTER %s ON %s DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION flowcomm.rule_trigger(%L)',
				   'flowcomm_rule_' || name, upper(on_event), table_name, name);
END
$$;
COMMENT ON FUNCTION flowcomm.rule_register(text, regclass, text, flowcomm.communication_type, text, text, text, text, text, text, text, flowcomm.queue_priority) IS 'Register (or replace) an automation rule on a host table and attach the shared trigger; superuser only';

CREATE FUNCTION flowcomm.rule_drop(name text) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	r automation_rule;
BEGIN
	SELECT * INTO r FROM automation_rule WHERE automation_rule.name = rule_drop.name;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'rule "%" not found', name USING ERRCODE = 'no_data_found';
	END IF;
	EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', 'flowcomm_rule_' || r.name, r.table_name);
	DELETE FROM automation_rule WHERE automation_rule.name = r.name;
END
$$;
COMMENT ON FUNCTION flowcomm.rule_drop(text) IS 'Remove an automation rule and its trigger; superuser only';

-- ------------------------------------------------------------------ reminders

CREATE TABLE flowcomm.collection_policy (
	business_id          uuid NOT NULL PRIMARY KEY,
	cadence_days         int[] NOT NULL DEFAULT '{1,7,14,30}' CHECK (cardinality(cadence_days) BETWEEN 1 AND 20),
	channels             flowcomm.channel[] NOT NULL DEFAULT '{whatsapp,email,sms}',
	quiet_start          time NOT NULL DEFAULT '20:00',
	quiet_end            time NOT NULL DEFAULT '09:00',
	max_per_invoice      int NOT NULL DEFAULT 4 CHECK (max_per_invoice BETWEEN 1 AND 20),
	notice_from_step     int NOT NULL DEFAULT 3 CHECK (notice_from_step >= 1),
	enabled              boolean NOT NULL DEFAULT true,
	updated_at           timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE flowcomm.collection_policy IS 'Per-business collection reminder policy: cadence in days overdue, channels in order, quiet hours (business timezone), max reminders per invoice; from notice_from_step on the collection_notice template is used instead of payment_reminder';

CREATE TABLE flowcomm.reminder_log (
	business_id       uuid NOT NULL,
	invoice_id        uuid NOT NULL,
	step              int NOT NULL,
	communication_id  uuid,
	channel           flowcomm.channel,
	days_overdue      int NOT NULL,
	outcome           text NOT NULL CHECK (outcome IN ('sent', 'skipped')),
	detail            text,
	created_at        timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (business_id, invoice_id, step)
);
COMMENT ON TABLE flowcomm.reminder_log IS 'One row per invoice and reminder step: the key that makes a step happen at most once';

ALTER TABLE flowcomm.collection_policy ENABLE ROW LEVEL SECURITY;
ALTER TABLE flowcomm.reminder_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON flowcomm.collection_policy
	USING (business_id = (SELECT flowcomm.current_business_id())) WITH CHECK (business_id = (SELECT flowcomm.current_business_id()));
CREATE POLICY tenant_isolation ON flowcomm.reminder_log
	USING (business_id = (SELECT flowcomm.current_business_id())) WITH CHECK (business_id = (SELECT flowcomm.current_business_id()));
GRANT SELECT ON flowcomm.collection_policy, flowcomm.reminder_log TO flowcomm_viewer;
GRANT INSERT, UPDATE ON flowcomm.collection_policy TO flowcomm_admin;

-- in_quiet_hours: is local time t inside [start, end) (which may wrap midnight)?
CREATE FUNCTION flowcomm.in_quiet_hours(t time, q_start time, q_end time) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN q_start IS NULL OR q_end IS NULL OR q_start = q_end THEN false
				WHEN q_start < q_end THEN t >= q_start AND t < q_end
				ELSE t >= q_start OR t < q_end END
$$;
COMMENT ON FUNCTION flowcomm.in_quiet_hours(time, time, time) IS 'True when a local time falls in a quiet window (which may wrap midnight)';

-- quiet_release: the first instant at or after ts outside the quiet window in tz.
CREATE FUNCTION flowcomm.quiet_release(ts timestamptz, tz text, q_start time, q_end time) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN NOT flowcomm.in_quiet_hours((ts AT TIME ZONE tz)::time, q_start, q_end) THEN ts
				ELSE ((CASE WHEN (ts AT TIME ZONE tz)::time < q_end
							THEN (ts AT TIME ZONE tz)::date ELSE (ts AT TIME ZONE tz)::date + 1 END) + q_end) AT TIME ZONE tz
		   END
$$;
COMMENT ON FUNCTION flowcomm.quiet_release(timestamptz, text, time, time) IS 'When a message held by quiet hours may leave: the end of the window in the recipient''s timezone';

-- overdue_source: the host view/function that lists overdue invoices
-- (superuser-only setting flowcomm.overdue_source; columns in docs/automation.md).
CREATE FUNCTION flowcomm.overdue_source() RETURNS regclass
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	src text := nullif(current_setting('flowcomm.overdue_source', true), '');
BEGIN
	IF src IS NULL THEN
		RETURN NULL;
	END IF;
	RETURN src::regclass;
EXCEPTION WHEN undefined_table OR invalid_name THEN
	RAISE EXCEPTION 'flowcomm.overdue_source "%" does not name a table or view', src
		USING ERRCODE = 'undefined_table', HINT = 'set it in postgresql.conf, e.g. flowpos.overdue_invoice';
END
$$;
COMMENT ON FUNCTION flowcomm.overdue_source() IS 'The configured host relation of overdue invoices (setting flowcomm.overdue_source), or NULL';

-- run_reminders: apply the collection policy as of a moment, for one business
-- or all.  dry_run reports what would be sent and changes nothing.
CREATE FUNCTION flowcomm.run_reminders(p_business uuid DEFAULT NULL, dry_run boolean DEFAULT false,
									   as_of timestamptz DEFAULT now())
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	src regclass := overdue_source();
	inv record;
	pol collection_policy;
	tz text;
	days int;
	v_step int;
	done int;
	r jsonb;
	ch channel;
	cid uuid;
	out jsonb := '[]';
	code text;
BEGIN
	IF src IS NULL THEN
		RETURN jsonb_build_object('skipped', 'flowcomm.overdue_source is not set', 'actions', '[]'::jsonb);
	END IF;
	FOR inv IN EXECUTE format(
		'SELECT s.*, (%L::date - s.due_date) AS days_overdue FROM %s s
		  WHERE s.balance > 0 AND s.due_date < %L::date AND ($1 IS NULL OR s.business_id = $1)
		  ORDER BY s.business_id, s.due_date', (as_of AT TIME ZONE 'UTC')::date, src, (as_of AT TIME ZONE 'UTC')::date)
		USING p_business
	LOOP
		SELECT * INTO pol FROM collection_policy WHERE business_id = inv.business_id;
		IF NOT FOUND THEN
			pol := ROW(inv.business_id, '{1,7,14,30}', '{whatsapp,email,sms}', '20:00', '09:00', 4, 3, true, now())::collection_policy;
		END IF;
		CONTINUE WHEN NOT pol.enabled;
		tz := coalesce((SELECT s.timezone FROM business_setting s WHERE s.business_id = inv.business_id), 'UTC');
		days := ((as_of AT TIME ZONE tz)::date - inv.due_date);
		-- The highest cadence step reached; earlier missed steps are not replayed.
		SELECT max(i) INTO v_step FROM generate_subscripts(pol.cadence_days, 1) i WHERE pol.cadence_days[i] <= days;
		CONTINUE WHEN v_step IS NULL;
		CONTINUE WHEN EXISTS (SELECT 1 FROM reminder_log l WHERE l.business_id = inv.business_id
								 AND l.invoice_id = inv.invoice_id AND l.step >= v_step);
		SELECT count(*) INTO done FROM reminder_log l
		 WHERE l.business_id = inv.business_id AND l.invoice_id = inv.invoice_id AND l.outcome = 'sent';
		CONTINUE WHEN done >= pol.max_per_invoice;
		IF in_quiet_hours((as_of AT TIME ZONE tz)::time, pol.quiet_start, pol.quiet_end) THEN
			out := out || jsonb_build_object('invoiceId', inv.invoice_id, 'step', v_step, 'action', 'held_quiet_hours');
			CONTINUE;
		END IF;
		r := jsonb_build_object('recipient_type', 'customer', 'recipient_id', inv.customer_id,
			'name', to_jsonb(inv) ->> 'customer_name', 'email', to_jsonb(inv) ->> 'email',
			'phone', to_jsonb(inv) ->> 'phone', 'whatsapp', to_jsonb(inv) ->> 'whatsapp',
			'messenger_id', to_jsonb(inv) ->> 'messenger_id', 'locale', to_jsonb(inv) ->> 'locale');
		code := CASE WHEN v_step >= pol.notice_from_step THEN 'collection_notice' ELSE 'payment_reminder' END;
		ch := NULL;
		SELECT c INTO ch FROM unnest(pol.channels) WITH ORDINALITY AS t(c, o)
		 WHERE contact_for(inv.business_id, r, c) IS NOT NULL
		   AND check_contact_ok(c, contact_for(inv.business_id, r, c))
		   AND delivery_block(inv.business_id, 'customer', inv.customer_id, c, contact_for(inv.business_id, r, c)) IS NULL
		   AND has_template(inv.business_id, code, c)
		 ORDER BY o LIMIT 1;
		IF ch IS NULL THEN
			out := out || jsonb_build_object('invoiceId', inv.invoice_id, 'step', v_step, 'action', 'skipped_no_channel');
			IF NOT dry_run THEN
				INSERT INTO reminder_log (business_id, invoice_id, step, days_overdue, outcome, detail)
				VALUES (inv.business_id, inv.invoice_id, v_step, days, 'skipped', 'no allowed channel with a contact');
			END IF;
			CONTINUE;
		END IF;
		IF dry_run THEN
			out := out || jsonb_build_object('invoiceId', inv.invoice_id, 'documentNumber', inv.document_number,
											 'step', v_step, 'daysOverdue', days, 'channel', ch, 'template', code,
											 'action', 'would_send');
		END IF;
		CONTINUE WHEN dry_run;
		cid := send_automated(inv.business_id, jsonb_strip_nulls(jsonb_build_object(
			'channel', ch, 'type', CASE WHEN code = 'collection_notice' THEN 'collection_notice' ELSE 'invoice_reminder' END,
			'recipientType', 'customer', 'recipientId', inv.customer_id, 'recipientName', r ->> 'name',
			'recipientContact', contact_for(inv.business_id, r, ch), 'templateCode', code, 'locale', r ->> 'locale',
			'templateVariables', jsonb_strip_nulls(jsonb_build_object(
				'customerName', coalesce(r ->> 'name', ''), 'invoiceNumber', inv.document_number,
				'amount', inv.balance, 'currency', inv.currency, 'dueDate', inv.due_date, 'daysOverdue', days,
				'businessName', coalesce(to_jsonb(inv) ->> 'business_name', ''),
				'businessPhone', to_jsonb(inv) ->> 'business_phone', 'paymentUrl', to_jsonb(inv) ->> 'payment_url')),
			'entityType', 'accountsReceivableInvoice', 'entityId', inv.invoice_id,
			'createdBy', 'SYSTEM_collections',
			'idempotencyKey', format('reminder:%s:%s', inv.invoice_id, v_step))),
			'SYSTEM_collections', 'normal');
		out := out || jsonb_build_object('invoiceId', inv.invoice_id, 'documentNumber', inv.document_number,
										 'step', v_step, 'daysOverdue', days, 'channel', ch, 'template', code,
										 'action', CASE WHEN cid IS NULL THEN 'skipped' ELSE 'sent' END);
		INSERT INTO reminder_log (business_id, invoice_id, step, communication_id, channel, days_overdue, outcome, detail)
		VALUES (inv.business_id, inv.invoice_id, v_step, cid, ch, days,
				CASE WHEN cid IS NULL THEN 'skipped' ELSE 'sent' END, code)
		ON CONFLICT DO NOTHING;
	END LOOP;
	RETURN jsonb_build_object('asOf', as_of, 'dryRun', dry_run, 'actions', out);
END
$$;
COMMENT ON FUNCTION flowcomm.run_reminders(uuid, boolean, timestamptz) IS 'Apply the collection policy (cadence, channels, quiet hours, max per invoice) to the overdue invoices of the host source; each invoice step at most once; dry_run shows what would be sent';

-- has_template: an active template for a code and channel (business or system).
CREATE FUNCTION flowcomm.has_template(b uuid, p_code text, p_channel flowcomm.channel) RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
	SELECT EXISTS (SELECT 1 FROM communication_template t WHERE t.business_id = b AND t.code = p_code
					  AND t.channel = p_channel AND t.is_active)
		OR EXISTS (SELECT 1 FROM system_template s WHERE s.code = p_code AND s.channel = p_channel AND s.is_active)
$$;
COMMENT ON FUNCTION flowcomm.has_template(uuid, text, flowcomm.channel) IS 'True when the business can render a template code on a channel';

-- check_contact_ok: boolean form of check_contact.
CREATE FUNCTION flowcomm.check_contact_ok(ch flowcomm.channel, contact text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE ch WHEN 'email' THEN flowcomm.is_email(contact) WHEN 'messenger' THEN flowcomm.is_messenger_id(contact)
				   ELSE flowcomm.is_e164(contact) END
$$;
COMMENT ON FUNCTION flowcomm.check_contact_ok(flowcomm.channel, text) IS 'True when a contact is valid for a channel';

-- reminders_run: the on-demand entry point for a business (admins).
CREATE FUNCTION flowcomm.reminders_run(dry_run boolean DEFAULT true) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
BEGIN
	RETURN run_reminders(require_business(), dry_run, now());
END
$$;
COMMENT ON FUNCTION flowcomm.reminders_run(boolean) IS 'Run the collection policy now for the current business; dry_run (default) only reports what would be sent';
GRANT EXECUTE ON FUNCTION flowcomm.reminders_run(boolean) TO flowcomm_admin;

-- run_due_automation: what the background worker runs on its schedule.
CREATE FUNCTION flowcomm.run_due_automation() RETURNS jsonb
LANGUAGE plpgsql
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
BEGIN
	-- Several workers may get here at once: one run is enough.
	IF NOT pg_try_advisory_xact_lock(hashtextextended('flowcomm.run_due_automation', 0)) THEN
		RETURN jsonb_build_object('skipped', 'another run is in progress');
	END IF;
	RETURN jsonb_build_object('reminders', run_reminders(NULL, false, now()));
END
$$;
COMMENT ON FUNCTION flowcomm.run_due_automation() IS 'Scheduled automation run by the background worker (collection reminders)';

-- cancel_pending_for_entity: stop messages about an entity that have not
-- left (e.g. reminders of an invoice that was just paid).
CREATE FUNCTION flowcomm.cancel_pending_for_entity(p_entity_type text, p_entity_id uuid,
												   p_types flowcomm.communication_type[] DEFAULT '{invoice_reminder,collection_notice}',
												   p_reason text DEFAULT 'entity settled')
RETURNS int
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid := require_business();
	n int;
BEGIN
	WITH q AS (
		UPDATE communication_queue q SET status = 'cancelled', completed_at = now(), updated_at = now()
		  FROM communication c
		 WHERE c.business_id = b AND c.entity_type = p_entity_type AND c.entity_id = p_entity_id
		   AND c.type = ANY (p_types) AND c.status IN ('pending', 'queued')
		   AND q.business_id = c.business_id AND q.communication_id = c.id AND q.status = 'pending'
		RETURNING q.communication_id),
	c AS (
		UPDATE communication c SET status = 'cancelled', updated_at = now()
		  FROM q WHERE c.business_id = b AND c.id = q.communication_id
		RETURNING c.id)
	INSERT INTO communication_event (business_id, communication_id, event, status, source, detail)
	SELECT b, c.id, 'cancelled', 'cancelled', 'system', p_reason FROM c;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;
COMMENT ON FUNCTION flowcomm.cancel_pending_for_entity(text, uuid, flowcomm.communication_type[], text) IS 'Cancel not-yet-sent messages of given types about a host entity (a paid invoice''s reminders); returns how many';
GRANT EXECUTE ON FUNCTION flowcomm.cancel_pending_for_entity(text, uuid, flowcomm.communication_type[], text) TO flowcomm_sender;

-- ------------------------------------------------------------------ fallback

-- fallback_on_failure: a message that failed permanently goes out on the
-- next allowed channel, linked to it (seed 1.3 "fail-safe").
CREATE FUNCTION flowcomm.fallback_on_failure() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	tried channel[];
	ch text;
	contact text;
	req jsonb;
	root uuid := coalesce(NEW.fallback_of_id, NEW.id);
BEGIN
	IF NOT coalesce((SELECT s.fallback_enabled FROM business_setting s WHERE s.business_id = NEW.business_id), true) THEN
		RETURN NULL;
	END IF;
	-- Channels already tried along this fallback chain.
	WITH RECURSIVE chain AS (
		SELECT c.id, c.channel, c.fallback_of_id FROM communication c WHERE c.business_id = NEW.business_id AND c.id = NEW.id
		UNION ALL
		SELECT c.id, c.channel, c.fallback_of_id FROM communication c JOIN chain ON c.business_id = NEW.business_id
		   AND c.id = chain.fallback_of_id)
	SELECT array_agg(channel) INTO tried FROM chain;
	FOR ch IN SELECT unnest(candidate_channels(NEW.business_id, NEW.recipient_type, NEW.recipient_id, NEW.type))
	LOOP
		CONTINUE WHEN ch::channel = ANY (tried);
		contact := preferred_contact(NEW.business_id, NEW.recipient_type, NEW.recipient_id, ch::channel);
		CONTINUE WHEN contact IS NULL OR NOT check_contact_ok(ch::channel, contact);
		req := jsonb_strip_nulls(jsonb_build_object('channel', ch, 'type', NEW.type, 'recipientType', NEW.recipient_type,
			'recipientId', NEW.recipient_id, 'recipientName', NEW.recipient_name, 'recipientContact', contact,
			'locale', NEW.locale, 'entityType', NEW.entity_type, 'entityId', NEW.entity_id,
			'createdBy', 'SYSTEM_fallback', 'idempotencyKey', format('fallback:%s:%s', NEW.id, ch)));
		IF NEW.template_code IS NOT NULL THEN
			req := req || jsonb_build_object('templateCode', NEW.template_code, 'templateVariables', NEW.template_variables);
		ELSE
			req := req || jsonb_strip_nulls(jsonb_build_object('content', coalesce(NEW.content_text, NEW.content),
																'subject', coalesce(NEW.subject, 'Message')));
		END IF;
		BEGIN
			PERFORM 1 FROM communication x WHERE x.business_id = NEW.business_id AND x.idempotency_key = req ->> 'idempotencyKey';
			IF FOUND THEN
				RETURN NULL;
			END IF;
			DECLARE
				c communication := build_message(NEW.business_id, req, 'SYSTEM_fallback');
			BEGIN
				c.fallback_of_id := NEW.id;
				c := enqueue(c, 'high', NULL, NULL, NULL);
				INSERT INTO communication_event (business_id, communication_id, event, status, source, detail)
				VALUES (NEW.business_id, NEW.id, 'fallback_queued', NEW.status, 'system',
						format('fallback on %s as %s', ch, c.id));
				RETURN NULL;
			END;
		EXCEPTION WHEN SQLSTATE 'PT409' OR invalid_parameter_value OR no_data_found THEN
			CONTINUE;		-- this channel is blocked or has no template: try the next
		END;
	END LOOP;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION flowcomm.fallback_on_failure() IS 'Trigger: when an outbound message fails permanently, enqueue it on the next allowed channel (preferences/business order), linked by fallback_of_id; opt-out and suppression always win';
CREATE TRIGGER fallback_on_failure AFTER UPDATE OF status ON flowcomm.communication
	FOR EACH ROW WHEN (NEW.status = 'failed' AND OLD.status IS DISTINCT FROM 'failed' AND NEW.direction = 'outbound')
	EXECUTE FUNCTION flowcomm.fallback_on_failure();
