# shellcheck shell=bash disable=SC2317 # functions run through check
# turn-token keys add / list / retire: each change writes a new file, mode
# 0600, owned as the old one, renamed over it; bad input changes nothing;
# readers never see half a set; two writers never lose a change.
# shellcheck source=tests/lib.sh
. "$TOP_SRCDIR/tests/lib.sh"

TT=$TOP_BUILDDIR/tool/turn-token
D=$T/keydir
chmod 0755 "$T" # nobody, too, must reach D (one check runs as nobody)
mkdir -p "$D"
K=$D/keys.json

# keys NAME WANT_RC ARGS...: runs turn-token keys with stdout in
# $T/NAME.out and stderr in $T/NAME.err; succeeds on exit status WANT_RC.
keys() {
	local name=$1 want=$2 rc
	shift 2
	"$TT" keys "$@" >"$T/$name.out" 2>"$T/$name.err"
	rc=$?
	[ "$rc" -eq "$want" ] && return 0
	echo "# keys $*: exit status $rc, expected $want; stderr:"
	sed 's/^/#   /' "$T/$name.err"
	return 1
}

# stat_of FILE: owner, group, mode and inode.
stat_of() { stat -c '%U:%G %a %i' "$1"; }
# kids FILE: the kids of the set, in order, on one line.
kids() { jq -r '[.keys[].kid] | join(" ")' "$1"; }
# key_of FILE KID: that key's JSON object, compact.
key_of() { jq -c --arg k "$2" '.keys[] | select(.kid == $k)' "$1"; }
# only_set_in DIR: the directory holds keys.json and nothing else (no
# temporary file was left behind).
only_set_in() { [ "$(ls -A "$1")" = keys.json ]; }

# unchanged NAME: the set is byte for byte and inode for inode what it
# was when "snap NAME" ran.
snap() { { sha256sum "$K" && stat_of "$K"; } >"$T/$1.snap"; }
unchanged() { diff <({ sha256sum "$K" && stat_of "$K"; }) "$T/$1.snap" >/dev/null; }

# --- add --create -----------------------------------------------------------
chown nobody:nogroup "$D"
check "add to a missing set without --create is an error" \
	keys nocreate 2 add --keys "$K" --kid a
check "... that says how to start one, and creates nothing" eval \
	'log_has "$T/nocreate.err" "turn-token: keys: $K: No such file or directory (--create starts a new set)" &&
	 [ -z "$(ls -A "$D")" ]'
check "add --create starts a set with one key" eval \
	'keys create 0 add --keys "$K" --create --kid a && [ "$(kids "$K")" = a ]'
check "add says what it did" log_has "$T/create.out" \
	"added key \"a\" to $K, which now holds 1 key"
check "a new set is mode 0600 and owned as its directory" \
	eval '[ "$(stat -c "%U:%G %a" "$K")" = "nobody:nogroup 600" ]'

# --- add ----------------------------------------------------------------
key_a=$(key_of "$K" a)
chmod 0644 "$K"
before=$(stat -c %i "$K")
check "add a second key" keys add 0 add --keys "$K" --kid b --alg A128GCM \
	--nbf 1796083200 --exp 1798761600
check "the set has both keys, the old one as it was" eval \
	'[ "$(kids "$K")" = "a b" ] && [ "$(key_of "$K" a)" = "$key_a" ]'
check "the new key is what was asked for" eval \
	'[ "$(key_of "$K" b | jq -c "[.alg, .use, .nbf, .exp, (.k | length)]")" = "[\"A128GCM\",\"enc\",1796083200,1798761600,22]" ]'
check "add wrote a new file (a new inode), not into the old one" \
	eval '[ "$(stat -c %i "$K")" != "$before" ]'
check "the new file is mode 0600 whatever the old one was, owner kept" \
	eval '[ "$(stat -c "%U:%G %a" "$K")" = "nobody:nogroup 600" ]'
check "add without --kid makes a date-based kid" eval \
	'keys add3 0 add --keys "$K" &&
	 kids "$K" | grep -Eq "^a b [0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9a-f]{4}$"'
check "no temporary file is left behind" only_set_in "$D"

# other members of the document stay
jq '.note = "kept" | .keys[0]["x-owner"] = "ops"' "$K" >"$T/members.json"
cp "$T/members.json" "$K"
check "members the tool does not know are kept" eval \
	'keys members 0 add --keys "$K" --kid c &&
	 [ "$(jq -r ".note, .keys[0][\"x-owner\"]" "$K" | tr "\n" " ")" = "kept ops " ]'

# --- list ---------------------------------------------------------------
check "list" keys list 0 list --keys "$K" --now 1797000000
check "list prints kid, alg, nbf, exp and state of each key" eval \
	'head -3 "$T/list.out" | diff - <(printf "%s\t%s\t%s\t%s\t%s\n" \
		kid alg nbf exp state \
		a A256GCM - - usable \
		b A128GCM 2026-12-01T00:00:00Z 2027-01-01T00:00:00Z usable) >/dev/null'
check "list judges keys at --now" eval \
	'keys list_late 0 list --keys "$K" --now 1798761600 &&
	 grep -q "^b	.*	expired$" "$T/list_late.out" &&
	 keys list_early 0 list --keys "$K" --now 1796083199 &&
	 grep -q "^b	.*	not yet valid$" "$T/list_early.out"'
mapfile -t secrets < <(jq -r '.keys[].k' "$K")
check "list never prints a key" eval \
	'no_secret_in "$T/list.out" "${secrets[@]}" &&
	 no_secret_in "$T/add.out" "${secrets[@]}" &&
	 no_secret_in "$T/add.err" "${secrets[@]}"'

# --- bad input changes nothing --------------------------------------------
snap good
check "add of a kid already in the set is an error" \
	keys dup 2 add --keys "$K" --kid b
check "... and changes nothing" unchanged good
check "retire of a kid not in the set is an error" \
	keys nokid 2 retire --keys "$K" --kid zz
check "... and changes nothing" unchanged good
check "a bad option value is an error" keys badalg 2 add --keys "$K" --alg A192GCM
check "... and changes nothing" unchanged good
check "list and retire refuse the options of add" eval \
	'keys stray1 2 list --keys "$K" --create &&
	 keys stray2 2 retire --keys "$K" --kid a --alg A128GCM'
check "... and change nothing" unchanged good

cp "$K" "$T/good.json"
printf '{"keys": [{"kty": "oct", "kid": "x"}]}\n' >"$K"
snap broken
check "a set the plugin would refuse is refused" keys broken 2 add --keys "$K"
check "... saying why, and what stays" log_has "$T/broken.err" \
	"turn-token: keys: $K: keys[0] (kid \"x\"): missing alg; not changed"
check "... and changes nothing" unchanged broken
cp "$T/good.json" "$K"

# --- retire -------------------------------------------------------------
key_b=$(key_of "$K" b)
check "retire removes exactly that key" eval \
	'keys retire 0 retire --keys "$K" --kid a &&
	 [ "$(kids "$K" | cut -d" " -f1)" = b ] && [ "$(key_of "$K" b)" = "$key_b" ] &&
	 [ -z "$(key_of "$K" a)" ]'
check "retire says what it did" log_has "$T/retire.out" "retired key \"a\" from $K"
n=$(jq '.keys | length' "$K")
for kid in $(kids "$K" | cut -d" " -f2-); do
	"$TT" keys retire --keys "$K" --kid "$kid" >/dev/null
done
snap last
check "retiring the last key is an error (a set cannot be empty)" \
	keys lastkey 2 retire --keys "$K" --kid b
check "... that says to add its successor first" log_has "$T/lastkey.err" \
	"add its successor first; not changed"
check "... and changes nothing" unchanged last
check "retiring the others left one key of $n" eval '[ "$(kids "$K")" = b ]'
check "no temporary file is left behind" only_set_in "$D"

# --- the file behind a symbolic link ---------------------------------------
ln -s "$K" "$T/link.json"
check "a set behind a symbolic link is changed where it is" eval \
	'keys link 0 add --keys "$T/link.json" --kid viaLink &&
	 [ -L "$T/link.json" ] && key_of "$K" viaLink | grep -q viaLink'

# --- a change that cannot keep the owner changes nothing ----------------------
# nobody owns the directory but not the file: the new file could not be
# given root's ownership, so nothing may change and nothing may stay.
chown root:root "$K"
chmod 0644 "$K"
snap owner
check "a user who cannot keep the file's owner gets an error" eval \
	'setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$TT" keys add --keys "$K" --kid d >"$T/owner.out" 2>"$T/owner.err";
	 [ $? -eq 2 ] && log_has "$T/owner.err" "cannot give the new file the old one'"'"'s owner"'
check "... and changes nothing, leaving no temporary file" eval \
	'unchanged owner && only_set_in "$D"'
chmod 0600 "$K"

# --- concurrent readers and writers ----------------------------------------
# A reader that loads the set in a loop (with the plugin's own loader,
# through keys list) while 30 add/retire rounds replace it: every read is
# a whole set.
touch "$T/rounds.go"
(
	for i in $(seq 30); do
		"$TT" keys add --keys "$K" --kid "r$i" >/dev/null || echo "add r$i failed"
		"$TT" keys retire --keys "$K" --kid "r$i" >/dev/null || echo "retire r$i failed"
	done
	rm -f "$T/rounds.go"
) >"$T/rounds.log" 2>&1 &
PIDS+=("$!")
reads=0
bad=0
while [ -e "$T/rounds.go" ]; do
	reads=$((reads + 1))
	"$TT" keys list --keys "$K" >/dev/null 2>>"$T/reader.err" || bad=$((bad + 1))
done
wait "${PIDS[-1]}"
echo "# $reads reads while the set was replaced 60 times, $bad bad"
check "the changes ran" eval '[ ! -s "$T/rounds.log" ] && [ "$reads" -gt 5 ]'
check "a reader never saw half a set" test "$bad" -eq 0

# Two writers adding 10 keys each at once: all 20 land.
writer() {
	local i
	for i in $(seq 10); do
		"$TT" keys add --keys "$K" --kid "$1$i" >/dev/null || echo "add $1$i failed"
	done
}
writer w >"$T/w.log" 2>&1 &
PIDS+=("$!")
writer v >"$T/v.log" 2>&1 &
PIDS+=("$!")
wait "${PIDS[-1]}" "${PIDS[-2]}"
check "two writers at once lose no change" eval \
	'[ ! -s "$T/w.log" ] && [ ! -s "$T/v.log" ] &&
	 [ "$(jq "[.keys[].kid | select(test(\"^[wv][0-9]+$\"))] | length" "$K")" -eq 20 ]'
check "no temporary file is left behind" only_set_in "$D"

finish
