-- send_payment_link: a signed link for an invoice, sent with the
-- payment_link template; the link verifies; bad input writes nothing.
\set VERBOSITY terse
SELECT flowcomm.signing_key_add('k-send-test') ->> 'keyId' AS key_added;
SET flowcomm.business_id = 'b0000000-0000-0000-0000-000000000062';
SELECT r -> 'message' ->> 'status' AS status, r -> 'message' -> 'communication' ->> 'channel' AS channel,
	   r -> 'paymentLink' ->> 'amount' AS amount, r -> 'paymentLink' ->> 'currency' AS currency,
	   r -> 'paymentLink' ? 'token' AS token_returned,
	   r -> 'message' -> 'communication' ->> 'entityType' AS entity_type
  FROM flowcomm.send_payment_link('{"invoiceId": "1a000000-0000-0000-0000-000000000062", "amount": 1250.5, "currency": "mxn",
	"channel": "whatsapp", "recipientContact": "+5215512345678", "customerName": "Ana", "invoiceNumber": "F-62",
	"businessName": "Tienda", "locale": "es"}') r;
-- The message carries the URL, and the token in it verifies for that amount.
SELECT content ~ 'https://pay.flowpos.example/p/' AS has_link, content LIKE '%F-62%' AS has_invoice
  FROM flowcomm.communication WHERE business_id = 'b0000000-0000-0000-0000-000000000062';
SELECT v ->> 'valid' AS valid, v ->> 'amount' AS amount, v ->> 'invoiceId' AS invoice
  FROM flowcomm.communication c,
	   LATERAL flowcomm.payment_link_verify(substring(c.content FROM 'https://pay.flowpos.example/p/([A-Za-z0-9._~-]+)'), 1250.50) v
 WHERE c.business_id = 'b0000000-0000-0000-0000-000000000062';
SELECT flowcomm.send_payment_link('{"invoiceId": "1a000000-0000-0000-0000-000000000062", "amount": -1, "currency": "MXN", "recipientContact": "+5215512345678", "invoiceNumber": "F"}');
SELECT flowcomm.send_payment_link('{"invoiceId": "1a000000-0000-0000-0000-000000000062", "amount": 10, "currency": "XYZ", "recipientContact": "+5215512345678", "invoiceNumber": "F"}');
SELECT flowcomm.send_payment_link('{"invoiceId": "1a000000-0000-0000-0000-000000000062", "amount": 10, "currency": "MXN", "channel": "email", "invoiceNumber": "F"}');
SELECT flowcomm.send_payment_link('{"invoiceId": "1a000000-0000-0000-0000-000000000062", "amount": 10, "currency": "MXN", "recipientContact": "555", "channel": "sms", "invoiceNumber": "F"}');
SELECT flowcomm.send_payment_link('{"invoiceId": "1a000000-0000-0000-0000-000000000062", "amount": 10, "currency": "MXN", "recipientContact": "+5215512345678", "channel": "sms"}');
SELECT flowcomm.send_payment_link('{"invoiceId": "1a000000-0000-0000-0000-000000000062", "amount": 10, "currency": "MXN", "recipientContact": "+5215512345678", "channel": "sms", "invoiceNumber": "F", "expiresIn": "soon"}');
-- Through PostgREST's calling convention, as a sender.
SET ROLE flowcomm_sender;
SELECT r -> 'message' ->> 'status' AS status, r -> 'message' -> 'communication' ->> 'channel' AS channel
  FROM api.send_payment_link('{"invoiceId": "1a000000-0000-0000-0000-000000000063", "amount": 99, "currency": "USD",
	"channel": "sms", "recipientContact": "+14155550162", "customerName": "Bo", "invoiceNumber": "F-63", "businessName": "Tienda"}') r;
RESET ROLE;
SELECT count(*) AS messages FROM flowcomm.communication WHERE business_id = 'b0000000-0000-0000-0000-000000000062';
RESET flowcomm.business_id;
SELECT flowcomm.signing_key_retire('k-send-test') ->> 'keyId' AS retired;
