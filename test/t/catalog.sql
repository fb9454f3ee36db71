-- catalog.sql — one line per object of the flowcomm and api schemas and of the
-- extension (definitions hashed), sorted: two databases whose outputs are equal
-- have the same flowcomm catalog.  Used by 81_upgrade.sh.
WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname IN ('flowcomm', 'api')),
acl AS (SELECT NULL::aclitem[] AS a)
SELECT line FROM (
  SELECT 'schema ' || nspname || ' acl=' || coalesce((SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(nspacl) x), '')
         || ' comment=' || coalesce(obj_description(oid, 'pg_namespace'), '') AS line
    FROM pg_namespace WHERE oid IN (SELECT oid FROM ns)
  UNION ALL
  SELECT 'function ' || p.oid::regprocedure || ' def=' || md5(CASE WHEN p.prokind = 'a' THEN '' ELSE pg_get_functiondef(p.oid) END)
         || ' acl=' || coalesce((SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(p.proacl) x), '')
         || ' comment=' || coalesce(md5(obj_description(p.oid, 'pg_proc')), '')
    FROM pg_proc p WHERE p.pronamespace IN (SELECT oid FROM ns)
  UNION ALL
  SELECT 'relation ' || c.oid::regclass || ' kind=' || c.relkind::text || ' rls=' || c.relrowsecurity || '/' || c.relforcerowsecurity
         || ' options=' || coalesce(c.reloptions::text, '')
         || ' acl=' || coalesce((SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(c.relacl) x), '')
         || ' comment=' || coalesce(obj_description(c.oid, 'pg_class'), '')
         || CASE WHEN c.relkind IN ('v', 'm') THEN ' view=' || md5(pg_get_viewdef(c.oid)) ELSE '' END
    FROM pg_class c WHERE c.relnamespace IN (SELECT oid FROM ns) AND c.relkind NOT IN ('i', 'I')
  UNION ALL
  SELECT 'column ' || c.oid::regclass || ' #' || row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum) || ' ' || a.attname
         || ' ' || format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
         || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '') || coalesce(' generated ' || nullif(a.attgenerated::text, ''), '')
         || ' acl=' || coalesce((SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(a.attacl) x), '')
         || ' comment=' || coalesce(col_description(c.oid, a.attnum), '')
    FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
   WHERE c.relnamespace IN (SELECT oid FROM ns) AND c.relkind NOT IN ('i', 'I', 'S')
  UNION ALL
  SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
    FROM pg_constraint WHERE connamespace IN (SELECT oid FROM ns) AND conrelid <> 0
  UNION ALL
  SELECT 'domain-constraint ' || contypid::regtype || ' ' || conname || ' ' || pg_get_constraintdef(oid)
    FROM pg_constraint WHERE connamespace IN (SELECT oid FROM ns) AND contypid <> 0
  UNION ALL
  SELECT 'index ' || pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relnamespace IN (SELECT oid FROM ns)
  UNION ALL
  SELECT 'trigger ' || pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace IN (SELECT oid FROM ns) AND NOT t.tgisinternal
  UNION ALL
  SELECT 'policy ' || schemaname || '.' || tablename || ' ' || policyname || ' ' || permissive || ' ' || cmd || ' '
         || array_to_string(ARRAY(SELECT unnest(roles) ORDER BY 1), ',') || ' using=' || coalesce(qual, '') || ' check=' || coalesce(with_check, '')
    FROM pg_policies WHERE schemaname IN ('flowcomm', 'api')
  UNION ALL
  SELECT 'type ' || t.oid::regtype || ' ' || t.typtype::text
         || coalesce(' labels=' || (SELECT string_agg(enumlabel::text, ',' ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = t.oid), '')
         || ' comment=' || coalesce(obj_description(t.oid, 'pg_type'), '')
    FROM pg_type t WHERE t.typnamespace IN (SELECT oid FROM ns) AND t.typtype IN ('e', 'd', 'c')
         AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind <> 'c')
  UNION ALL
  SELECT 'member ' || pg_describe_object(classid, objid, objsubid)
    FROM pg_depend WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
         AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'flowcomm')
  UNION ALL
  SELECT 'dumped ' || cfg::regclass || ' where=' || coalesce(cond, '')
    FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS u(cfg, cond) WHERE e.extname = 'flowcomm'
  UNION ALL
  SELECT 'shipped-template ' || code || '/' || channel || '/' || locale || ' ' || md5(concat_ws('|', name, description, type, subject_template, body_template, available_variables))
    FROM flowcomm.system_template WHERE shipped
) l ORDER BY line;
