-- 55_conversation.sql — two-way threads: a contact's messages in both
-- directions (issue 17, "Two-way: replies kept").
--
-- Inbound SMS / WhatsApp / Messenger messages are stored by
-- twilio_inbound_apply (50_webhooks.sql) as communication rows with
-- direction 'inbound', linked to the last outbound message to the sender
-- (original_communication_id), with their media URLs in metadata.media.
-- conversation() reads them back as one thread with the outbound messages
-- to the same address, through communication_contact_idx
-- (business_id, recipient_contact, created_at DESC, id DESC).

-- conversation: GET /rpc/conversation?contact=+1...&size=50&before=...
CREATE FUNCTION flowcomm.conversation(contact text, filters jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid := require_business();
	f jsonb := coalesce(filters, '{}');
	who text;
	ch text;
	lim int;
	before_ts timestamptz;
	entries jsonb;
BEGIN
	PERFORM check_request(f, ARRAY['channel', 'size', 'before'], 'filters');
	IF nullif(btrim(conversation.contact), '') IS NULL THEN
		PERFORM invalid('contact', 'is required');
	END IF;
	IF length(conversation.contact) > 255 THEN
		PERFORM invalid('contact', 'is longer than 255 characters');
	END IF;
	-- A Twilio address (whatsapp:+1..., messenger:123) names its bare contact.
	who := regexp_replace(btrim(conversation.contact), '^(whatsapp|messenger):', '', 'i');
	ch := req_enum(f, 'channel', enum_range(NULL::channel)::text[]);
	lim := coalesce(req_int(f, 'size', 1, 200), 50);
	before_ts := req_timestamptz(f, 'before');
	-- The newest lim entries, shown oldest first as a thread reads.
	SELECT coalesce(jsonb_agg(communication_json(t) - 'templateVariables' ORDER BY t.created_at, t.id), '[]')
	  INTO entries
	  FROM (SELECT m.* FROM communication m
			 WHERE m.business_id = b AND m.recipient_contact = who
			   AND (ch IS NULL OR m.channel = ch::channel)
			   AND (before_ts IS NULL OR m.created_at < before_ts)
			 ORDER BY m.created_at DESC, m.id DESC LIMIT lim) t;
	RETURN jsonb_build_object(
		'contact', who,
		'entries', entries,
		'size', lim,
		'inbound', (SELECT count(*) FROM jsonb_array_elements(entries) e WHERE e ->> 'direction' = 'inbound'),
		'optedOut', (SELECT coalesce(jsonb_agg(jsonb_build_object('channel', s.channel, 'reason', s.reason,
																  'since', s.created_at) ORDER BY s.channel), '[]')
					   FROM suppression s
					  WHERE s.business_id = b AND lower(s.contact) = lower(who) AND s.lifted_at IS NULL),
		'nextBefore', CASE WHEN jsonb_array_length(entries) = lim THEN entries -> 0 -> 'createdAt' END);
END
$$;
COMMENT ON FUNCTION flowcomm.conversation(text, jsonb) IS 'Two-way thread of the current business with one contact (phone, whatsapp:+..., messenger id or email): outbound and inbound messages oldest first (the newest "size", default 50, max 200; "before" pages back, "channel" narrows), each inbound entry linked to the outbound message it answers and with its media URLs; active suppressions of the contact; returns contact, entries, size, inbound, optedOut, nextBefore';

-- api.conversation: PostgREST GET /rpc/conversation?contact=%2B14155550101
CREATE FUNCTION api.conversation(contact text, channel text DEFAULT NULL, size text DEFAULT NULL,
								 before text DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT flowcomm.conversation(contact, jsonb_strip_nulls(jsonb_build_object(
		'channel', channel, 'size', CASE WHEN size ~ '^[0-9]{1,9}$' THEN to_jsonb(size::int) ELSE to_jsonb(size) END,
		'before', before)))
$$;
COMMENT ON FUNCTION api.conversation(text, text, text, text) IS 'GET /rpc/conversation?contact=: the two-way thread with one contact (channel, size, before)';

REVOKE EXECUTE ON FUNCTION flowcomm.conversation(text, jsonb), api.conversation(text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION flowcomm.conversation(text, jsonb), api.conversation(text, text, text, text) TO flowcomm_viewer;
