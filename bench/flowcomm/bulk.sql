-- bulk.sql — bulk enqueue of :n messages in ONE statement.  flowcomm has no
-- send_bulk(jsonb) on main yet, so this is flowcomm.send with a template per
-- row of generate_series inside one statement (one transaction, one commit).
SELECT count(flowcomm.send(jsonb_build_object('channel', 'sms', 'type', 'invoice', 'templateCode', 'invoice',
       'recipientName', 'Ana', 'recipientContact', '+1555' || lpad((i % 9000000 + 1000000)::text, 7, '0'),
       'templateVariables', jsonb_build_object('customerName', 'Ana', 'invoiceNumber', 'INV-' || i,
                                               'amount', 12.5, 'currency', 'USD', 'businessName', 'Shop'))))
  FROM generate_series(1, :n) i;
