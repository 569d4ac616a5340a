#!/bin/bash
# The fleet on Redis behind Sentinel: two patched coturn nodes with the
# plugin configured with redis-sentinel and redis-sentinel-master, two
# redis-servers (master and replica) and three sentinels on loopback.
# Before any failover a token's ip binding is enforced across the nodes;
# then a SENTINEL FAILOVER, and later the new master killed, are followed
# without a restart: the binding recorded before each failover is still
# enforced (a replay, not "Redis cannot answer"), new tokens allocate on
# both nodes and are recorded on the new master, both nodes' revocation
# subscriptions move there, and a revocation (through the plugin's
# Sentinel config, then --redis at the new master) stops a token's relays
# on both nodes within 2 s while another token's relay carries data
# throughout.
#
# Redis replicates asynchronously and Sentinel promotes a replica with
# whatever it has: a binding written in the last moment before a master
# dies can be lost with it (the plugin does not WAIT for replicas).  So
# before each failover the test checks that the replica has the bindings,
# and the checks after it are about following the failover, not about
# that window.
. "$TOP_SRCDIR/tests/lib.sh"
. "$TOP_SRCDIR/tests/redis-lib.sh"
. "$TOP_SRCDIR/tests/fleet-lib.sh"

NAME=tpamaster
STREAM_MS=180000

# sentinels_know_replica PORT: every sentinel lists PORT as a replica of
# NAME that is not down.
sentinels_know_replica() {
	local s
	for s in "${SENTINEL_PORTS[@]}"; do
		rcli "$s" SENTINEL replicas $NAME | tr -d '\r' |
			awk -v p="$1" '
				$0 == "port" { getline; port = $0 }
				$0 == "flags" { getline; if (port == p && $0 == "slave") ok = 1 }
				END { exit !ok }' || return 1
	done
}

# has PORT KEY VALUE: the server on PORT holds KEY with VALUE.
has() {
	[ "$(rcli "$1" GET "$2")" = "$3" ]
}

# use_key NAME: the binding's key of token NAME.
use_key() {
	echo "tpa:{${TOKEN_ID[$1]}}:use"
}

# subscribers PORT N: N clients subscribe to the revocation channel there.
subscribers() {
	[ "$(rcli "$1" PUBSUB NUMSUB tpa:revoke | sed -n 2p)" = "$2" ]
}

if start_redis master && MASTER_PORT=$REDIS_PORT &&
	start_redis replica "replicaof 127.0.0.1 $MASTER_PORT" &&
	REPLICA_PORT=$REDIS_PORT &&
	wait_for 30 replica_in_sync "$REPLICA_PORT"; then
	ok "a master and its replica"
else
	not_ok "a master and its replica"
	finish
fi
if start_sentinels $NAME "$MASTER_PORT" 3 &&
	wait_for 30 sentinel_ready "${SENTINEL_PORTS[0]}" $NAME 3 1 &&
	wait_for 30 sentinel_ready "${SENTINEL_PORTS[1]}" $NAME 3 1 &&
	wait_for 30 sentinel_ready "${SENTINEL_PORTS[2]}" $NAME 3 1; then
	ok "three sentinels that know each other and the replica"
else
	not_ok "three sentinels that know each other and the replica"
	finish
fi
fleet_keys k1 || { not_ok "a key set"; finish; }
for n in a b; do
	start_node "$n" "redis-sentinel = $SENTINEL_NODES" \
		"redis-sentinel-master = $NAME" ||
		{ not_ok "node $n starts on Sentinel"; finish; }
done
start_peer || { not_ok "an echoing peer"; finish; }

# ---- before a failover -------------------------------------------------
issue t k1
check "the token allocates from 127.0.0.1 at node A" \
	allocates "$T/t-a.out" a "$T/t.json" --local-ip 127.0.0.1
check "the same token from 127.0.0.2 at node B gets 401" \
	refused "$T/t-b.out" b "$T/t.json" --local-ip 127.0.0.2
check "B's log says replay, with both addresses" \
	log_has "$(node_log b)" "token ${TOKEN_ID[t]}: replay: bound to 127.0.0.1, used from 127.0.0.2 (replay-binding ip)"
check "B counted one replay" \
	metric_is b 'coturn_tpa_refused_total{reason="replay"}' 1
check "the master holds the binding" \
	has "$MASTER_PORT" "$(use_key t)" "ip 127.0.0.1"
check "the replica has it before the failover (replication is asynchronous)" \
	wait_for 10 has "$REPLICA_PORT" "$(use_key t)" "ip 127.0.0.1"
check "both nodes subscribe to revocations on the master" \
	wait_for 10 subscribers "$MASTER_PORT" 2

issue r1 k1
issue r2 k1
issue o k1
stream r1a a r1
stream r1b b r1
stream r2a a r2
stream r2b b r2
stream oa a o
for s in r1a r1b r2a r2b oa; do
	check "relay $s carries data" wait_for 30 flowing "$s"
done

# after_failover LABEL NEW_MASTER REPLAY_NODE OTHER_NODE REPLAYS: the
# checks after a failover to NEW_MASTER; the token t is tried from
# 127.0.0.2 at REPLAY_NODE, whose replay count is then REPLAYS.
after_failover() {
	local l=$1 new=$2 rn=$3 on=$4 replays=$5 n
	check "$l: both nodes subscribe to revocations on the new master" \
		wait_for 10 subscribers "$new" 2
	check "$l: the token bound before it, from 127.0.0.2 at $rn, gets 401" \
		refused "$T/$l-replay.out" "$rn" "$T/t.json" --local-ip 127.0.0.2
	check "$l: ... as a replay, answered by the new master ($rn counted $replays)" \
		metric_is "$rn" 'coturn_tpa_refused_total{reason="replay"}' "$replays"
	check "$l: the token still allocates from 127.0.0.1 at $on" \
		allocates "$T/$l-t.out" "$on" "$T/t.json" --local-ip 127.0.0.1
	for n in a b; do
		issue "$l-new-$n" k1
		check "$l: a new token allocates at $n" \
			allocates "$T/$l-new-$n.out" "$n" "$T/$l-new-$n.json" \
			--local-ip 127.0.0.1
		check "$l: ... and the new master holds its binding" \
			has "$new" "$(use_key "$l-new-$n")" "ip 127.0.0.1"
	done
	check "$l: no token refused for Redis being unavailable, on either node" eval \
		'metric_is a "coturn_tpa_refused_total{reason=\"redis_unavailable\"}" 0 &&
		 metric_is b "coturn_tpa_refused_total{reason=\"redis_unavailable\"}" 0'
}

# revoked_stops LABEL TOKEN T0 OUT: TOKEN's relays on both nodes stopped
# within 2 s of T0, the revocation announced to both nodes (OUT: what
# turn-token revoke said).
revoked_stops() {
	local l=$1 tok=$2 t0=$3 out=$4
	sed 's/^/# /' "$out"
	check "$l: turn-token revoke revoked the token" \
		grep -q "^revoked token ${TOKEN_ID[$tok]} until " "$out"
	check "$l: ... and announced it to both nodes" \
		grep -q '^announced on tpa:revoke to 2 subscribers$' "$out"
	check "$l: its relay at A stops within 2 s" \
		eval "wait_for 10 stopped ${tok}a && stopped_within ${tok}a $t0 2000"
	check "$l: its relay at B stops within 2 s" \
		eval "wait_for 10 stopped ${tok}b && stopped_within ${tok}b $t0 2000"
	check "$l: another token's relay goes on" \
		wait_for 10 flows_after oa $((t0 + 2500))
}

# ---- SENTINEL FAILOVER: the replica becomes master -----------------------
if [ "$(rcli "${SENTINEL_PORTS[0]}" SENTINEL FAILOVER $NAME)" = OK ] &&
	wait_for 30 sentinels_agree $NAME "$REPLICA_PORT" &&
	wait_for 10 is_master "$REPLICA_PORT" &&
	wait_for 30 replica_in_sync "$MASTER_PORT" &&
	wait_for 30 sentinels_know_replica "$MASTER_PORT"; then
	ok "SENTINEL FAILOVER: the replica is master, the old master its replica"
else
	not_ok "SENTINEL FAILOVER: the replica is master, the old master its replica"
	finish
fi
check "failover: the relays carried data across it" \
	wait_for 10 flows_after oa $(($(now_ms) + 300))
after_failover failover "$REPLICA_PORT" b a 2
F0=$(now_ms)
"$TURN_TOKEN" revoke --config "$T/a.conf" --token-file - <"$T/r1.json" \
	>"$T/revoke-r1.out" 2>&1
revoked_stops "failover (revoked through the Sentinel config)" r1 "$F0" \
	"$T/revoke-r1.out"
check "failover: the revocation is on the new master" \
	test "$(rcli "$REPLICA_PORT" EXISTS "tpa:{${TOKEN_ID[r1]}}:revoked")" = 1

# ---- the master killed: the sentinels promote the old master -------------
check "the replica has the bindings written since the failover" eval \
	'wait_for 10 has "$MASTER_PORT" "$(use_key failover-new-a)" "ip 127.0.0.1" &&
	 wait_for 10 has "$MASTER_PORT" "$(use_key failover-new-b)" "ip 127.0.0.1"'
stop_redis replica
if wait_for 30 sentinels_agree $NAME "$MASTER_PORT" &&
	wait_for 10 is_master "$MASTER_PORT"; then
	ok "master killed: the sentinels promote its replica"
else
	not_ok "master killed: the sentinels promote its replica"
	finish
fi
check "killed: the relays carried data across it" \
	wait_for 10 flows_after oa $(($(now_ms) + 300))
after_failover killed "$MASTER_PORT" a b 1
K0=$(now_ms)
"$TURN_TOKEN" revoke --redis "redis://127.0.0.1:$MASTER_PORT" \
	--token-file - <"$T/r2.json" >"$T/revoke-r2.out" 2>&1
revoked_stops "killed (revoked with --redis at the new master)" r2 "$K0" \
	"$T/revoke-r2.out"
check "the revoked tokens cannot allocate again" eval \
	'refused "$T/r1-again.out" b "$T/r1.json" &&
	 refused "$T/r2-again.out" a "$T/r2.json"'

check "no token, mac_key or browser username in any log" no_token_in_logs

finish
