-- The smaller holes of issue 16, each closed as its class: scheduled times
-- capped on every entry point, header-bound fields without line breaks,
-- attachments the worker cannot send refused, send_bulk's template key,
-- resend's attachments checked, one answer for unknown Twilio accounts.
--@function flowcomm.req_scheduled_at
COMMENT ON FUNCTION flowcomm.req_scheduled_at(jsonb, text) IS 'Internal: a request''s scheduled time, refused (22023 naming the field) more than a year ahead';
--@function flowcomm.no_line_breaks
COMMENT ON FUNCTION flowcomm.no_line_breaks(text, text) IS 'Internal: a header-bound value, refused (22023 naming the field) when it contains CR or LF';
REVOKE ALL ON FUNCTION flowcomm.req_scheduled_at(jsonb, text), flowcomm.no_line_breaks(text, text) FROM PUBLIC;
--@function flowcomm.check_attachments
--@function flowcomm.build_message
--@function flowcomm.send
--@function flowcomm.resend
--@function flowcomm.bulk_fast_ok
--@function flowcomm.send_bulk
--@function flowcomm.twilio_verify
