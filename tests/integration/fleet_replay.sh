# Replay tracking across a fleet: two patched coturn nodes with the plugin
# and one real redis-server on loopback.  replay-binding ip: a token used
# from 127.0.0.1 at node A is refused from 127.0.0.2 at node B (401, the
# log names the token id and both addresses, the replay counter moves)
# and still works from 127.0.0.1 at B.  5-tuple: a second allocation of
# the token is refused on either node; a retransmitted Allocate and a
# Refresh from the bound address pass, and so does a new Allocate after
# Refresh 0 from it.  off: everything passes.  Every key carries an
# expiry at the token's end plus the skew.
. "$TOP_SRCDIR/tests/lib.sh"
. "$TOP_SRCDIR/tests/redis-lib.sh"
. "$TOP_SRCDIR/tests/fleet-lib.sh"

SKEW=5
fleet_keys k1 || { not_ok "a key set"; finish; }
start_redis r || { not_ok "redis-server starts"; finish; }

# start_fleet BINDING: nodes a and b on the Redis with replay-binding.
start_fleet() {
	local b
	for b in a b; do
		start_node "$b" "redis = redis://127.0.0.1:$REDIS_PORT" \
			"replay-binding = $1" "clock-skew = $SKEW" ||
			return 1
	done
}

stop_fleet() {
	stop_node a
	stop_node b
}

# expires_with_token NAME: each key of the token has a TTL of about its
# lifetime (600 s) plus the skew.
expires_with_token() {
	local k ttl n=0
	for k in $(rcli "$REDIS_PORT" --scan --pattern "tpa:{${TOKEN_ID[$1]}}:*"); do
		ttl=$(rcli "$REDIS_PORT" TTL "$k")
		n=$((n + 1))
		if [ "$ttl" -lt 590 ] || [ "$ttl" -gt $((600 + SKEW)) ]; then
			echo "# $k: TTL $ttl"
			return 1
		fi
	done
	[ "$n" -ge 1 ]
}

# ---- ip ----------------------------------------------------------------
start_fleet ip || { not_ok "two nodes start on one Redis (ip)"; finish; }
issue t1 k1
check "ip: the token allocates from 127.0.0.1 at node A" \
	allocates "$T/ip-a.out" a "$T/t1.json" --local-ip 127.0.0.1
check "ip: the same token from 127.0.0.2 at node B gets 401" \
	refused "$T/ip-b.out" b "$T/t1.json" --local-ip 127.0.0.2
check "ip: B's log names the token id and both addresses" \
	log_has "$(node_log b)" "token ${TOKEN_ID[t1]}: replay: bound to 127.0.0.1, used from 127.0.0.2 (replay-binding ip)"
check "ip: B counted one replay" \
	metric_is b 'coturn_tpa_refused_total{reason="replay"}' 1
check "ip: ... and A none" \
	metric_is a 'coturn_tpa_refused_total{reason="replay"}' 0
check "ip: the token still allocates from 127.0.0.1 at node B" \
	allocates "$T/ip-b2.out" b "$T/t1.json" --local-ip 127.0.0.1
check "ip: Redis holds the binding, never the token" \
	test "$(rcli "$REDIS_PORT" GET "tpa:{${TOKEN_ID[t1]}}:use")" = "ip 127.0.0.1"
check "ip: the token's keys expire with it (lifetime + skew)" \
	expires_with_token t1
# only_our_keys: every key is a token id's (16 hex, SHA-256 of the
# token) or the revoked kids; no token anywhere in a name or value
only_our_keys() {
	local k tok
	tok=$(jq -r .access_token "$T/t1.json")
	for k in $(rcli "$REDIS_PORT" --scan --pattern '*'); do
		printf '%s\n' "$k" | grep -Eq \
			'^tpa:(\{[0-9a-f]{16}\}:(use|alloc|revoked)|revoked-kids)$' ||
			{ echo "# a key not of ours: $k"; return 1; }
		[ "$(rcli "$REDIS_PORT" TYPE "$k")" != string ] ||
			! rcli "$REDIS_PORT" GET "$k" | grep -qF "${tok:0:16}" ||
			{ echo "# a token in $k"; return 1; }
	done
}
check "ip: Redis names keys by token id and holds no token" only_our_keys
issue t1b k1
check "ip: another token is not bound by the first one's use" \
	allocates "$T/ip-other.out" b "$T/t1b.json" --local-ip 127.0.0.2
stop_fleet

# ---- 5-tuple -----------------------------------------------------------
start_fleet 5-tuple || { not_ok "two nodes start (5-tuple)"; finish; }
issue t2 k1
LPORT=$(free_port)
"$FLEET_CLIENT" retransmit "${NODE_PORT[a]}" 127.0.0.1 "$LPORT" \
	"$T/t2.json" >"$T/5t-first.out" 2>&1
sed 's/^/# /' "$T/5t-first.out"
check "5-tuple: the token allocates from 127.0.0.1:$LPORT at A" \
	grep -q '^allocated$' "$T/5t-first.out"
check "5-tuple: a retransmitted Allocate gets its success response" \
	grep -q '^retransmit ok$' "$T/5t-first.out"
check "5-tuple: a Refresh from the bound address passes" \
	grep -q '^refresh ok$' "$T/5t-first.out"
check "5-tuple: Refresh 0 deletes the allocation" \
	grep -q '^deleted$' "$T/5t-first.out"
check "5-tuple: Redis binds the token to the transport and both addresses" \
	test "$(rcli "$REDIS_PORT" GET "tpa:{${TOKEN_ID[t2]}}:use")" = \
	"5t udp 127.0.0.1:$LPORT 127.0.0.1:${NODE_PORT[a]}"
check "5-tuple: a second allocation (another client port) at A gets 401" \
	refused "$T/5t-second-a.out" a "$T/t2.json" --local-ip 127.0.0.1
check "5-tuple: ... and at B" \
	refused "$T/5t-second-b.out" b "$T/t2.json" --local-ip 127.0.0.1
check "5-tuple: B's log says which 5-tuple the token is bound to" \
	grep -q "token ${TOKEN_ID[t2]}: replay: bound to udp 127.0.0.1:$LPORT 127.0.0.1:${NODE_PORT[a]}, used from udp 127.0.0.1:[0-9]* 127.0.0.1:${NODE_PORT[b]}" \
	"$(node_log b)"
# a new Allocate from the bound address once A has closed the session
# (coturn keeps a deleted allocation about a second: 437 meanwhile)
session_ended() {
	log_has "$(node_log a)" "of token ${TOKEN_ID[t2]} ended"
}
check "5-tuple: A closes the deleted session" wait_for 10 session_ended
check "5-tuple: a new Allocate after Refresh 0 from the bound address passes" \
	allocates "$T/5t-again.out" a "$T/t2.json" --local-ip 127.0.0.1 \
	--local-port "$LPORT"
check "5-tuple: ... without moving to another client address" \
	grep -q 'mismatch_retries=0' "$T/5t-again.out"
stop_fleet

# ---- off ---------------------------------------------------------------
start_fleet off || { not_ok "two nodes start (off)"; finish; }
issue t3 k1
check "off: the token allocates from 127.0.0.1 at A" \
	allocates "$T/off-a.out" a "$T/t3.json" --local-ip 127.0.0.1
check "off: ... from 127.0.0.2 at B" \
	allocates "$T/off-b.out" b "$T/t3.json" --local-ip 127.0.0.2
check "off: ... and from 127.0.0.3 at A" \
	allocates "$T/off-a3.out" a "$T/t3.json" --local-ip 127.0.0.3
check "off: no replay counted" \
	metric_is b 'coturn_tpa_refused_total{reason="replay"}' 0
check "off: the use is recorded as '*', with the token's expiry" \
	test "$(rcli "$REDIS_PORT" GET "tpa:{${TOKEN_ID[t3]}}:use")" = "*"
check "off: ... which the key carries" expires_with_token t3
stop_fleet

check "no token, mac_key or browser username in any log" no_token_in_logs

finish
