# buildcopy.sh — sourced by coverage.sh and sanitize.sh.
#
# fc_build_copy DIR: copy this checkout's sources (tracked files plus untracked
# ones that .gitignore does not exclude; the whole tree minus build products
# outside git) into DIR, so an instrumented build never mixes with the objects
# of the working tree.  DIR should be a fresh directory inside a private
# parent: the checkout's sibling shared/ (test data the suite reads as
# $FC_REPO/../shared) is linked beside it.
fc_build_copy()
{
	src=$FC_QA_REPO
	mkdir -p "$1"
	if [ -d "$src/../shared" ] && [ ! -e "$1/../shared" ]; then
		ln -s "$(cd "$src/../shared" && pwd)" "$1/../shared"
	fi
	if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		(cd "$src" && git ls-files -co --exclude-standard | while IFS= read -r f; do
			[ -f "$f" ] && printf '%s\n' "$f"
		done | tar -cf - -T -) | tar -xf - -C "$1"
	else
		(cd "$src" && tar -cf - --exclude=./coverage --exclude='*.o' --exclude='*.so' \
			--exclude='*.bc' --exclude='*.gcda' --exclude='*.gcno' .) | tar -xf - -C "$1"
	fi
}
