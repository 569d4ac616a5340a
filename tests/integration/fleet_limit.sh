# max-allocations-per-token = 2 across a fleet (two patched coturn nodes,
# one real redis-server): with two allocations of a token held, one on
# each node, a third is refused on either node (401, the reason in the
# log, the limit counter); once one ends (Refresh 0, then coturn closes
# the session) a new one passes; another token is not limited by the
# first.  Then the same on one node without Redis, where the limit holds
# node-locally.
. "$TOP_SRCDIR/tests/lib.sh"
. "$TOP_SRCDIR/tests/redis-lib.sh"
. "$TOP_SRCDIR/tests/fleet-lib.sh"

fleet_keys k1 || { not_ok "a key set"; finish; }
start_redis r || { not_ok "redis-server starts"; finish; }

# slots TOKEN: the members of the token's allocation set in Redis.
slots() {
	rcli "$REDIS_PORT" ZCARD "tpa:{${TOKEN_ID[$1]}}:alloc"
}
slots_are() {
	[ "$(slots "$1")" = "$2" ]
}

# ---- the fleet -----------------------------------------------------------
for n in a b; do
	start_node "$n" "redis = redis://127.0.0.1:$REDIS_PORT" \
		"max-allocations-per-token = 2" ||
		{ not_ok "node $n starts"; finish; }
done
issue t k1
issue u k1
check "one allocation of the token held at node A" hold h1 a t
check "a second one held at node B" hold h2 b t
check "Redis counts two slots of the token" slots_are t 2
alloc_ttl() {
	local ttl
	ttl=$(rcli "$REDIS_PORT" TTL "tpa:{${TOKEN_ID[t]}}:alloc")
	[ "$ttl" -gt 590 ] && [ "$ttl" -le 605 ]
}
check "the slots' key expires with the token" alloc_ttl
check "a third at A gets 401" refused "$T/third-a.out" a "$T/t.json"
check "a third at B gets 401" refused "$T/third-b.out" b "$T/t.json"
check "the log says why, with the token id" \
	log_has "$(node_log b)" "token ${TOKEN_ID[t]}: 2 live allocations in the fleet, max-allocations-per-token = 2"
check "each node counted one limit refusal" eval \
	'metric_is a "coturn_tpa_refused_total{reason=\"limit\"}" 1 &&
	 metric_is b "coturn_tpa_refused_total{reason=\"limit\"}" 1'
check "another token is not limited by this one" \
	allocates "$T/other.out" a "$T/u.json"
check "the held allocation at A ends (Refresh 0)" release h1
check "A gives its slot back to Redis" wait_for 10 slots_are t 1
check "then a new allocation of the token passes at B" \
	allocates "$T/again-b.out" b "$T/t.json"
check "the live-sessions gauge of B counts its one held session" \
	wait_for 10 metric_eq b coturn_tpa_sessions 1
check "the held allocation at B ends" release h2
check "every slot of the token is back" wait_for 10 slots_are t 0
stop_node a
stop_node b

# ---- one node, no Redis ----------------------------------------------------
start_node n "max-allocations-per-token = 2" ||
	{ not_ok "a node without Redis starts"; finish; }
check "without Redis the plugin says so" log_has "$(node_log n)" ", no Redis"
issue v k1
check "no Redis: one allocation held" hold n1 n v
check "no Redis: a second held" hold n2 n v
check "no Redis: a third gets 401" refused "$T/n-third.out" n "$T/v.json"
check "no Redis: the log says the limit is the node's" \
	log_has "$(node_log n)" "token ${TOKEN_ID[v]}: 2 live allocations on this node, max-allocations-per-token = 2"
check "no Redis: the limit refusal is counted" \
	metric_is n 'coturn_tpa_refused_total{reason="limit"}' 1
check "no Redis: one ends" release n1
check "no Redis: the gauge drops to one session" \
	wait_for 10 metric_eq n coturn_tpa_sessions 1
check "no Redis: then a new one passes" \
	allocates "$T/n-again.out" n "$T/v.json"
release n2 >/dev/null
stop_node n

check "no token, mac_key or browser username in any log" no_token_in_logs

finish
