# tests/redis-lib.sh - Redis servers, sentinels and clusters for the tests
# (bash), sourced after tests/lib.sh.
#
# Everything listens on 127.0.0.1, on ports from free_port (never 6379 or
# 26379: a Redis or Sentinel that the Debian packages started as system
# services does not matter), keeps its files in $T/NAME, persists nothing,
# and is tracked in PIDS, so lib.sh's cleanup stops it by its pid.
#
#   start_redis NAME [ARGS...]       one server; REDIS_PORT, REDIS_PID
#   restart_redis NAME               SIGKILL it, start it again, same port
#   start_sentinels NAME MASTER_PORT N   N sentinels; SENTINEL_PORTS,
#                                    SENTINEL_PIDS, SENTINEL_NODES
#   start_cluster NAME N             N masters; CLUSTER_PORTS, CLUSTER_PIDS,
#                                    CLUSTER_SEEDS ("127.0.0.1:P,...")
#   slot_migration_begin/keys/end    move a slot between cluster masters
#
# Secrets (requirepass, ACL users) go in $T/NAME/extra.conf (mode 600)
# before start_redis, never on a command line.

REDIS_SERVER_BIN=${REDIS_SERVER_BIN:-redis-server}
REDIS_SENTINEL_BIN=${REDIS_SENTINEL_BIN:-redis-sentinel}
REDIS_CLI_BIN=${REDIS_CLI_BIN:-redis-cli}

declare -A REDIS_PORT_OF REDIS_PID_OF

# rcli PORT ARGS...: redis-cli against 127.0.0.1:PORT (a password, if any,
# from REDISCLI_AUTH in the environment), 5 s at most.
rcli() {
	local port=$1
	shift
	timeout 5 "$REDIS_CLI_BIN" -h 127.0.0.1 -p "$port" "$@" 2>/dev/null
}

# wait_for SECONDS COMMAND...: COMMAND succeeds within SECONDS (checked
# every 0.1 s); 1 if it never does.
wait_for() {
	local secs=$1 i
	shift
	for i in $(seq $((secs * 10))); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

# redis_answers PORT: the server answers a PING (PONG, or NOAUTH when it
# wants a password: either way it is up and has loaded its data).
redis_answers() {
	local out
	out=$(rcli "$1" PING) || return 1
	case $out in
	PONG | NOAUTH*) return 0 ;;
	esac
	return 1
}

# free_cluster_port: a free port whose cluster bus port (+10000) is free.
# Below 14000, so that the bus port stays in free_port's range (below
# 24000), clear of the relay ranges and the ephemeral ports.
free_cluster_port() {
	local p
	while :; do
		p=$(free_port)
		[ "$p" -lt 14000 ] || continue
		port_in_use $((p + 10000)) || {
			echo "$p"
			return
		}
	done
}

# _launch_redis NAME: starts redis-server on $T/NAME/redis.conf and waits
# until it answers (10 s); sets REDIS_PID.
_launch_redis() {
	local name=$1 dir=$T/$1
	"$REDIS_SERVER_BIN" "$dir/redis.conf" >>"$dir/stdout.log" 2>&1 &
	REDIS_PID=$!
	PIDS+=("$REDIS_PID")
	REDIS_PID_OF[$name]=$REDIS_PID
	if ! wait_for 10 redis_answers "${REDIS_PORT_OF[$name]}"; then
		echo "# redis $name did not start; its log:"
		tail -20 "$dir/redis.log" "$dir/stdout.log" 2>/dev/null |
			sed 's/^/#   /'
		return 1
	fi
}

# start_redis NAME [CONFIG LINES...]: a redis-server on 127.0.0.1, on
# REDIS_PORT (given, or a free port), with each argument as one more line
# of its configuration (e.g. "unixsocket $T/r.sock", "cluster-enabled
# yes"); $T/NAME/extra.conf is included when it exists.  Sets REDIS_PORT
# and REDIS_PID.
start_redis() {
	local name=$1 dir=$T/$1 line
	shift
	mkdir -p "$dir"
	REDIS_PORT=${REDIS_PORT_WANTED:-$(free_port)}
	REDIS_PORT_OF[$name]=$REDIS_PORT
	{
		echo "bind 127.0.0.1"
		echo "port $REDIS_PORT"
		echo "dir $dir"
		echo "logfile $dir/redis.log"
		echo "daemonize no"
		echo "save \"\""
		echo "appendonly no"
		echo "protected-mode yes"
		for line in "$@"; do
			echo "$line"
		done
		[ -f "$dir/extra.conf" ] && echo "include $dir/extra.conf"
	} >"$dir/redis.conf"
	_launch_redis "$name"
}

# stop_redis NAME: SIGKILL (a crash, not a shutdown) and reaped.
stop_redis() {
	local pid=${REDIS_PID_OF[$1]}
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# restart_redis NAME: the server killed and started again, same port and
# configuration (nothing persisted: it comes back empty).
restart_redis() {
	stop_redis "$1"
	_launch_redis "$1"
}

# ---- Sentinel ---------------------------------------------------------

# sentinel_master_port SENTINEL_PORT NAME: the port the sentinel names
# for master NAME.
sentinel_master_port() {
	rcli "$1" SENTINEL get-master-addr-by-name "$2" | sed -n 2p
}

# sentinel_ready SENTINEL_PORT NAME N_SENTINELS N_REPLICAS: the sentinel
# knows the other sentinels and the replicas of NAME.
sentinel_ready() {
	local out others replicas
	out=$(rcli "$1" SENTINEL master "$2") || return 1
	others=$(printf '%s\n' "$out" | sed -n '/^num-other-sentinels$/{n;p}')
	replicas=$(printf '%s\n' "$out" | sed -n '/^num-slaves$/{n;p}')
	[ "${others:-0}" -ge $(($3 - 1)) ] && [ "${replicas:-0}" -ge "$4" ]
}

# start_sentinels NAME MASTER_PORT N: N sentinels of master NAME at
# 127.0.0.1:MASTER_PORT, quorum N/2+1, 1 s to call a master down.  Sets
# SENTINEL_PORTS, SENTINEL_PIDS and SENTINEL_NODES (HOST:PORT,...).
start_sentinels() {
	local name=$1 mport=$2 n=$3 i dir port
	SENTINEL_PORTS=()
	SENTINEL_PIDS=()
	SENTINEL_NODES=
	for i in $(seq "$n"); do
		dir=$T/sentinel$i
		mkdir -p "$dir"
		port=$(free_port)
		cat >"$dir/sentinel.conf" <<-EOF
			bind 127.0.0.1
			port $port
			dir $dir
			logfile $dir/sentinel.log
			daemonize no
			protected-mode no
			sentinel monitor $name 127.0.0.1 $mport $((n / 2 + 1))
			sentinel down-after-milliseconds $name 1000
			sentinel failover-timeout $name 10000
			sentinel parallel-syncs $name 1
		EOF
		"$REDIS_SENTINEL_BIN" "$dir/sentinel.conf" \
			>"$dir/stdout.log" 2>&1 &
		SENTINEL_PIDS+=("$!")
		PIDS+=("$!")
		SENTINEL_PORTS+=("$port")
		SENTINEL_NODES=${SENTINEL_NODES:+$SENTINEL_NODES,}127.0.0.1:$port
	done
	for port in "${SENTINEL_PORTS[@]}"; do
		wait_for 10 redis_answers "$port" || {
			echo "# a sentinel on $port did not start"
			return 1
		}
	done
}

# sentinels_agree NAME PORT: every sentinel names 127.0.0.1:PORT master.
sentinels_agree() {
	local s
	for s in "${SENTINEL_PORTS[@]}"; do
		[ "$(sentinel_master_port "$s" "$1")" = "$2" ] || return 1
	done
}

# replica_in_sync PORT: the replica on PORT is connected to its master.
replica_in_sync() {
	rcli "$1" INFO replication | tr -d '\r' | grep -q '^master_link_status:up$'
}

# is_master PORT: ROLE on PORT says master.
is_master() {
	[ "$(rcli "$1" ROLE | head -1)" = master ]
}

# ---- Cluster ----------------------------------------------------------

# cluster_ok PORT: the node sees the cluster as ok, all slots served.
cluster_ok() {
	local info
	info=$(rcli "$1" CLUSTER INFO | tr -d '\r') || return 1
	printf '%s\n' "$info" | grep -q '^cluster_state:ok$' &&
		printf '%s\n' "$info" | grep -q '^cluster_slots_ok:16384$'
}

# cluster_all_ok: every node of CLUSTER_PORTS is ok and knows them all.
cluster_all_ok() {
	local p n=${#CLUSTER_PORTS[@]}
	for p in "${CLUSTER_PORTS[@]}"; do
		cluster_ok "$p" || return 1
		[ "$(rcli "$p" CLUSTER INFO | tr -d '\r' |
			sed -n 's/^cluster_known_nodes://p')" = "$n" ] ||
			return 1
	done
}

# start_cluster NAME N: N masters, no replicas, cluster-node-timeout
# 1000 ms, created with redis-cli --cluster create.  Sets CLUSTER_PORTS,
# CLUSTER_PIDS, CLUSTER_NAMES and CLUSTER_SEEDS.
start_cluster() {
	local name=$1 n=$2 i nodes=()
	CLUSTER_PORTS=()
	CLUSTER_PIDS=()
	CLUSTER_NAMES=()
	CLUSTER_SEEDS=
	for i in $(seq "$n"); do
		REDIS_PORT_WANTED=$(free_cluster_port) start_redis "$name$i" \
			"cluster-enabled yes" \
			"cluster-config-file $T/$name$i/nodes.conf" \
			"cluster-node-timeout 1000" || return 1
		CLUSTER_PORTS+=("$REDIS_PORT")
		CLUSTER_PIDS+=("$REDIS_PID")
		CLUSTER_NAMES+=("$name$i")
		nodes+=("127.0.0.1:$REDIS_PORT")
		CLUSTER_SEEDS=${CLUSTER_SEEDS:+$CLUSTER_SEEDS,}127.0.0.1:$REDIS_PORT
	done
	if ! timeout 60 "$REDIS_CLI_BIN" --cluster create "${nodes[@]}" \
		--cluster-replicas 0 --cluster-yes >"$T/$name-create.log" 2>&1; then
		echo "# redis-cli --cluster create failed:"
		tail -20 "$T/$name-create.log" | sed 's/^/#   /'
		return 1
	fi
	wait_for 30 cluster_all_ok || {
		echo "# the cluster did not become ok"
		return 1
	}
}

# node_id PORT: the cluster node id of the node on PORT.
node_id() {
	rcli "$1" CLUSTER MYID
}

# slot_of KEY: the cluster slot of KEY (asked of the first node).
slot_of() {
	rcli "${CLUSTER_PORTS[0]}" CLUSTER KEYSLOT "$1"
}

# slot_owner_port SLOT [PORT]: the port of the master serving SLOT, as
# the node on PORT (default: the first) sees it.
slot_owner_port() {
	rcli "${2:-${CLUSTER_PORTS[0]}}" CLUSTER NODES | awk -v s="$1" '
		$3 ~ /master/ {
			for (i = 9; i <= NF; i++) {
				if ($i ~ /^\[/) continue
				n = split($i, r, "-")
				lo = r[1]; hi = (n == 2) ? r[2] : r[1]
				if (s + 0 >= lo + 0 && s + 0 <= hi + 0) {
					split($2, a, "[:@]"); print a[2]; exit
				}
			}
		}'
}

# slot_served_by SLOT PORT: every node says the node on PORT serves SLOT.
slot_served_by() {
	local p
	for p in "${CLUSTER_PORTS[@]}"; do
		[ "$(slot_owner_port "$1" "$p")" = "$2" ] || return 1
	done
}

# slot_migration_begin SLOT FROM_PORT TO_PORT: TO imports SLOT, FROM
# migrates it (keys stay where they are until slot_migration_keys).
slot_migration_begin() {
	[ "$(rcli "$3" CLUSTER SETSLOT "$1" IMPORTING "$(node_id "$2")")" = OK ] &&
		[ "$(rcli "$2" CLUSTER SETSLOT "$1" MIGRATING "$(node_id "$3")")" = OK ]
}

# slot_migration_keys FROM_PORT TO_PORT KEY...: MIGRATE the keys.
slot_migration_keys() {
	local from=$1 to=$2
	shift 2
	[ "$(rcli "$from" MIGRATE 127.0.0.1 "$to" "" 0 5000 KEYS "$@")" = OK ]
}

# slot_migration_end SLOT FROM_PORT TO_PORT: the rest of SLOT's keys
# moved, and every master told that TO serves it.
slot_migration_end() {
	local slot=$1 from=$2 to=$3 keys p id
	while :; do
		keys=$(rcli "$from" CLUSTER GETKEYSINSLOT "$slot" 100)
		[ -n "$keys" ] || break
		# shellcheck disable=SC2086
		slot_migration_keys "$from" "$to" $keys || return 1
	done
	id=$(node_id "$to")
	for p in "$to" "$from" "${CLUSTER_PORTS[@]}"; do
		[ "$(rcli "$p" CLUSTER SETSLOT "$slot" NODE "$id")" = OK ] ||
			return 1
	done
}

# errorstat PORT NAME: how many NAME errors (MOVED, ASK, ...) the node
# on PORT has answered.
errorstat() {
	rcli "$1" INFO errorstats | tr -d '\r' |
		sed -n "s/^errorstat_$2:count=//p" | grep . || echo 0
}

# ---- driving a checker ------------------------------------------------

# drive_check HANDLER COMMAND...: runs a checker (tests/fixtures/
# redis_check) that prints ok/not ok lines and "@ ACTION ARGS" requests;
# each request runs as "HANDLER ACTION ARGS" (its output in
# $T/actions.log) and the checker gets "done" or "failed" back; a handler
# that sets ACTION_VALUE has it sent along ("done VALUE").  The
# checker's ok/not ok lines count as this test's; all it says is also in
# $T/checker.out.  Returns its status.
drive_check() {
	local handler=$1 line out in pid rc
	shift
	coproc CHECKER { "$@" 2>&1; }
	pid=$CHECKER_PID
	PIDS+=("$pid")
	# bash drops CHECKER's descriptors when it ends: keep copies
	exec {out}<&"${CHECKER[0]}" {in}>&"${CHECKER[1]}"
	while IFS= read -r line <&"$out"; do
		printf '%s\n' "$line" >>"$T/checker.out"
		case $line in
		'@ '*)
			ACTION_VALUE=
			# shellcheck disable=SC2086
			if "$handler" ${line#@ } >>"$T/actions.log" 2>&1; then
				echo "done${ACTION_VALUE:+ $ACTION_VALUE}" >&"$in"
			else
				echo "# action failed: ${line#@ }"
				echo failed >&"$in"
			fi
			;;
		'ok '*)
			echo "$line"
			PASSED=$((PASSED + 1))
			;;
		'not ok '*)
			echo "$line"
			FAILED=$((FAILED + 1))
			;;
		*) echo "$line" ;;
		esac
	done
	exec {out}<&- {in}>&-
	wait "$pid"
	rc=$?
	[ "$rc" -eq 0 ] || echo "# checker $* exited with status $rc"
	return "$rc"
}
