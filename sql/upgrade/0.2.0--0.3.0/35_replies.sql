-- Replies (issues 16 and 17): inbound routing on a shared number goes to
-- every business in conversation with the sender (never the last writer);
-- a STOP suppresses the number on its channel and its waiting messages but
-- no longer opts the whole customer record out; HELP/INFO/AYUDA and the
-- Spanish BAJA/ALTA keywords; conversation threads.
DROP FUNCTION flowcomm.inbound_business(text, uuid[], boolean, flowcomm.channel, text, text);
--@function flowcomm.inbound_businesses
--@function flowcomm.inbound_keyword
--@function flowcomm.inbound_opt
--@function flowcomm.inbound_store
--@function flowcomm.twilio_inbound_apply
--@function flowcomm.conversation
--@function api.conversation
COMMENT ON FUNCTION flowcomm.inbound_businesses(text, uuid[], boolean, flowcomm.channel, text, text) IS 'Internal: businesses an inbound message is for: the own account owning the To number (several: each in conversation with the sender), else (default account) business_id in the URL, the request''s business, or every business on the shared account that wrote to the sender on that channel';
COMMENT ON FUNCTION flowcomm.inbound_keyword(text, text) IS 'opt_out for STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, BAJA; opt_in for START, UNSTOP, YES, ALTA; help for HELP, INFO, AYUDA (whole body without surrounding whitespace, any case, or Twilio''s OptOutType); else NULL';
COMMENT ON FUNCTION flowcomm.inbound_opt(uuid, text, flowcomm.channel, text, text, text) IS 'Internal: STOP → suppression (stop_keyword) of that number on that channel and its waiting messages suppressed; START → lift it (other suppressions untouched); preferences of other channels untouched';
COMMENT ON FUNCTION flowcomm.inbound_store(uuid, text, text, flowcomm.channel, text, text, text, text, jsonb) IS 'Internal: store one inbound message for one business (conversation entry linked to the last outbound message, media URLs kept) and apply its STOP/START for that business; NULL when already stored';
COMMENT ON FUNCTION flowcomm.twilio_inbound_apply(text, text[], text[], text) IS 'Internal: verify and store one inbound Twilio message for each business it is for (a shared number: every business in conversation with the sender); STOP/START keywords opt the number out or back in per business';
COMMENT ON FUNCTION flowcomm.conversation(text, jsonb) IS 'Two-way thread of the current business with one contact (phone, whatsapp:+..., messenger id or email): outbound and inbound messages oldest first (the newest "size", default 50, max 200; "before" pages back, "channel" narrows), each inbound entry linked to the outbound message it answers and with its media URLs; active suppressions of the contact; returns contact, entries, size, inbound, optedOut, nextBefore';
COMMENT ON FUNCTION api.conversation(text, text, text, text) IS 'GET /rpc/conversation?contact=: the two-way thread with one contact (channel, size, before)';
REVOKE EXECUTE ON FUNCTION flowcomm.inbound_businesses(text, uuid[], boolean, flowcomm.channel, text, text),
	flowcomm.inbound_store(uuid, text, text, flowcomm.channel, text, text, text, text, jsonb) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION flowcomm.conversation(text, jsonb), api.conversation(text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION flowcomm.conversation(text, jsonb), api.conversation(text, text, text, text) TO flowcomm_viewer;
