-- setup.sql — the benchmark database: flowcomm, one business with its own
-- Sendgrid and Twilio accounts (pointing at the simulator through the
-- flowcomm.*_base_url settings of the cluster).  psql -v bid=UUID
CREATE EXTENSION IF NOT EXISTS flowcomm;
INSERT INTO flowcomm.business_setting (business_id, name) VALUES (:'bid', 'Bench shop')
ON CONFLICT DO NOTHING;
INSERT INTO flowcomm.provider_account (business_id, provider, sendgrid_api_key, from_email, from_name)
VALUES (:'bid', 'sendgrid', 'SG.bench-key', 'billing@shop.test', 'Bench Shop')
ON CONFLICT DO NOTHING;
INSERT INTO flowcomm.provider_account (business_id, provider, twilio_account_sid, twilio_auth_token,
                                       sms_from, whatsapp_from, messenger_page_id)
VALUES (:'bid', 'twilio', 'AC0123456789abcdef0123456789abcdef', 'bench-token', '+15005550006', '+14155238886', '1234567890')
ON CONFLICT DO NOTHING;
-- the pgbench ceiling of the send target (bench/flowcomm/ceiling.pgbench)
CREATE TABLE IF NOT EXISTS bench_ceiling (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                                          created_at timestamptz NOT NULL DEFAULT now(), payload jsonb NOT NULL);
