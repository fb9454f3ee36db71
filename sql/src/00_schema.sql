-- 00_schema.sql — types and tables of flowcomm.
--
-- Design rules (see docs/schema.md and ROADMAP): every tenant table carries
-- business_id and every key between tenant tables includes it, so the tables
-- can be distributed by business_id and co-located; global data (system
-- templates, the default provider account, signing keys, automation rules)
-- lives in tables of its own.  Ids are UUIDv7 (time-ordered), so the history
-- tables can later be range-partitioned by id (= by month) without a new key.

\echo Use "CREATE EXTENSION flowcomm" to load this file. \quit

CREATE TYPE flowcomm.channel AS ENUM ('email', 'sms', 'whatsapp', 'messenger');
COMMENT ON TYPE flowcomm.channel IS 'Delivery channel: email (Sendgrid), sms/whatsapp/messenger (Twilio)';

CREATE TYPE flowcomm.communication_status AS ENUM (
	'pending',      -- stored, not yet in the queue (e.g. held by quiet hours)
	'queued',       -- waiting in communication_queue
	'sending',      -- claimed by a worker, request about to leave or in flight
	'sent',         -- accepted by the provider
	'delivered',    -- provider reports delivery
	'opened',       -- email opened
	'clicked',      -- email link clicked
	'failed',       -- permanent failure or retries exhausted (dead letter)
	'bounced',      -- email bounced
	'cancelled',    -- cancelled before it left
	'suppressed',   -- not sent: opted out / suppressed recipient
	'received'      -- inbound message from the recipient
);
COMMENT ON TYPE flowcomm.communication_status IS 'Lifecycle of a message; docs/state-machine.md';

CREATE TYPE flowcomm.communication_type AS ENUM (
	'invoice', 'invoice_reminder', 'payment_confirmation', 'payment_link',
	'collection_notice', 'low_stock_alert', 'general_notification', 'inbound_reply'
);
COMMENT ON TYPE flowcomm.communication_type IS 'Business purpose of a message (seed 2.1)';

CREATE TYPE flowcomm.queue_status AS ENUM (
	'pending', 'processing', 'completed', 'failed', 'cancelled', 'dead', 'held'
);
COMMENT ON TYPE flowcomm.queue_status IS 'Queue job state: dead = retries exhausted (dead letter); held = outcome uncertain after a crash, awaiting review';

CREATE TYPE flowcomm.queue_priority AS ENUM ('low', 'normal', 'high', 'urgent');
COMMENT ON TYPE flowcomm.queue_priority IS 'Claim order: urgent > high > normal > low';

CREATE TYPE flowcomm.provider AS ENUM ('sendgrid', 'twilio');

-- UUIDv7: 48-bit unix ms timestamp, version/variant bits, random rest.
CREATE FUNCTION flowcomm.uuid_v7() RETURNS uuid
LANGUAGE C VOLATILE PARALLEL SAFE AS 'MODULE_PATHNAME', 'flowcomm_uuid_v7';
COMMENT ON FUNCTION flowcomm.uuid_v7() IS 'Time-ordered UUID (RFC 9562 version 7) used for every flowcomm id';

-- Only immutable calls in the body (the epoch of an interval, not of a
-- timestamptz, whose extract is stable), so the planner inlines it: as a
-- called SQL function it cost 0.05 ms per send (check_send_quota).
CREATE FUNCTION flowcomm.uuid_v7_at(ts timestamptz) RETURNS uuid
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
	SELECT (lpad(to_hex((extract(epoch FROM ts - 'epoch'::timestamptz) * 1000)::bigint), 12, '0') || '70008000000000000000')::uuid
$$;
COMMENT ON FUNCTION flowcomm.uuid_v7_at(timestamptz) IS 'Smallest UUIDv7 for an instant: partition bounds and id range scans by time';

-- ------------------------------------------------------------------ tenant tables

CREATE TABLE flowcomm.communication (
	business_id             uuid NOT NULL,
	id                      uuid NOT NULL DEFAULT flowcomm.uuid_v7(),
	created_by              text NOT NULL,
	direction               text NOT NULL DEFAULT 'outbound' CHECK (direction IN ('outbound', 'inbound')),
	recipient_type          text NOT NULL CHECK (recipient_type ~ '^[a-z_]{1,50}$'),
	recipient_id            uuid,
	recipient_name          text CHECK (length(recipient_name) <= 255),
	recipient_contact       text NOT NULL CHECK (length(recipient_contact) BETWEEN 1 AND 255),
	channel                 flowcomm.channel NOT NULL,
	type                    flowcomm.communication_type NOT NULL,
	subject                 text CHECK (length(subject) <= 500),
	content                 text NOT NULL,
	content_text            text,
	locale                  text,
	entity_type             text CHECK (entity_type ~ '^[A-Za-z_]{1,50}$'),
	entity_id               uuid,
	template_id             uuid,
	template_code           text,
	template_variables      jsonb,
	status                  flowcomm.communication_status NOT NULL DEFAULT 'pending',
	queued_at               timestamptz,
	sent_at                 timestamptz,
	delivered_at            timestamptz,
	opened_at               timestamptz,
	clicked_at              timestamptz,
	failed_at               timestamptz,
	error_code              text,
	error_message           text,
	provider                flowcomm.provider,
	provider_message_id     text,
	provider_response       jsonb,
	segments                int,
	encoding                text CHECK (encoding IN ('GSM-7', 'UCS-2')),
	price                   numeric(12,5),
	price_unit              text,
	retry_count             int NOT NULL DEFAULT 0,
	max_retries             int NOT NULL DEFAULT 4 CHECK (max_retries BETWEEN 0 AND 20),
	next_retry_at           timestamptz,
	original_communication_id uuid,
	fallback_of_id          uuid,
	idempotency_key         text CHECK (length(idempotency_key) BETWEEN 1 AND 255),
	metadata                jsonb,
	created_at              timestamptz NOT NULL DEFAULT now(),
	updated_at              timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (business_id, id),
	-- original_communication_id / fallback_of_id link rows of this table; they
	-- are set only by flowcomm itself, and kept without a self-referencing
	-- foreign key so that pg_dump can order the data of this extension table.
	CHECK (metadata IS NULL OR jsonb_typeof(metadata) = 'object'),
	CHECK (template_variables IS NULL OR jsonb_typeof(template_variables) = 'object')
);
COMMENT ON TABLE flowcomm.communication IS 'Every message, outbound and inbound, with its content and latest delivery state (the fast summary of communication_event)';
COMMENT ON COLUMN flowcomm.communication.created_by IS 'Host user id, or a system actor such as SYSTEM_collections';
COMMENT ON COLUMN flowcomm.communication.recipient_contact IS 'Email address, E.164 phone, or Messenger page-scoped id';
COMMENT ON COLUMN flowcomm.communication.content IS 'Final rendered body (HTML for email)';
COMMENT ON COLUMN flowcomm.communication.content_text IS 'Plain-text alternative of an email body';
COMMENT ON COLUMN flowcomm.communication.entity_type IS 'Host entity the message concerns (sale, accountsReceivableInvoice, payment, lowStockAlert, ...); with entity_id it links messages to business metrics';
COMMENT ON COLUMN flowcomm.communication.status IS 'Latest state; moves forward only (docs/state-machine.md)';
COMMENT ON COLUMN flowcomm.communication.provider_message_id IS 'Sendgrid X-Message-Id or Twilio SM sid';
COMMENT ON COLUMN flowcomm.communication.segments IS 'SMS segment count as billed (GSM-7 153/160, UCS-2 67/70 characters)';
COMMENT ON COLUMN flowcomm.communication.original_communication_id IS 'Set on a resend: the message it repeats';
COMMENT ON COLUMN flowcomm.communication.fallback_of_id IS 'Set on a fallback: the message whose permanent failure caused it';
COMMENT ON COLUMN flowcomm.communication.idempotency_key IS 'Caller-chosen key: a repeated send with the same key returns the first message';

CREATE UNIQUE INDEX communication_idempotency_idx ON flowcomm.communication (business_id, idempotency_key)
	WHERE idempotency_key IS NOT NULL;
-- History pages are ordered by (created_at DESC, id DESC): every index that
-- serves one ends in those two columns, so a page is an index range read
-- even when many messages share a created_at (a send_bulk of 100,000 has
-- one).  The unfiltered order is communication_stats_idx (65_stats.sql).
-- Partial: lookups are by a given recipient or entity (an equality implies
-- NOT NULL), and campaign messages often have neither; a NULL key was an
-- index insertion per message for nothing (about 1.7 us each in send_bulk).
CREATE INDEX communication_recipient_idx ON flowcomm.communication (business_id, recipient_type, recipient_id)
	WHERE recipient_id IS NOT NULL;
CREATE INDEX communication_contact_idx ON flowcomm.communication (business_id, recipient_contact, created_at DESC, id DESC);
CREATE INDEX communication_entity_idx ON flowcomm.communication (business_id, entity_type, entity_id)
	WHERE entity_id IS NOT NULL;
CREATE INDEX communication_status_idx ON flowcomm.communication (business_id, status, created_at DESC, id DESC);
CREATE UNIQUE INDEX communication_provider_msg_idx ON flowcomm.communication (provider_message_id)
	WHERE provider_message_id IS NOT NULL;

CREATE TABLE flowcomm.communication_queue (
	business_id        uuid NOT NULL,
	id                 uuid NOT NULL DEFAULT flowcomm.uuid_v7(),
	communication_id   uuid NOT NULL,
	channel            flowcomm.channel NOT NULL,
	priority           flowcomm.queue_priority NOT NULL DEFAULT 'normal',
	scheduled_at       timestamptz NOT NULL DEFAULT now(),
	status             flowcomm.queue_status NOT NULL DEFAULT 'pending',
	attempts           int NOT NULL DEFAULT 0,
	max_attempts       int NOT NULL DEFAULT 5 CHECK (max_attempts BETWEEN 1 AND 21),
	locked_by          int,
	lease_expires_at   timestamptz,
	started_at         timestamptz,
	completed_at       timestamptz,
	last_error         text,
	payload            jsonb NOT NULL DEFAULT '{}',
	created_at         timestamptz NOT NULL DEFAULT now(),
	updated_at         timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (business_id, id),
	UNIQUE (business_id, communication_id),
	FOREIGN KEY (business_id, communication_id) REFERENCES flowcomm.communication (business_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE flowcomm.communication_queue IS 'One delivery job per outbound message: claimed by workers with FOR UPDATE SKIP LOCKED, retried with backoff, dead-lettered after max_attempts';
COMMENT ON COLUMN flowcomm.communication_queue.attempts IS 'Provider requests started for this job (incremented at claim, before the request leaves)';
COMMENT ON COLUMN flowcomm.communication_queue.lease_expires_at IS 'A processing job whose lease expired belongs to a dead worker and is recovered';
COMMENT ON COLUMN flowcomm.communication_queue.payload IS 'Delivery options not in communication (tracking settings, media urls, status callback)';
-- The claim index: due pending work in claim order; also serves queue depth and oldest-pending reads.
CREATE INDEX communication_queue_claim_idx ON flowcomm.communication_queue (priority DESC, scheduled_at)
	WHERE status = 'pending';
-- The fair claim: the loose scan of businesses with pending work, each one's due work in claim
-- order, and the queue quota's pending count per business.
CREATE INDEX communication_queue_business_claim_idx ON flowcomm.communication_queue
	(business_id, priority DESC, scheduled_at) WHERE status = 'pending';
CREATE INDEX communication_queue_processing_idx ON flowcomm.communication_queue (lease_expires_at)
	WHERE status = 'processing';
CREATE INDEX communication_queue_dead_idx ON flowcomm.communication_queue (business_id, updated_at)
	WHERE status IN ('dead', 'held');

CREATE TABLE flowcomm.communication_event (
	business_id        uuid NOT NULL,
	id                 uuid NOT NULL DEFAULT flowcomm.uuid_v7(),
	communication_id   uuid NOT NULL,
	event              text NOT NULL,
	status             flowcomm.communication_status,
	occurred_at        timestamptz NOT NULL DEFAULT now(),
	recorded_at        timestamptz NOT NULL DEFAULT now(),
	attempt            int,
	source             text NOT NULL DEFAULT 'system' CHECK (source IN ('system', 'worker', 'sendgrid', 'twilio', 'admin', 'api')),
	dedupe_key         text,
	detail             text,
	payload            jsonb,
	PRIMARY KEY (business_id, id),
	FOREIGN KEY (business_id, communication_id) REFERENCES flowcomm.communication (business_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE flowcomm.communication_event IS 'Append-only audit trail: every status change, attempt, retry and provider event of a message';
COMMENT ON COLUMN flowcomm.communication_event.event IS 'queued, claimed, attempt, sent, retry_scheduled, dead_lettered, delivered, opened, clicked, bounced, ...';
COMMENT ON COLUMN flowcomm.communication_event.occurred_at IS 'When it happened according to its source (provider event time for webhooks)';
COMMENT ON COLUMN flowcomm.communication_event.dedupe_key IS 'Provider event identity: a replayed webhook event is recorded once';
CREATE INDEX communication_event_comm_idx ON flowcomm.communication_event (business_id, communication_id, occurred_at);
CREATE UNIQUE INDEX communication_event_dedupe_idx ON flowcomm.communication_event (business_id, communication_id, dedupe_key)
	WHERE dedupe_key IS NOT NULL;

CREATE TABLE flowcomm.communication_attachment (
	business_id        uuid NOT NULL,
	id                 uuid NOT NULL DEFAULT flowcomm.uuid_v7(),
	communication_id   uuid NOT NULL,
	filename           text NOT NULL CHECK (length(filename) BETWEEN 1 AND 255 AND filename !~ '[/\\]'),
	file_path          text CHECK (length(file_path) <= 500),
	file_url           text CHECK (length(file_url) <= 500 AND file_url ~ '^https?://'),
	mime_type          text CHECK (mime_type ~ '^[a-z]+/[A-Za-z0-9.+-]+$'),
	size_bytes         int CHECK (size_bytes >= 0),
	content            bytea,
	created_at         timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (business_id, id),
	FOREIGN KEY (business_id, communication_id) REFERENCES flowcomm.communication (business_id, id) ON DELETE CASCADE,
	CHECK (file_url IS NOT NULL OR content IS NOT NULL OR file_path IS NOT NULL)
);
COMMENT ON TABLE flowcomm.communication_attachment IS 'Files sent with a message: inline content (email, base64 to Sendgrid) or a public URL (WhatsApp media)';
CREATE INDEX communication_attachment_comm_idx ON flowcomm.communication_attachment (business_id, communication_id);

CREATE TABLE flowcomm.communication_preference (
	business_id            uuid NOT NULL,
	id                     uuid NOT NULL DEFAULT flowcomm.uuid_v7(),
	entity_type            text NOT NULL CHECK (entity_type IN ('customer', 'user', 'supplier')),
	entity_id              uuid NOT NULL,
	email_enabled          boolean NOT NULL DEFAULT true,
	sms_enabled            boolean NOT NULL DEFAULT true,
	whatsapp_enabled       boolean NOT NULL DEFAULT true,
	messenger_enabled      boolean NOT NULL DEFAULT true,
	preferences            jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(preferences) = 'object'),
	preferred_email        text,
	preferred_phone        text,
	preferred_whatsapp     text,
	preferred_messenger_id text,
	locale                 text,
	timezone               text,
	opted_out_at           timestamptz,
	opted_out_reason       text,
	created_at             timestamptz NOT NULL DEFAULT now(),
	updated_at             timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (business_id, id),
	UNIQUE (business_id, entity_type, entity_id)
);
COMMENT ON TABLE flowcomm.communication_preference IS 'Per recipient and business: channels enabled, per-type channel choice, preferred contacts, full opt-out';
COMMENT ON COLUMN flowcomm.communication_preference.preferences IS 'Per message type, ordered channels: {"invoice": ["email","whatsapp"]}';
COMMENT ON COLUMN flowcomm.communication_preference.opted_out_at IS 'Set: the recipient receives nothing from this business';

CREATE TABLE flowcomm.suppression (
	business_id    uuid NOT NULL,
	id             uuid NOT NULL DEFAULT flowcomm.uuid_v7(),
	channel        flowcomm.channel NOT NULL,
	contact        text NOT NULL,
	reason         text NOT NULL CHECK (reason IN ('bounce', 'dropped', 'spamreport', 'unsubscribe', 'stop_keyword', 'provider_unsubscribed', 'admin')),
	source         text NOT NULL DEFAULT 'system',
	detail         text,
	created_at     timestamptz NOT NULL DEFAULT now(),
	lifted_at      timestamptz,
	lifted_by      text,
	PRIMARY KEY (business_id, id)
);
COMMENT ON TABLE flowcomm.suppression IS 'Addresses a business must not message on a channel (bounces, spam reports, STOP replies); lifting keeps the row for audit';
CREATE UNIQUE INDEX suppression_active_idx ON flowcomm.suppression (business_id, channel, lower(contact))
	WHERE lifted_at IS NULL;

CREATE TABLE flowcomm.provider_account (
	business_id            uuid NOT NULL,
	provider               flowcomm.provider NOT NULL,
	sendgrid_api_key       text,
	from_email             text,
	from_name              text,
	twilio_account_sid     text CHECK (twilio_account_sid ~ '^AC[0-9a-fA-F]{32}$'),
	twilio_auth_token      text,
	sms_from               text CHECK (sms_from ~ '^\+[1-9][0-9]{6,14}$'),
	whatsapp_from          text CHECK (whatsapp_from ~ '^\+[1-9][0-9]{6,14}$'),
	messenger_page_id      text CHECK (messenger_page_id ~ '^[0-9]{1,32}$'),
	messaging_service_sid  text,
	rate_limits            jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(rate_limits) = 'object'),
	enabled                boolean NOT NULL DEFAULT true,
	created_at             timestamptz NOT NULL DEFAULT now(),
	updated_at             timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (business_id, provider)
);
COMMENT ON TABLE flowcomm.provider_account IS 'A business''s own provider credentials and sender identity; secrets readable only by the extension owner; tenants manage it through provider_account_set / provider_account_info, which never return a secret';
COMMENT ON COLUMN flowcomm.provider_account.rate_limits IS 'Per channel token bucket override: {"sms": {"rate": 5, "burst": 50}}';

CREATE TABLE flowcomm.business_setting (
	business_id        uuid NOT NULL PRIMARY KEY,
	name               text,
	timezone           text NOT NULL DEFAULT 'UTC',
	default_locale     text NOT NULL DEFAULT 'en',
	channel_order      flowcomm.channel[] NOT NULL DEFAULT '{email,whatsapp,sms,messenger}',
	quiet_hours_start  time,
	quiet_hours_end    time,
	fallback_enabled   boolean NOT NULL DEFAULT true,
	created_at         timestamptz NOT NULL DEFAULT now(),
	updated_at         timestamptz NOT NULL DEFAULT now(),
	queue_quota        int CHECK (queue_quota >= 0),
	daily_send_limit   int CHECK (daily_send_limit >= 0),
	urgent_daily_allowance int NOT NULL DEFAULT 1000 CHECK (urgent_daily_allowance >= 0)
);
COMMENT ON TABLE flowcomm.business_setting IS 'Per-business defaults: timezone, locale, channel order for channel=auto, quiet hours, fallback; platform-set limits';
COMMENT ON COLUMN flowcomm.business_setting.queue_quota IS 'Platform-set: most messages this business may have pending in the queue (NULL: no quota); a send beyond it fails with 54000';
COMMENT ON COLUMN flowcomm.business_setting.daily_send_limit IS 'Platform-set: most messages this business may queue per day in its timezone (NULL: no limit); beyond it 54000';
COMMENT ON COLUMN flowcomm.business_setting.urgent_daily_allowance IS 'Platform-set: most urgent messages per day in the business''s timezone (urgent skips quiet hours); beyond it 42501';

CREATE TABLE flowcomm.communication_template (
	business_id          uuid NOT NULL,
	id                   uuid NOT NULL DEFAULT flowcomm.uuid_v7(),
	name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
	code                 text NOT NULL CHECK (code ~ '^[a-z0-9_]{1,100}$'),
	description          text,
	channel              flowcomm.channel NOT NULL,
	type                 flowcomm.communication_type NOT NULL,
	locale               text NOT NULL DEFAULT 'en' CHECK (locale ~ '^[a-z]{2}(-[A-Z]{2})?$'),
	subject_template     text CHECK (length(subject_template) <= 500),
	body_template        text NOT NULL,
	available_variables  text[] NOT NULL DEFAULT '{}',
	is_active            boolean NOT NULL DEFAULT true,
	created_by           text NOT NULL,
	updated_by           text,
	created_at           timestamptz NOT NULL DEFAULT now(),
	updated_at           timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (business_id, id),
	UNIQUE (business_id, code, channel, locale)
);
COMMENT ON TABLE flowcomm.communication_template IS 'A business''s own templates; one with the same code and channel overrides the system template';

-- ------------------------------------------------------------------ global tables

CREATE TABLE flowcomm.system_template (
	id                   uuid NOT NULL DEFAULT flowcomm.uuid_v7() PRIMARY KEY,
	name                 text NOT NULL,
	code                 text NOT NULL CHECK (code ~ '^[a-z0-9_]{1,100}$'),
	description          text,
	channel              flowcomm.channel NOT NULL,
	type                 flowcomm.communication_type NOT NULL,
	locale               text NOT NULL DEFAULT 'en' CHECK (locale ~ '^[a-z]{2}(-[A-Z]{2})?$'),
	subject_template     text,
	body_template        text NOT NULL,
	available_variables  text[] NOT NULL DEFAULT '{}',
	is_active            boolean NOT NULL DEFAULT true,
	shipped              boolean NOT NULL DEFAULT false,
	created_at           timestamptz NOT NULL DEFAULT now(),
	updated_at           timestamptz NOT NULL DEFAULT now(),
	UNIQUE (code, channel, locale)
);
COMMENT ON TABLE flowcomm.system_template IS 'Global templates shipped with flowcomm (templates/), readable by all, writable by admins';
COMMENT ON COLUMN flowcomm.system_template.shipped IS 'Installed by CREATE EXTENSION from templates/ (re-created on restore, so not dumped)';

CREATE TABLE flowcomm.default_provider_account (
	provider               flowcomm.provider NOT NULL PRIMARY KEY,
	sendgrid_api_key       text,
	from_email             text,
	from_name              text,
	twilio_account_sid     text CHECK (twilio_account_sid ~ '^AC[0-9a-fA-F]{32}$'),
	twilio_auth_token      text,
	sms_from               text CHECK (sms_from ~ '^\+[1-9][0-9]{6,14}$'),
	whatsapp_from          text CHECK (whatsapp_from ~ '^\+[1-9][0-9]{6,14}$'),
	messenger_page_id      text CHECK (messenger_page_id ~ '^[0-9]{1,32}$'),
	messaging_service_sid  text,
	rate_limits            jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(rate_limits) = 'object'),
	enabled                boolean NOT NULL DEFAULT true,
	created_at             timestamptz NOT NULL DEFAULT now(),
	updated_at             timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE flowcomm.default_provider_account IS 'The platform''s provider account used by businesses without their own (global, one row per provider)';

CREATE TABLE flowcomm.signing_key (
	key_id       text PRIMARY KEY CHECK (key_id ~ '^[A-Za-z0-9_-]{1,32}$'),
	purpose      text NOT NULL DEFAULT 'payment_link' CHECK (purpose IN ('payment_link')),
	secret       bytea NOT NULL CHECK (length(secret) >= 32),
	active       boolean NOT NULL DEFAULT true,
	created_at   timestamptz NOT NULL DEFAULT now(),
	retired_at   timestamptz
);
COMMENT ON TABLE flowcomm.signing_key IS 'HMAC keys for payment-link tokens; the newest active key signs, retired keys still verify until removed';

CREATE TABLE flowcomm.tenant_role (
	role_name    name NOT NULL,
	business_id  uuid NOT NULL,
	PRIMARY KEY (role_name, business_id)
);
COMMENT ON TABLE flowcomm.tenant_role IS 'Binds a database role to the businesses it may act for; a bound role can never select another business, whatever it sets';
