-- 46_provider_errors.sql — provider errors, classified (issue 17): the
-- catalogue of Twilio and Sendgrid error codes, each mapped to retry,
-- permanent, or permanent and suppress the contact, with a plain-language
-- reason (docs/delivery.md, "Provider errors").
--
-- The catalogue is a C table (src/provider_errors.c): the delivery workers
-- classify every failed request with it without a query.  SQL reads the
-- same rows: the admin view flowcomm.provider_error, and
-- provider_error_lookup() for the status-callback path, so a code means
-- the same whether Twilio answered it at once or reported it later in a
-- status callback's ErrorCode.

CREATE FUNCTION flowcomm.provider_error_catalog(
		OUT provider text, OUT code text, OUT http_status int, OUT error_class text, OUT title text,
		OUT reason text, OUT suppression_reason text, OUT reference text)
RETURNS SETOF record
LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 40
AS 'MODULE_PATHNAME', 'flowcomm_provider_error_catalog';
COMMENT ON FUNCTION flowcomm.provider_error_catalog() IS 'The shipped provider error catalogue (src/provider_errors.c): provider, code (Twilio code, Sendgrid http_NNN, or the fallbacks 5xx and other), usual HTTP status, error_class (retry, permanent, suppress), title, plain-language reason, suppression_reason, provider reference URL';

CREATE FUNCTION flowcomm.provider_error_lookup(p_provider text, p_code text, p_http_status int DEFAULT NULL,
		OUT provider text, OUT code text, OUT http_status int, OUT error_class text, OUT title text,
		OUT reason text, OUT suppression_reason text, OUT reference text)
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'flowcomm_provider_error_lookup';
COMMENT ON FUNCTION flowcomm.provider_error_lookup(text, text, int) IS 'The catalogue row that classifies a provider error, as the workers do: the code''s own row, else the provider''s 5xx row (HTTP 5xx or 408) or its other row (permanent)';

CREATE VIEW flowcomm.provider_error AS
	SELECT e.provider, e.code, e.http_status, e.error_class, e.title, e.reason, e.suppression_reason, e.reference
	  FROM flowcomm.provider_error_catalog() e;
COMMENT ON VIEW flowcomm.provider_error IS 'Provider error catalogue for admins: how each Twilio / Sendgrid error is handled (retry with backoff, permanent failure, failure and suppression of the contact on the channel) and why';

-- retry_delay_seconds: flowcomm.retry_schedule's delay after an attempt (the
-- last entry repeats), as the workers use it (without their jitter).
CREATE FUNCTION flowcomm.retry_delay_seconds(p_attempt int) RETURNS int
LANGUAGE sql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
	SELECT s[least(greatest(p_attempt, 1), cardinality(s))]
	  FROM (SELECT string_to_array(replace(coalesce(nullif(current_setting('flowcomm.retry_schedule', true), ''),
														'60,300,900,3600'), ' ', ''), ',')::int[] AS s) x
$$;
COMMENT ON FUNCTION flowcomm.retry_delay_seconds(int) IS 'Internal: seconds flowcomm.retry_schedule waits after the given attempt (last entry repeats)';

-- provider_error_requeue: a retry-class error reported after the provider
-- accepted the message (a status callback's ErrorCode, e.g. 30003 handset
-- unreachable) sends the message again, like the worker's own retries:
-- the completed queue row goes back to pending after the backoff, the
-- message to queued.  False when its attempts are used up (or it has no
-- queue row): then it fails.  A replayed callback finds the queue row no
-- longer completed and fails to apply by its dedupe key: a no-op.
CREATE FUNCTION flowcomm.provider_error_requeue(c flowcomm.communication, p_code text, p_detail text,
		p_dedupe text, p_payload jsonb)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	q communication_queue;
	next_at timestamptz;
BEGIN
	IF c.status NOT IN ('queued', 'sending', 'sent') THEN
		RETURN false;
	END IF;
	SELECT * INTO q FROM communication_queue x
	 WHERE x.business_id = c.business_id AND x.communication_id = c.id AND x.status = 'completed'
	   AND x.attempts < x.max_attempts
	 FOR UPDATE;
	IF NOT FOUND THEN
		RETURN false;
	END IF;
	next_at := now() + make_interval(secs => retry_delay_seconds(q.attempts));
	INSERT INTO communication_event (business_id, communication_id, event, status, attempt, source, dedupe_key,
									 detail, payload)
	VALUES (c.business_id, c.id, 'retry_scheduled', 'queued', q.attempts, 'twilio', p_dedupe, left(p_detail, 500),
			p_payload || jsonb_build_object('error_code', p_code, 'next_attempt_at', next_at))
	ON CONFLICT (business_id, communication_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING;
	IF NOT FOUND THEN
		RETURN true;
	END IF;
	UPDATE communication_queue x
	   SET status = 'pending', scheduled_at = next_at, completed_at = NULL, last_error = left(p_detail, 1000),
		   updated_at = now()
	 WHERE x.business_id = q.business_id AND x.id = q.id;
	UPDATE communication m
	   SET status = 'queued', retry_count = q.attempts, next_retry_at = next_at, error_code = left(p_code, 64),
		   error_message = left(p_detail, 1000), updated_at = now()
	 WHERE m.business_id = c.business_id AND m.id = c.id;
	PERFORM wake_workers();
	RETURN true;
END
$$;
COMMENT ON FUNCTION flowcomm.provider_error_requeue(flowcomm.communication, text, text, text, jsonb) IS 'Internal: a retry-class provider error reported after the message was accepted sends it again after flowcomm.retry_schedule''s backoff (queue pending, message queued, retry_scheduled event); false when no attempts are left';

-- twilio_status_error: a failed/undelivered status callback with an
-- ErrorCode, classified by the catalogue: retry → sent again while
-- attempts remain; permanent → failed with the code, Twilio's message and
-- the reason; suppress → also a suppression of the number on the
-- message's channel (21610: provider_unsubscribed, like a STOP reply).
CREATE FUNCTION flowcomm.twilio_status_error(c flowcomm.communication, raw_status text, err text, names text[],
		vals text[], p_occurred timestamptz)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	e record := provider_error_lookup('twilio', left(err, 64));
	pmsg text := left(twilio_param(names, vals, 'ErrorMessage'), 500);
	detail text;
	payload jsonb;
	dedupe text := c.provider_message_id || ':' || raw_status;
	applied boolean;
BEGIN
	detail := format('twilio %s (%s): %s - %s', left(err, 64), raw_status, coalesce(pmsg, e.title), e.reason);
	payload := twilio_params_json(names, vals) || jsonb_strip_nulls(jsonb_build_object('error_class', e.error_class,
		'reason', e.reason, 'provider_code', left(err, 64), 'provider_message', pmsg));
	IF e.error_class = 'retry' THEN
		IF provider_error_requeue(c, left(err, 64), detail, dedupe, payload) THEN
			RETURN true;
		END IF;
		detail := detail || '; no attempt left, so the message failed';
	END IF;
	applied := apply_provider_event(c, 'twilio_' || raw_status, 'failed', p_occurred, 'twilio', dedupe, payload,
									err, detail);
	IF applied AND e.error_class = 'suppress' AND c.direction = 'outbound' THEN
		PERFORM suppress(c.business_id, c.channel, c.recipient_contact, e.suppression_reason, 'twilio', detail);
	END IF;
	RETURN applied;
END
$$;
COMMENT ON FUNCTION flowcomm.twilio_status_error(flowcomm.communication, text, text, text[], text[], timestamptz) IS 'Internal: apply a failed/undelivered Twilio status callback with an ErrorCode by the provider error catalogue (retry: sent again while attempts remain; permanent: failed with code, message and reason; suppress: also suppress the number on the channel); false for a replay';

-- failure_reasons: stats() "topFailureReasons": per channel, the five most
-- frequent error codes of failed and bounced messages with their class and
-- reason from the catalogue (codes of flowcomm's own, such as no_account or
-- timeout, carry one of their messages instead).  Failed messages are a
-- small part of a month, so the heap reads for error_code stay few.
CREATE FUNCTION flowcomm.failure_reasons(b uuid, p_from timestamptz, p_to timestamptz, p_channel text)
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
	SELECT coalesce(jsonb_object_agg(channel, reasons), '{}')
	  FROM (SELECT channel, jsonb_agg(jsonb_strip_nulls(jsonb_build_object('code', code, 'count', n,
					'errorClass', error_class, 'reason', reason, 'message', CASE WHEN reason IS NULL THEN msg END))
					ORDER BY n DESC, code) AS reasons
			  FROM (SELECT g.channel, g.code, g.n, g.msg, e.error_class, e.reason,
						   row_number() OVER (PARTITION BY g.channel ORDER BY g.n DESC, g.code) AS rn
					  FROM (SELECT c.channel::text AS channel,
								   coalesce(c.provider::text, CASE WHEN c.channel = 'email' THEN 'sendgrid' ELSE 'twilio' END) AS prov,
								   coalesce(c.error_code, c.status::text) AS code, count(*) AS n,
								   left(min(c.error_message), 300) AS msg
							  FROM communication c
							 WHERE c.business_id = b AND c.created_at >= p_from AND c.created_at < p_to
							   AND c.direction = 'outbound' AND c.status IN ('failed', 'bounced')
							   AND (p_channel IS NULL OR c.channel = p_channel::channel)
							 GROUP BY 1, 2, 3) g
					  LEFT JOIN LATERAL (SELECT l.error_class, l.reason FROM provider_error_lookup(g.prov, g.code) l
										  WHERE g.code ~ '^([0-9]{5}|http_[0-9]{3})$') e ON true) x
			 WHERE rn <= 5
			 GROUP BY channel) y
$$;
COMMENT ON FUNCTION flowcomm.failure_reasons(uuid, timestamptz, timestamptz, text) IS 'Internal: stats() topFailureReasons: per channel the five most frequent error codes of failed/bounced outbound messages in a range, with count, catalogue class and reason (or a sample message for flowcomm''s own codes)';

REVOKE ALL ON FUNCTION flowcomm.retry_delay_seconds(int),
	flowcomm.provider_error_requeue(flowcomm.communication, text, text, text, jsonb),
	flowcomm.twilio_status_error(flowcomm.communication, text, text, text[], text[], timestamptz),
	flowcomm.failure_reasons(uuid, timestamptz, timestamptz, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION flowcomm.provider_error_catalog(), flowcomm.provider_error_lookup(text, text, int)
	TO flowcomm_viewer, flowcomm_webhook;
GRANT SELECT ON flowcomm.provider_error TO flowcomm_viewer;
