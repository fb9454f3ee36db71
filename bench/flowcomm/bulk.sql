-- bulk.sql — bulk enqueue of :n messages in ONE call: flowcomm.send_bulk
-- with an array of :n SMS requests using the "invoice" template (rendered,
-- preference/suppression checked, one transaction, one commit).  The array
-- is built by the server first, so the timed call is the enqueue itself.
SELECT s ->> 'queued' AS queued
  FROM flowcomm.send_bulk((
	SELECT jsonb_agg(jsonb_build_object('channel', 'sms', 'type', 'invoice', 'templateCode', 'invoice',
		   'recipientName', 'Ana', 'recipientContact', '+1555' || lpad((i % 9000000 + 1000000)::text, 7, '0'),
		   'templateVariables', jsonb_build_object('customerName', 'Ana', 'invoiceNumber', 'INV-' || i,
												   'amount', 12.5, 'currency', 'USD', 'businessName', 'Shop')))
	  FROM generate_series(1, :n) i)) s;
