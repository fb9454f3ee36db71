-- 62_paylink_send.sql — send a payment link (seed 6.2): issue the signed,
-- expiring token for an invoice and send it by SMS or WhatsApp with the
-- payment_link template, in one call and one transaction.

CREATE FUNCTION flowcomm.send_payment_link(request jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid := require_business();
	link jsonb;
	ch text;
	msg jsonb;
	expires interval;
BEGIN
	PERFORM check_request(request, ARRAY['invoiceId', 'amount', 'currency', 'expiresIn', 'channel', 'recipientType',
		'recipientId', 'recipientName', 'recipientContact', 'locale', 'invoiceNumber', 'businessName',
		'customerName', 'idempotencyKey', 'priority']);
	ch := coalesce(req_enum(request, 'channel', ARRAY['sms', 'whatsapp', 'auto']), 'auto');
	IF jsonb_typeof(request -> 'amount') NOT IN ('number', 'string') OR (request ->> 'amount') !~ '^[0-9]+(\.[0-9]+)?$' THEN
		PERFORM invalid('amount', 'must be a positive number');
	END IF;
	IF req_text(request, 'invoiceNumber', 64) IS NULL THEN
		PERFORM invalid('invoiceNumber', 'is required (it is shown to the customer)');
	END IF;
	BEGIN
		expires := coalesce(req_text(request, 'expiresIn', 32), '7 days')::interval;
	EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow OR interval_field_overflow THEN
		PERFORM invalid('expiresIn', format('"%s" is not an interval such as 3 days', request ->> 'expiresIn'));
	END;
	-- A payment link goes by SMS or WhatsApp only: "auto" chooses between
	-- those two, never email or Messenger.
	IF ch = 'auto' THEN
		ch := choose_channel_among(b, coalesce(req_enum(request, 'recipientType', ARRAY['customer', 'supplier', 'user']), 'customer'),
								   req_uuid(request, 'recipientId'), 'payment_link', req_text(request, 'recipientContact', 255),
								   ARRAY['whatsapp', 'sms']);
	END IF;
	link := payment_link_issue(req_uuid(request, 'invoiceId'), (request ->> 'amount')::numeric,
							   req_text(request, 'currency', 8), expires);
	msg := send(jsonb_strip_nulls(jsonb_build_object(
		'channel', ch, 'type', 'payment_link',
		'recipientType', request ->> 'recipientType', 'recipientId', request ->> 'recipientId',
		'recipientName', request ->> 'recipientName', 'recipientContact', request ->> 'recipientContact',
		'templateCode', 'payment_link', 'locale', request ->> 'locale',
		'templateVariables', jsonb_strip_nulls(jsonb_build_object(
			'customerName', coalesce(request ->> 'customerName', request ->> 'recipientName', ''),
			'invoiceNumber', request ->> 'invoiceNumber', 'amount', (link ->> 'amount')::numeric,
			'currency', link ->> 'currency', 'paymentUrl', link ->> 'url', 'expiresAt', link ->> 'expiresAt',
			'businessName', coalesce(request ->> 'businessName',
									 (SELECT s.name FROM business_setting s WHERE s.business_id = b), ''))),
		'entityType', 'accountsReceivableInvoice', 'entityId', link ->> 'invoiceId',
		'idempotencyKey', request ->> 'idempotencyKey', 'priority', request ->> 'priority')));
	-- The token itself is not stored: the link is in the rendered message only.
	RETURN jsonb_build_object('paymentLink', link - 'token', 'message', msg);
END
$$;
COMMENT ON FUNCTION flowcomm.send_payment_link(jsonb) IS 'Issue a signed, expiring payment link for an invoice (invoiceId, amount, currency, expiresIn) and send it by SMS or WhatsApp (channel sms | whatsapp | auto) with the payment_link template; returns the link (url, expiresAt, keyId) and the queued message';

CREATE FUNCTION api.send_payment_link(jsonb) RETURNS jsonb
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$ SELECT flowcomm.send_payment_link($1) $$;
COMMENT ON FUNCTION api.send_payment_link(jsonb) IS 'POST /rpc/send_payment_link: issue and send a payment link';
REVOKE ALL ON FUNCTION flowcomm.send_payment_link(jsonb), api.send_payment_link(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION flowcomm.send_payment_link(jsonb), api.send_payment_link(jsonb) TO flowcomm_sender;
