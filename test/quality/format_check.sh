#!/bin/sh
# format_check.sh FILE... — `make format-check`: fails, listing the files and
# the first differences, when clang-format-14 (with the repository's
# .clang-format) would change any of the given files.  `make format` applies.
set -u
FC_QA_REPO=$(cd "$(dirname "$0")/../.." && pwd)
CF=${CLANG_FORMAT:-clang-format-14}
command -v "$CF" >/dev/null 2>&1 || { echo "format-check: $CF is missing (apt-get install clang-format-14)" >&2; exit 1; }
[ -f "$FC_QA_REPO/.clang-format" ] || { echo "format-check: no .clang-format" >&2; exit 1; }
[ $# -gt 0 ] || { echo "format-check: no files given" >&2; exit 1; }
cd "$FC_QA_REPO" || exit 1
bad=0
for f in "$@"; do
	if ! "$CF" --style=file --dry-run -Werror "$f" >/dev/null 2>&1; then
		bad=$((bad + 1))
		echo "format-check: $f differs from .clang-format:" >&2
		"$CF" --style=file "$f" | diff -u "$f" - | sed -n '3,14p' >&2
	fi
done
if [ "$bad" -gt 0 ]; then
	echo "format-check: FAILED: $bad of $# files need \`make format\`" >&2
	exit 1
fi
echo "format-check: OK ($# files)"
