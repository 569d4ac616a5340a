# Redis failing under a running node (one patched coturn with the plugin,
# a real redis-server), while a relay carries data to an echoing peer:
#   - paused (SIGSTOP) longer than redis-timeout-ms: a token is refused
#     with a timeout, coturn answers STUN Binding meanwhile, the relay goes
#     on; resumed (SIGCONT): tokens allocate again by themselves;
#   - killed: tokens refused (reject) with a line that says so, the relay
#     goes on; a node with allow keeps allocating;
#   - restarted empty on its port: the plugin reconnects and subscribes
#     again by itself within a few seconds, and a revocation then still
#     stops a relay.
# How long an authorization took while Redis was paused is printed.
. "$TOP_SRCDIR/tests/lib.sh"
. "$TOP_SRCDIR/tests/redis-lib.sh"
. "$TOP_SRCDIR/tests/fleet-lib.sh"

fleet_keys k1 || { not_ok "a key set"; finish; }
start_redis r || { not_ok "redis-server starts"; finish; }
REDIS_URL=redis://127.0.0.1:$REDIS_PORT
start_node rej "redis = $REDIS_URL" "redis-timeout-ms = 250" ||
	{ not_ok "a node starts (reject)"; finish; }
start_node all "redis = $REDIS_URL" "redis-failure = allow" \
	"redis-timeout-ms = 250" || { not_ok "a node starts (allow)"; finish; }
start_peer

stream() {
	"$FLEET_CLIENT" stream "${NODE_PORT[$2]}" 127.0.0.1 "$T/$3.json" \
		127.0.0.1 "$PEER_PORT" 90000 >"$T/$1.out" 2>&1 &
	PIDS+=("$!")
}
binding_answered() {
	timeout 10 turnutils_stunclient -p "${NODE_PORT[rej]}" 127.0.0.1 \
		>"$T/stun.out" 2>&1
}
n=0
# a_token_allocates NODE: a new token allocates at NODE
a_token_allocates() {
	n=$((n + 1))
	issue "new$n" k1 && allocates "$T/new$n.out" "$1" "$T/new$n.json"
}

issue s k1
stream live rej s
check "a relay carries data" wait_for 30 flowing live

# ---- paused ----------------------------------------------------------------
kill -STOP "${REDIS_PID_OF[r]}"
P0=$(now_ms)
issue p k1
check "paused: a token is refused" refused "$T/paused.out" rej "$T/p.json"
P1=$(now_ms)
echo "# paused: the refused client life (Allocate, 401, Allocate, 401) took $((P1 - P0)) ms; redis-timeout-ms = 250"
check "paused: the refusal says Redis did not answer in time (or is backing off)" \
	grep -Eq "token ${TOKEN_ID[p]}: Redis cannot answer \(.*(timed out|timeout|back-off|backing off).*\); redis-failure = reject" \
	"$(node_log rej)"
check "paused: coturn answers STUN Binding meanwhile" binding_answered
check "paused: the allow node allocates on the cryptography" \
	a_token_allocates all
check "paused: the live relay goes on" wait_for 10 flows_after live $(($(now_ms) + 300))
kill -CONT "${REDIS_PID_OF[r]}"
check "resumed: tokens allocate again by themselves" \
	wait_for 10 a_token_allocates rej

# ---- killed ------------------------------------------------------------------
stop_redis r
K0=$(now_ms)
issue k k1
check "killed: a token is refused" refused "$T/killed.out" rej "$T/k.json"
check "killed: the refusal says Redis cannot answer" \
	log_has "$(node_log rej)" "token ${TOKEN_ID[k]}: Redis cannot answer ("
check "killed: the allow node keeps allocating" a_token_allocates all
check "killed: the live relay goes on" \
	wait_for 10 flows_after live $((K0 + 1000))

# ---- restarted ---------------------------------------------------------------
restart_redis r || { not_ok "redis-server restarts on its port"; finish; }
check "restarted: tokens allocate again by themselves" \
	wait_for 10 a_token_allocates rej
resubscribed() {
	log_has "$(node_log rej)" "subscribed again to tpa:revoke: catching up with revocations"
}
check "restarted: the node subscribed again to the revocation channel" \
	wait_for 10 resubscribed
issue after k1
stream after rej after
check "restarted: a new relay carries data" wait_for 30 flowing after
R0=$(now_ms)
"$TURN_TOKEN" revoke --redis "$REDIS_URL" --token-file "$T/after.json" \
	>"$T/revoke.out" 2>&1
stopped_soon() {
	local last
	stopped after || return 1
	last=$(last_echo after)
	echo "# restarted: the revoked relay's last echo came $((last - R0)) ms after the revocation"
	[ $((last - R0)) -le 2000 ]
}
check "restarted: a revocation stops a relay within 2 s" \
	eval 'wait_for 10 stopped after && stopped_soon'
check "the first relay carried data all along" \
	wait_for 10 flows_after live $(($(now_ms) + 300))
check "no token, mac_key or browser username in any log" no_token_in_logs

finish
