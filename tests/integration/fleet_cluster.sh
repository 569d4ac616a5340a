#!/bin/bash
# The fleet on Redis Cluster: two patched coturn nodes with the plugin
# configured with redis-cluster (the seeds), a three-master cluster made
# with redis-cli --cluster create on loopback, max-allocations-per-token
# = 2.  The fleet checks hold on the cluster: a token's ip binding across
# the nodes, the per-token limit across the nodes, a revocation that
# stops a token's relays on both nodes within 2 s.  Then the slot that
# holds a token's keys (tpa:{ID}:..., one hash tag: one slot) moves to
# another master while the token has a relay carrying data at A and an
# allocation held at B; once it has moved (the nodes learn it by MOVED),
# the binding and the limit still hold, answered by the new master, a
# slot given back is counted there, new allocations pass, and the
# token's revocation still stops its relay.
. "$TOP_SRCDIR/tests/lib.sh"
. "$TOP_SRCDIR/tests/redis-lib.sh"
. "$TOP_SRCDIR/tests/fleet-lib.sh"

STREAM_MS=120000

if start_cluster node 3; then
	ok "a cluster of three masters"
else
	not_ok "a cluster of three masters"
	finish
fi
fleet_keys k1 || { not_ok "a key set"; finish; }
for n in a b; do
	start_node "$n" "redis-cluster = $CLUSTER_SEEDS" \
		"max-allocations-per-token = 2" ||
		{ not_ok "node $n starts on the cluster"; finish; }
done
start_peer || { not_ok "an echoing peer"; finish; }

# key NAME SUFFIX: a key of token NAME; owner NAME: the port of the
# master serving its slot.
key() {
	echo "tpa:{${TOKEN_ID[$1]}}:$2"
}
owner() {
	slot_owner_port "$(slot_of "$(key "$1" use)")"
}
# binding_on PORT NAME: the master on PORT holds token NAME's ip binding.
binding_on() {
	[ "$(rcli "$1" GET "$(key "$2" use)")" = "ip 127.0.0.1" ]
}
# slots_on PORT NAME N: the master on PORT counts N slots of token NAME.
slots_on() {
	[ "$(rcli "$1" ZCARD "$(key "$2" alloc)")" = "$3" ]
}
refusals() { # refusals NODE REASON
	metric "$1" "coturn_tpa_refused_total{reason=\"$2\"}"
}

# ---- replay ----------------------------------------------------------
issue t k1
check "the token allocates from 127.0.0.1 at node A" \
	allocates "$T/t-a.out" a "$T/t.json" --local-ip 127.0.0.1
check "the same token from 127.0.0.2 at node B gets 401" \
	refused "$T/t-b.out" b "$T/t.json" --local-ip 127.0.0.2
check "B's log says replay, with both addresses" \
	log_has "$(node_log b)" "token ${TOKEN_ID[t]}: replay: bound to 127.0.0.1, used from 127.0.0.2 (replay-binding ip)"
check "B counted one replay" \
	metric_is b 'coturn_tpa_refused_total{reason="replay"}' 1
check "the master serving the token's slot holds the binding" \
	binding_on "$(owner t)" t

# ---- the limit ---------------------------------------------------------
issue l k1
check "one allocation of a token held at A" hold l1 a l
check "a second one held at B" hold l2 b l
check "the master serving its slot counts two slots" slots_on "$(owner l)" l 2
check "a third at A gets 401" refused "$T/l-third-a.out" a "$T/l.json"
check "a third at B gets 401" refused "$T/l-third-b.out" b "$T/l.json"
check "the log says why, with the token id" \
	log_has "$(node_log b)" "token ${TOKEN_ID[l]}: 2 live allocations in the fleet, max-allocations-per-token = 2"
check "each node counted one limit refusal" eval \
	'metric_is a "coturn_tpa_refused_total{reason=\"limit\"}" 1 &&
	 metric_is b "coturn_tpa_refused_total{reason=\"limit\"}" 1'
check "the allocation held at A ends" release l1
check "A gives its slot back" wait_for 10 slots_on "$(owner l)" l 1
check "then a new allocation of the token passes at B" \
	allocates "$T/l-again-b.out" b "$T/l.json"
release l2 >/dev/null

# ---- revocation ----------------------------------------------------------
issue r k1
issue o k1
stream ra a r
stream rb b r
stream oa a o
for s in ra rb oa; do
	check "relay $s carries data" wait_for 30 flowing "$s"
done
R0=$(now_ms)
"$TURN_TOKEN" revoke --config "$T/a.conf" --token-file - <"$T/r.json" \
	>"$T/revoke-r.out" 2>&1
sed 's/^/# /' "$T/revoke-r.out"
check "turn-token revoke through the Cluster config revoked the token" \
	grep -q "^revoked token ${TOKEN_ID[r]} until " "$T/revoke-r.out"
check "the token's relay at A stops within 2 s" \
	eval 'wait_for 10 stopped ra && stopped_within ra $R0 2000'
check "the token's relay at B stops within 2 s" \
	eval 'wait_for 10 stopped rb && stopped_within rb $R0 2000'
check "another token's relay goes on" wait_for 10 flows_after oa $((R0 + 2500))
check "the revoked token cannot allocate again" \
	refused "$T/r-again.out" b "$T/r.json"

# ---- a slot migration under a token in use ----------------------------------
issue m k1
stream ma a m
check "a relay of the token carries data at A" wait_for 30 flowing ma
check "an allocation of it held at B" hold mh b m
SLOT=$(slot_of "$(key m use)")
FROM=$(owner m)
TO=
for p in "${CLUSTER_PORTS[@]}"; do
	[ "$p" = "$FROM" ] || TO=$p
done
check "the token's slot $SLOT, on $FROM, holds its binding and two slots" \
	eval 'binding_on $FROM m && slots_on $FROM m 2'
MOVED0=$(errorstat "$FROM" MOVED)
REPLAYS=$(refusals b replay)
LIMITS=$(refusals a limit)
if slot_migration_begin "$SLOT" "$FROM" "$TO" &&
	slot_migration_end "$SLOT" "$FROM" "$TO" &&
	wait_for 10 slot_served_by "$SLOT" "$TO"; then
	ok "slot $SLOT migrated from $FROM to $TO, the token's keys with it"
else
	not_ok "slot $SLOT migrated from $FROM to $TO, the token's keys with it"
	finish
fi
check "the new master holds the binding and the two slots" \
	eval 'binding_on $TO m && slots_on $TO m 2'
check "moved: the token from 127.0.0.2 at B gets 401" \
	refused "$T/m-replay.out" b "$T/m.json" --local-ip 127.0.0.2
check "moved: ... as a replay (B counted one more)" \
	metric_is b 'coturn_tpa_refused_total{reason="replay"}' $((REPLAYS + 1))
check "moved: a third allocation at A gets 401" \
	refused "$T/m-third.out" a "$T/m.json" --local-ip 127.0.0.1
check "moved: ... for the limit (A counted one more)" \
	metric_is a 'coturn_tpa_refused_total{reason="limit"}' $((LIMITS + 1))
check "moved: the nodes were sent on by MOVED from the old master" \
	test "$(errorstat "$FROM" MOVED)" -gt "$MOVED0"
check "moved: the token's relay carried data through the migration" \
	wait_for 10 flows_after ma $(($(now_ms) + 300))
check "moved: the allocation held at B ends" release mh
check "moved: B gives its slot back on the new master" \
	wait_for 10 slots_on "$TO" m 1
check "moved: then a new allocation of the token passes at B" \
	allocates "$T/m-again.out" b "$T/m.json" --local-ip 127.0.0.1
issue n k1
check "moved: a new token allocates at A" \
	allocates "$T/n-a.out" a "$T/n.json"
check "moved: no token refused for Redis being unavailable, on either node" \
	eval 'test "$(refusals a redis_unavailable)" = 0 &&
	      test "$(refusals b redis_unavailable)" = 0'
M0=$(now_ms)
"$TURN_TOKEN" revoke --config "$T/b.conf" --token-file - <"$T/m.json" \
	>"$T/revoke-m.out" 2>&1
check "moved: the token's revocation is on the new master" \
	test "$(rcli "$TO" EXISTS "$(key m revoked)")" = 1
check "moved: its relay at A stops within 2 s" \
	eval 'wait_for 10 stopped ma && stopped_within ma $M0 2000'

check "no token, mac_key or browser username in any log" no_token_in_logs

finish
