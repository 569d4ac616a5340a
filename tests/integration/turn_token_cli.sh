# shellcheck shell=bash disable=SC2317 # functions run through check and eval
# turn-token, the command-line tool: keygen, issue and inspect, every
# specific inspect verdict, interoperation both ways with Debian's
# turnutils_oauth, and that the mac_key never shows up where it should not.
# shellcheck source=tests/lib.sh
. "$TOP_SRCDIR/tests/lib.sh"

TT=$TOP_BUILDDIR/tool/turn-token
SERVER=turn.example.org
NOW=$(date +%s)

if [ ! -x "$TT" ]; then
	not_ok "turn-token is built ($TT)"
	finish
fi

# runs NAME WANT_RC ARGS...: runs turn-token, keeping stdout in $T/NAME.out
# and stderr in $T/NAME.err; succeeds when the exit status is WANT_RC.
runs() {
	local name=$1 want=$2 rc
	shift 2
	"$TT" "$@" >"$T/$name.out" 2>"$T/$name.err"
	rc=$?
	[ "$rc" -eq "$want" ] && return 0
	echo "# $name: exit status $rc, expected $want; stderr:"
	sed 's/^/#   /' "$T/$name.err"
	return 1
}

# says NAME TEXT: $T/NAME.out has the fixed string TEXT.
says() {
	log_has "$T/$1.out" "$2" && return 0
	echo "# $1: no '$2' in:"
	sed 's/^/#   /' "$T/$1.out"
	return 1
}

# verdict NAME WANT_RC REASON ARGS...: inspect exits WANT_RC and its
# verdict line starts with REASON.
verdict() {
	local name=$1 want=$2 reason=$3
	shift 3
	runs "$name" "$want" inspect --keys "$T/keys.json" \
		--server-name "$SERVER" "$@" &&
		says "$name" "verdict:    $reason"
}

# b64_std B64URL: the same bytes in padded standard base64.
b64_std() {
	local s
	s=$(printf '%s' "$1" | tr '_-' '/+')
	while [ $((${#s} % 4)) -ne 0 ]; do s="$s="; done
	printf '%s\n' "$s"
}

# bytes_of B64: the decoded bytes as decimal numbers; b64_of N...: back.
bytes_of() { printf '%s' "$1" | base64 -d | od -An -v -tu1; }
b64_of() {
	local out="" v
	for v in "$@"; do out+=$(printf '\\x%02x' "$v"); done
	printf "$out" | base64 -w0
	echo
}
# xor_byte B64 INDEX MASK, set_byte B64 INDEX VALUE, cut_bytes B64 N
xor_byte() { local a; read -d "" -ra a <<<"$(bytes_of "$1")"; a[$2]=$((a[$2] ^ $3)); b64_of "${a[@]}"; }
set_byte() { local a; read -d "" -ra a <<<"$(bytes_of "$1")"; a[$2]=$3; b64_of "${a[@]}"; }
cut_bytes() { local a; read -d "" -ra a <<<"$(bytes_of "$1")"; b64_of "${a[@]:0:$2}"; }

# --- usage -----------------------------------------------------------------
check "--help exits 0" runs help 0 --help
check "--version exits 0" runs version 0 --version
check "each subcommand has --help" eval \
	'runs h1 0 keygen --help && runs h2 0 issue --help &&
	 runs h3 0 inspect --help'
check "no subcommand is a usage error" runs nosub 2
check "unknown subcommand is a usage error" runs badsub 2 frobnicate
check "unknown option is a usage error" runs badopt 2 keygen --frob
check "extra argument is a usage error" runs extra 2 keygen extra
check "errors start with turn-token:" log_has "$T/badopt.err" "turn-token: "
check "signed number refused" runs signed 2 keygen --nbf -5
check "number with space refused" runs space 2 keygen --exp " 5"
check "overflowing number refused" runs overflow 2 \
	keygen --exp 99999999999999999999999
check "inspect without a token is a usage error" runs notoken 2 \
	inspect --keys /dev/null --server-name x

# --- keygen ----------------------------------------------------------------
check "keygen --set" runs keygen 0 keygen --kid k1 --set
cp "$T/keygen.out" "$T/k1.json"
check "keygen prints a single JWK" runs keygen1 0 keygen --alg A128GCM
check "default kid is date-based" eval \
	"jq -e '.kid | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9a-f]{4}\$\")' \
	 '$T/keygen1.out' >/dev/null"
check "A128GCM key is 16 bytes" eval \
	"[ \"\$(jq -r .k '$T/keygen1.out' | wc -c)\" -eq 23 ]"
check "two keygens differ" eval \
	"runs keygen2 0 keygen --kid k1 --set &&
	 jq -e '.keys[0].k' '$T/keygen.out' '$T/keygen2.out' >/dev/null &&
	 ! cmp -s '$T/keygen.out' '$T/keygen2.out'"
# a set of four keys: k1 (A256GCM), k2 (A128GCM), and k3 usable for 100 s
"$TT" keygen --kid k2 --alg A128GCM >"$T/k2.jwk"
"$TT" keygen --kid k3 --nbf $((NOW - 100)) --exp $((NOW + 100)) >"$T/k3.jwk"
"$TT" keygen --kid old --nbf 1 --exp 2 >"$T/old.jwk" 2>/dev/null
jq -c --slurpfile a "$T/k2.jwk" --slurpfile b "$T/k3.jwk" \
	--slurpfile c "$T/old.jwk" '.keys += $a + $b + $c' "$T/k1.json" \
	>"$T/keys.json"
# a set that loads makes inspect give a verdict (1), not an error (2)
check "keygen --set output loads as a set" runs loads 1 inspect \
	--keys "$T/k1.json" --server-name "$SERVER" AAAA
check "a set of keygen keys loads" eval \
	"[ \"\$(jq '.keys | length' '$T/keys.json')\" -eq 4 ] &&
	 runs loads4 1 inspect --keys '$T/keys.json' --server-name x AAAA"
check "a broken key set is an error (2), reported by the loader" eval \
	"echo '{\"keys\":[{\"kty\":\"oct\"}]}' >'$T/bad.json' &&
	 runs badset 2 inspect --keys '$T/bad.json' --server-name x AAAA &&
	 log_has '$T/badset.err' 'turn-token: $T/bad.json'"

# --- issue -----------------------------------------------------------------
check "issue" runs issue 0 issue --keys "$T/keys.json" --kid k1 \
	--server-name "$SERVER" --lifetime 600
TOKEN=$(jq -r .access_token "$T/issue.out")
KEY=$(jq -r .key "$T/issue.out")
is_rfc7635_response() {
	jq -e '.token_type == "pop" and .expires_in == 600 and .kid == "k1" and
	 .alg == "HMAC-SHA-1" and (.access_token | length) == 88 and
	 (.key | length) == 28' "$T/issue.out" >/dev/null
}
check "issue response is RFC 7635 section 4" is_rfc7635_response
check "issue --mac-alg HMAC-SHA256" eval \
	"runs issue256 0 issue --keys '$T/keys.json' --kid k2 \
	 --server-name '$SERVER' --mac-alg HMAC-SHA256 &&
	 jq -e '.alg == \"HMAC-SHA-256-128\" and (.key | length) == 44' \
	 '$T/issue256.out' >/dev/null"
TOKEN256=$(jq -r .access_token "$T/issue256.out")
check "issue --field access_token prints the raw value" eval \
	"runs field 0 issue --keys '$T/keys.json' --kid k1 \
	 --server-name '$SERVER' --field access_token &&
	 grep -Eqx '[A-Za-z0-9+/]{86}==' '$T/field.out'"
check "issue refuses an unknown kid" eval \
	"runs issue_unknown 2 issue --keys '$T/keys.json' --kid nope \
	 --server-name '$SERVER' && log_has '$T/issue_unknown.err' nope"
check "issue refuses an expired key" eval \
	"runs issue_old 2 issue --keys '$T/keys.json' --kid old \
	 --server-name '$SERVER' && log_has '$T/issue_old.err' expired"
check "issue refuses a missing key file" runs issue_nofile 2 issue \
	--keys "$T/nope.json" --kid k1 --server-name "$SERVER"

# --- inspect: valid --------------------------------------------------------
check "issue -> inspect: valid" verdict valid 0 valid "$TOKEN"
check "inspect names the kid and mac key" eval \
	"says valid 'kid:        k1' &&
	 says valid 'mac key:    20 bytes, HMAC-SHA-1' &&
	 says valid 'lifetime:   600 s'"
check "inspect --kid: valid" verdict valid_kid 0 valid --kid k1 "$TOKEN"
check "inspect a SHA-256 token with an A128GCM key: valid" eval \
	"verdict valid256 0 valid '$TOKEN256' &&
	 says valid256 '32 bytes, HMAC-SHA-256-128'"
check "inspect reads stdin" eval \
	"echo '$TOKEN' | runs stdin 0 inspect --keys '$T/keys.json' \
	 --server-name '$SERVER' -"
check "inspect --token-file" eval \
	"echo '$TOKEN' >'$T/token.txt' && verdict tokfile 0 valid \
	 --token-file '$T/token.txt'"
check "inspect --json" eval \
	"runs json 0 inspect --keys '$T/keys.json' --server-name '$SERVER' \
	 --json '$TOKEN' && jq -e '.valid == true and .kid == \"k1\" and
	 .mac_key_len == 20 and .lifetime == 600 and .reason == null and
	 (has(\"key\") | not)' '$T/json.out' >/dev/null"

# --- inspect: every kind of invalid ----------------------------------------
TS=$(jq .timestamp "$T/json.out") # the token's own time, for --now
check "wrong server name: decrypt failed" verdict wrongname 1 \
	"INVALID: decrypt failed" --server-name other.example "$TOKEN"
check "tampered token: decrypt failed" verdict tampered 1 \
	"INVALID: decrypt failed" "$(xor_byte "$TOKEN" 32 1)"
check "tampered token with --kid: decrypt failed" verdict tampered_kid 1 \
	"INVALID: decrypt failed" --kid k1 "$(xor_byte "$TOKEN" 40 128)"
check "truncated token: its length, and that it does not authenticate" eval \
	"verdict truncated 1 'INVALID: decrypt failed with every key' \
	 '$(cut_bytes "$TOKEN" 60)' &&
	 says truncated 'token is 60 bytes, too short, and does not authenticate'"
check "nonce length" verdict noncelen 1 "INVALID: nonce length 13" \
	"$(set_byte "$TOKEN" 1 13)"
check "not base64" verdict notb64 1 "INVALID: not base64" 'AA!A'
check "expired (--timestamp in the past)" eval \
	"runs issue_past 0 issue --keys '$T/keys.json' --kid k1 \
	 --server-name '$SERVER' --timestamp $((NOW - 7200)) \
	 --field access_token &&
	 verdict expired 1 'INVALID: expired (since ' \"\$(cat '$T/issue_past.out')\""
check "--now in the future: expired" verdict future 1 \
	"INVALID: expired (since " --now $((TS + 100000)) "$TOKEN"
check "--now before the timestamp: not yet valid" verdict notyet 1 \
	"INVALID: not yet valid (starts " --now $((TS - 1000)) "$TOKEN"
check "skew is honoured" verdict skew 0 valid --now $((TS - 3)) "$TOKEN"
check "--skew 0: one second early is not yet valid" verdict noskew 1 \
	"INVALID: not yet valid" --skew 0 --now $((TS - 1)) "$TOKEN"
check "unknown kid" verdict unknownkid 1 'INVALID: unknown kid "nope"' \
	--kid nope "$TOKEN"
check "key outside its nbf/exp" eval \
	"runs issue_k3 0 issue --keys '$T/keys.json' --kid k3 \
	 --server-name '$SERVER' --field access_token &&
	 verdict keyexp 1 'INVALID: key \"k3\" outside its nbf/exp' \
	 --now $((NOW + 200)) \"\$(cat '$T/issue_k3.out')\""
check "invalid --json has the reason" eval \
	"runs json_bad 1 inspect --keys '$T/keys.json' --server-name x \
	 --json '$TOKEN' && jq -e '.valid == false and
	 (.reason | startswith(\"decrypt failed\"))' '$T/json_bad.out' \
	 >/dev/null"

# --- interop with Debian's turnutils_oauth ---------------------------------
K1=$(b64_std "$(jq -r '.keys[0].k' "$T/keys.json")")
K2=$(b64_std "$(jq -r '.keys[1].k' "$T/keys.json")")
# decodes NAME KEY ALG TOKEN: turnutils_oauth says the token is valid
decodes() {
	turnutils_oauth -v -d -i "$SERVER" -j k1 -k "$2" -l 1 -m 4294967295 \
		-n "$3" -t "$4" >"$T/$1.out" 2>&1 &&
		says "$1" "Valid token"
}
check "turn-token issue -> turnutils_oauth -d: valid" \
	decodes oauth_d "$K1" A256GCM "$TOKEN"
check "turnutils_oauth sees a 20-byte mac key" says oauth_d \
	"mac key length: 20"
check "turnutils_oauth -d, HMAC-SHA256 token, A128GCM key" eval \
	"decodes oauth_d256 '$K2' A128GCM '$TOKEN256' &&
	 says oauth_d256 'mac key length: 32'"
# it ran, failed, and said why (not "Valid token")
oauth_refuses_name() {
	turnutils_oauth -d -i other -j k1 -k "$K1" -l 1 -m 4294967295 \
		-n A256GCM -t "$TOKEN" >"$T/oauth_wrongname.out" 2>&1
	[ $? -ne 0 ] && says oauth_wrongname "token integrity check failed" &&
		! grep -q 'Valid token' "$T/oauth_wrongname.out"
}
check "turnutils_oauth -d refuses a wrong server name" oauth_refuses_name

# encodes NAME KEY ALG MACKEY: a token from turnutils_oauth -e in $T/NAME.tok
encodes() {
	turnutils_oauth -e -i "$SERVER" -j k1 -k "$2" -l 1 -m 4294967295 \
		-n "$3" -p "$4" -r 900 >"$T/$1.out" 2>&1 &&
		sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p' "$T/$1.out" \
			>"$T/$1.tok" && [ -s "$T/$1.tok" ]
}
# no NUL bytes: turnutils_oauth cuts a mac key at the first one
MAC20=$(head -c 200 /dev/urandom | tr -d "\\000" | head -c 20 | base64)
MAC32=$(head -c 200 /dev/urandom | tr -d "\\000" | head -c 32 | base64)
check "turnutils_oauth -e -> turn-token inspect: valid" eval \
	"encodes oauth_e '$K1' A256GCM '$MAC20' &&
	 verdict inspect_e 0 valid --token-file '$T/oauth_e.tok' &&
	 says inspect_e 'mac key:    20 bytes' &&
	 says inspect_e 'lifetime:   900 s'"
check "turnutils_oauth -e (A128GCM, 32-byte mac key) -> inspect: valid" \
	eval "encodes oauth_e2 '$K2' A128GCM '$MAC32' &&
	 verdict inspect_e2 0 valid --kid k2 --token-file '$T/oauth_e2.tok' &&
	 says inspect_e2 'mac key:    32 bytes, HMAC-SHA-256-128'"
check "inspect --show-key gives turnutils_oauth's mac key back" eval \
	"verdict showkey 0 valid --show-key --token-file '$T/oauth_e.tok' &&
	 says showkey 'mac key b64: $MAC20'"

# --- the mac key never leaks -----------------------------------------------
# every output of issue and inspect so far, without --show-key, except the
# issue responses (whose "key" field carries it by design)
leaks() {
	local f
	# the outputs with a mac key's token in them are there to look in
	[ -n "$KEY" ] && [ -n "$MAC20" ] && [ -n "$MAC32" ] &&
		[ -s "$T/valid.out" ] && [ -s "$T/json.out" ] &&
		[ -s "$T/inspect_e.out" ] && [ -s "$T/inspect_e2.out" ] || {
		echo "# nothing to look in: an output or a mac key is missing"
		return 0
	}
	for f in "$T"/*.out "$T"/*.err; do
		case $(basename "$f") in
		issue.out | issue256.out | showkey.out | oauth_*.out) continue ;;
		esac
		if grep -qF -e "$KEY" -e "$MAC20" -e "$MAC32" "$f"; then
			echo "# mac key in $f"
			return 0
		fi
	done
	return 1
}
check "issue prints the mac key only in key and ice_server.credential" eval \
	"[ \"\$(grep -cF '$KEY' '$T/issue.out')\" -eq 2 ] &&
	 grep -qF '\"key\": \"$KEY\"' '$T/issue.out' &&
	 grep -qF '\"credential\": \"$KEY\"' '$T/issue.out'"
check "no other output of issue or inspect has a mac key" eval '! leaks'
check "--json does not print the mac key either" eval \
	"runs json_e 0 inspect --keys '$T/keys.json' --server-name '$SERVER' \
	 --json --token-file '$T/oauth_e.tok' &&
	 jq -e '.valid == true and .mac_key_len == 20' '$T/json_e.out' >/dev/null &&
	 ! grep -qF '$MAC20' '$T/json_e.out'"
check "--field key prints just the key" eval \
	"runs fieldkey 0 issue --keys '$T/keys.json' --kid k1 \
	 --server-name '$SERVER' --field key &&
	 grep -Eqx '[A-Za-z0-9+/]{27}=' '$T/fieldkey.out'"

finish
