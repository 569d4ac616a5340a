# Redis down from the start (nothing listens on its port): coturn starts
# all the same.  redis-failure = reject: tokens are refused (401), the log
# says Redis cannot answer and names the policy, at most one such line of
# ours per 10 s however many requests fail, the refusals and the Redis
# errors are counted; coturn keeps answering (STUN Binding).  allow:
# allocations go on, on the cryptography alone.  Then Redis comes up on
# that port and the plugin uses it without a restart.
. "$TOP_SRCDIR/tests/lib.sh"
. "$TOP_SRCDIR/tests/redis-lib.sh"
. "$TOP_SRCDIR/tests/fleet-lib.sh"

fleet_keys k1 || { not_ok "a key set"; finish; }
DEAD_PORT=$(free_port)
REDIS_URL=redis://127.0.0.1:$DEAD_PORT

start_node rej "redis = $REDIS_URL" "redis-failure = reject" ||
	{ not_ok "coturn starts with Redis down (reject)"; finish; }
ok "coturn starts with Redis down (reject)"
check "the start says Redis cannot answer and what that means" \
	grep -q "Redis cannot answer: reading the revoked kids: .*; redis-failure = reject: tokens are refused meanwhile" \
	"$(node_log rej)"
issue t k1
check "reject: a token is refused" refused "$T/rej1.out" rej "$T/t.json"
check "reject: the refusal says Redis cannot answer and names the policy" \
	grep -q "token ${TOKEN_ID[t]}: Redis cannot answer (.*); redis-failure = reject" \
	"$(node_log rej)"
for i in $(seq 9); do
	fprobe rej "$T/t.json" >"$T/rej-more.out" 2>&1
done
our_lines() {
	grep -c "auth plugin coturn-tpa: Redis cannot answer" "$(node_log rej)"
}
check "reject: ten refusals in a few seconds, at most two lines of Redis errors" \
	eval '[ "$(our_lines)" -le 2 ]'
check "reject: every refusal counted as redis_unavailable" \
	metric_is rej 'coturn_tpa_refused_total{reason="redis_unavailable"}' 10
redis_errors_counted() {
	local v
	v=$(metric rej coturn_tpa_redis_errors_total)
	[ -n "$v" ] && [ "$v" -ge 10 ]
}
check "reject: the Redis errors are counted" redis_errors_counted
check "reject: coturn answers STUN Binding meanwhile" \
	timeout 10 turnutils_stunclient -p "${NODE_PORT[rej]}" 127.0.0.1
check "reject: no session was let in" metric_is rej coturn_tpa_sessions 0

start_node all "redis = $REDIS_URL" "redis-failure = allow" \
	"redis-timeout-ms = 100" ||
	{ not_ok "coturn starts with Redis down (allow)"; finish; }
check "allow: the start says tokens are checked without Redis" \
	log_has "$(node_log all)" "redis-failure = allow: tokens are checked without Redis meanwhile"
check "allow: a token allocates" allocates "$T/all1.out" all "$T/t.json"
check "allow: ... again, from another address" \
	allocates "$T/all2.out" all "$T/t.json" --local-ip 127.0.0.2
issue bad k1
jq '.key = "AAAAAAAAAAAAAAAAAAAAAAAAAAA="' "$T/bad.json" >"$T/badkey.json"
check "allow: the cryptography still decides (a wrong key gets 401)" \
	refused "$T/all-bad.out" all "$T/badkey.json"

# Redis comes up where the nodes look for it
REDIS_PORT_WANTED=$DEAD_PORT start_redis r ||
	{ not_ok "redis-server starts on the dead port"; finish; }
allocates_rej() {
	allocates "$T/rej-up.out" rej "$T/t2.json"
}
issue t2 k1
check "reject: once Redis answers, tokens allocate again (no restart)" \
	wait_for 10 allocates_rej
check "... and Redis tracks them" \
	test "$(rcli "$REDIS_PORT" GET "tpa:{${TOKEN_ID[t2]}}:use")" = "ip 127.0.0.1"

finish
