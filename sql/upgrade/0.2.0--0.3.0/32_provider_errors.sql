-- 32_provider_errors: provider errors, classified (issue 17).  The error
-- catalogue (C, src/provider_errors.c) read from SQL, the admin view over
-- it, the status-callback path that classifies an ErrorCode the same way
-- (retry sends again, suppress adds a suppression), and stats()
-- topFailureReasons (sql/src/46_provider_errors.sql).
--@function flowcomm.provider_error_catalog
--@function flowcomm.provider_error_lookup
COMMENT ON FUNCTION flowcomm.provider_error_catalog() IS 'The shipped provider error catalogue (src/provider_errors.c): provider, code (Twilio code, Sendgrid http_NNN, or the fallbacks 5xx and other), usual HTTP status, error_class (retry, permanent, suppress), title, plain-language reason, suppression_reason, provider reference URL';
COMMENT ON FUNCTION flowcomm.provider_error_lookup(text, text, int) IS 'The catalogue row that classifies a provider error, as the workers do: the code''s own row, else the provider''s 5xx row (HTTP 5xx or 408) or its other row (permanent)';

CREATE VIEW flowcomm.provider_error AS
	SELECT e.provider, e.code, e.http_status, e.error_class, e.title, e.reason, e.suppression_reason, e.reference
	  FROM flowcomm.provider_error_catalog() e;
COMMENT ON VIEW flowcomm.provider_error IS 'Provider error catalogue for admins: how each Twilio / Sendgrid error is handled (retry with backoff, permanent failure, failure and suppression of the contact on the channel) and why';

--@function flowcomm.retry_delay_seconds
COMMENT ON FUNCTION flowcomm.retry_delay_seconds(int) IS 'Internal: seconds flowcomm.retry_schedule waits after the given attempt (last entry repeats)';
--@function flowcomm.provider_error_requeue
COMMENT ON FUNCTION flowcomm.provider_error_requeue(flowcomm.communication, text, text, text, jsonb) IS 'Internal: a retry-class provider error reported after the message was accepted sends it again after flowcomm.retry_schedule''s backoff (queue pending, message queued, retry_scheduled event); false when no attempts are left';
--@function flowcomm.twilio_status_error
COMMENT ON FUNCTION flowcomm.twilio_status_error(flowcomm.communication, text, text, text[], text[], timestamptz) IS 'Internal: apply a failed/undelivered Twilio status callback with an ErrorCode by the provider error catalogue (retry: sent again while attempts remain; permanent: failed with code, message and reason; suppress: also suppress the number on the channel); false for a replay';
--@function flowcomm.failure_reasons
COMMENT ON FUNCTION flowcomm.failure_reasons(uuid, timestamptz, timestamptz, text) IS 'Internal: stats() topFailureReasons: per channel the five most frequent error codes of failed/bounced outbound messages in a range, with count, catalogue class and reason (or a sample message for flowcomm''s own codes)';
--@function flowcomm.twilio_status_event
COMMENT ON FUNCTION flowcomm.twilio_status_event(flowcomm.communication, text[], text[], timestamptz) IS 'Internal: apply one authenticated Twilio status callback to its message (status map, error classified by the provider error catalogue, price); false for a replay';
--@function flowcomm.stats
-- A START lifts a 21610 suppression too (Twilio lifted its own block).
--@function flowcomm.inbound_opt

REVOKE ALL ON FUNCTION flowcomm.provider_error_catalog(), flowcomm.provider_error_lookup(text, text, int),
	flowcomm.retry_delay_seconds(int),
	flowcomm.provider_error_requeue(flowcomm.communication, text, text, text, jsonb),
	flowcomm.twilio_status_error(flowcomm.communication, text, text, text[], text[], timestamptz),
	flowcomm.failure_reasons(uuid, timestamptz, timestamptz, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION flowcomm.provider_error_catalog(), flowcomm.provider_error_lookup(text, text, int)
	TO flowcomm_viewer, flowcomm_webhook;
GRANT SELECT ON flowcomm.provider_error TO flowcomm_viewer;
