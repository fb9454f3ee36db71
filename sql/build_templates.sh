#!/bin/sh
# build_templates.sh — turn templates/*.tpl into INSERTs into
# flowcomm.system_template for the install script.  A .tpl file is a header of
# "key: value" lines (name, code, channel, type, locale, subject, variables,
# description), a line "---", then the body.  Dollar-quoting keeps bodies verbatim.
set -e
[ $# -eq 0 ] && exit 0
echo
echo "-- ==== templates/ ===="
for f in "$@"; do
	awk -v file="$f" '
	BEGIN { body = ""; inbody = 0 }
	inbody { body = body (nb++ ? "\n" : "") $0; next }
	/^---$/ { inbody = 1; nb = 0; next }
	{ i = index($0, ":"); k = substr($0, 1, i - 1); v = substr($0, i + 1); sub(/^ +/, "", v); h[k] = v }
	function q(s) { return "$tpl$" s "$tpl$" }
	END {
		if (h["code"] == "" || h["channel"] == "" || h["type"] == "") { print "bad template header in " file > "/dev/stderr"; exit 1 }
		vars = h["variables"]; gsub(/ /, "", vars)
		printf "INSERT INTO flowcomm.system_template (name, code, description, channel, type, locale, subject_template, body_template, available_variables, shipped) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, true)\n  ON CONFLICT (code, channel, locale) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description, type = EXCLUDED.type, subject_template = EXCLUDED.subject_template, body_template = EXCLUDED.body_template, available_variables = EXCLUDED.available_variables, shipped = true, updated_at = now()\n  WHERE (system_template.name, system_template.description, system_template.type, system_template.subject_template, system_template.body_template, system_template.available_variables, system_template.shipped) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.description, EXCLUDED.type, EXCLUDED.subject_template, EXCLUDED.body_template, EXCLUDED.available_variables, true);\n",
			q(h["name"]), q(h["code"]), q(h["description"]), q(h["channel"]), q(h["type"]), q(h["locale"] == "" ? "en" : h["locale"]),
			(h["subject"] == "" ? "NULL" : q(h["subject"])), q(body), "string_to_array(" q(vars) ", \x27,\x27)"
	}' "$f"
done
