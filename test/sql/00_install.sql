-- Installing the extension creates its schema, tables and roles.
CREATE EXTENSION flowcomm;
SELECT c.relname, c.relrowsecurity
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'flowcomm' AND c.relkind = 'r'
 ORDER BY 1;
SELECT flowcomm.uuid_v7() < flowcomm.uuid_v7() AS ids_increase;
SELECT substr(flowcomm.uuid_v7()::text, 15, 1) AS version;
