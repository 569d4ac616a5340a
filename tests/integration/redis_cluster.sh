#!/bin/bash
# redis_cluster: lib/tpa_redis in Cluster mode against three masters
# made with redis-cli --cluster create on loopback: routing by slot from
# one seed, a slot migration under the client (ASK, TRYAGAIN, then MOVED
# and a new slot map), scripts on a hash tag throughout, batches, and the
# subscriber on any node.  The checks are in
# tests/fixtures/redis_check_cluster.c.
. "${TOP_SRCDIR:-.}/tests/lib.sh"
. "$TOP_SRCDIR/tests/redis-lib.sh"

CHECK=$TOP_BUILDDIR/tests/fixtures/redis_check
SLOT= FROM= TO=

on_action() {
	local p i
	case $1 in
	migrate-begin)
		SLOT=$(slot_of "$2") && FROM=$(slot_owner_port "$SLOT") &&
			[ -n "$FROM" ] || return 1
		for p in "${CLUSTER_PORTS[@]}"; do
			[ "$p" = "$FROM" ] || TO=$p
		done
		slot_migration_begin "$SLOT" "$FROM" "$TO" &&
			ACTION_VALUE="$FROM $TO"
		;;
	migrate-keys)
		shift
		slot_migration_keys "$FROM" "$TO" "$@"
		;;
	kill-node | restart-node)
		for i in "${!CLUSTER_PORTS[@]}"; do
			[ "${CLUSTER_PORTS[$i]}" = "$2" ] || continue
			if [ "$1" = kill-node ]; then
				stop_redis "${CLUSTER_NAMES[$i]}"
			else
				restart_redis "${CLUSTER_NAMES[$i]}" &&
					wait_for 30 cluster_all_ok
			fi
			return
		done
		return 1
		;;
	migrate-end)
		slot_migration_end "$SLOT" "$FROM" "$TO" &&
			wait_for 10 slot_served_by "$SLOT" "$TO"
		;;
	*) return 1 ;;
	esac
}

if start_cluster node 3; then
	ok "a cluster of three masters"
	drive_check on_action "$CHECK" cluster "$CLUSTER_SEEDS"
else
	not_ok "a cluster of three masters"
fi

finish
