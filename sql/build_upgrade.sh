#!/bin/sh
# build_upgrade.sh FRAGMENT... — print the steps of an upgrade script.
#
# A fragment line
#   --@function flowcomm.history
# becomes the current definition of that function (every overload) taken
# from sql/src/*.sql, as CREATE OR REPLACE FUNCTION: an upgrade step names
# the functions it changes instead of keeping a second copy of their bodies,
# which would drift from sql/src.  Comments and grants stay in the fragment
# (CREATE OR REPLACE keeps those of an existing function).
set -e
src=$(cd "$(dirname "$0")" && pwd)/src
for f in "$@"; do
	echo
	echo "-- ==== $f ===="
	while IFS= read -r line; do
		case $line in
		'--@function '*)
			name=${line#--@function }
			echo "-- $name: as defined in sql/src"
			# A definition runs from "CREATE FUNCTION name(" to the first line
			# ending in ";" outside dollar quotes.
			awk -v name="$name" '
				!inblk && index($0, "CREATE FUNCTION " name "(") == 1 {
					inblk = 1; dollars = 0; found++
					sub(/^CREATE FUNCTION/, "CREATE OR REPLACE FUNCTION")
				}
				inblk {
					print
					dollars += gsub(/\$\$/, "$$")
					if ($0 ~ /;[ \t]*$/ && dollars % 2 == 0) inblk = 0
				}
				END { if (!found) { print "build_upgrade.sh: no CREATE FUNCTION " name "( in sql/src" > "/dev/stderr"; exit 1 } }
			' "$src"/*.sql
			;;
		*) printf '%s\n' "$line" ;;
		esac
	done <"$f"
done
