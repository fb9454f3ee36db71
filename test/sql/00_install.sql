-- Installing the extension creates its schema, tables and roles.
CREATE EXTENSION flowcomm;
SELECT c.relname, c.relrowsecurity
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'flowcomm' AND c.relkind = 'r'
 ORDER BY 1;
SELECT flowcomm.uuid_v7() < flowcomm.uuid_v7() AS ids_increase;
SELECT substr(flowcomm.uuid_v7()::text, 15, 1) AS version;
-- uuid_v7_at gives the smallest id of an instant: ids made later sort after it.
SELECT flowcomm.uuid_v7_at(now() - interval '1 second') < flowcomm.uuid_v7() AS bound_before,
	   flowcomm.uuid_v7_at(now() + interval '1 minute') > flowcomm.uuid_v7() AS bound_after,
	   flowcomm.uuid_v7_at('2027-01-01 00:00:00+00') AS jan_2027;
