#!/bin/bash
# redis_sentinel: lib/tpa_redis in Sentinel mode against two redis-servers
# (master and replica) and three redis-sentinels on loopback: the client
# and its subscriber follow a SENTINEL FAILOVER, then, with the first
# sentinel of their list dead, the killed master's failover back.  The
# checks are in tests/fixtures/redis_check_sentinel.c.
. "${TOP_SRCDIR:-.}/tests/lib.sh"
. "$TOP_SRCDIR/tests/redis-lib.sh"

CHECK=$TOP_BUILDDIR/tests/fixtures/redis_check
NAME=tpamaster

on_action() {
	case $1 in
	demote)
		[ "$(rcli "$REPLICA_PORT" REPLICAOF NO ONE)" = OK ] &&
			[ "$(rcli "$MASTER_PORT" REPLICAOF 127.0.0.1 "$REPLICA_PORT")" = OK ]
		;;
	undemote)
		[ "$(rcli "$MASTER_PORT" REPLICAOF NO ONE)" = OK ] &&
			[ "$(rcli "$REPLICA_PORT" REPLICAOF 127.0.0.1 "$MASTER_PORT")" = OK ] &&
			wait_for 30 replica_in_sync "$REPLICA_PORT" &&
			wait_for 30 sentinels_agree $NAME "$MASTER_PORT" &&
			wait_for 30 sentinels_know_replica "$REPLICA_PORT"
		;;
	failover)
		[ "$(rcli "${SENTINEL_PORTS[0]}" SENTINEL FAILOVER $NAME)" = OK ] &&
			wait_for 30 sentinels_agree $NAME "$REPLICA_PORT" &&
			wait_for 10 is_master "$REPLICA_PORT" &&
			# the old master follows the new one before the next
			# failover can promote it back
			wait_for 30 replica_in_sync "$MASTER_PORT" &&
			wait_for 30 sentinels_know_replica "$MASTER_PORT"
		;;
	kill-first-sentinel)
		kill -KILL "${SENTINEL_PIDS[0]}" &&
			wait "${SENTINEL_PIDS[0]}" 2>/dev/null
		SENTINEL_PORTS=("${SENTINEL_PORTS[@]:1}")
		;;
	kill-master)
		stop_redis replica &&
			wait_for 30 sentinels_agree $NAME "$MASTER_PORT" &&
			wait_for 10 is_master "$MASTER_PORT"
		;;
	*) return 1 ;;
	esac
}

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

if start_redis master && MASTER_PORT=$REDIS_PORT &&
	start_redis replica "replicaof 127.0.0.1 $MASTER_PORT" &&
	REPLICA_PORT=$REDIS_PORT &&
	wait_for 30 replica_in_sync "$REPLICA_PORT"; then
	ok "a master and its replica"
else
	not_ok "a master and its replica"
fi
if start_sentinels $NAME "$MASTER_PORT" 3 &&
	wait_for 30 sentinel_ready "${SENTINEL_PORTS[0]}" $NAME 3 1 &&
	wait_for 30 sentinel_ready "${SENTINEL_PORTS[1]}" $NAME 3 1 &&
	wait_for 30 sentinel_ready "${SENTINEL_PORTS[2]}" $NAME 3 1; then
	ok "three sentinels that know each other and the replica"
	drive_check on_action "$CHECK" sentinel "$SENTINEL_NODES" $NAME \
		"$MASTER_PORT" "$REPLICA_PORT"
else
	not_ok "three sentinels that know each other and the replica"
fi

finish
