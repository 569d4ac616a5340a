# tests/fleet-lib.sh - a fleet of patched coturn nodes with the plugin and
# real redis-servers (one, Sentinel or Cluster), for the fleet tests
# (bash); sourced after tests/lib.sh and tests/redis-lib.sh.
#
#   fleet_keys KID[@EXP]...       a key set with these kids ($T/keys.json),
#                                 each valid until EXP if given
#   start_node NAME [SETTING...]  a node: turnserver NAME with the plugin,
#                                 the key set, metrics on a free port, log
#                                 at debug, and each SETTING as one more
#                                 line of its plugin config ($T/NAME.conf);
#                                 sets NODE_PORT[NAME], NODE_MPORT[NAME]
#   stop_node NAME
#   issue NAME KID [LIFETIME]     a token: $T/NAME.json, TOKEN_ID[NAME]
#   metric NODE SAMPLE            a sample's value in NODE's metrics
#   node_log NODE                 the path of NODE's log
#   stream, hold and the like     relays and allocations (below)

PLUGIN=$TOP_BUILDDIR/plugin/.libs/coturn_tpa.so
FLEET_CLIENT=$TOP_BUILDDIR/tests/fixtures/fleet_client
SERVER_NAME=turn.example.net
declare -A NODE_PORT NODE_MPORT NODE_PID TOKEN_ID

fleet_keys() {
	local kid sep='' keys='' exp
	for kid in "$@"; do
		exp=()
		case $kid in *@*) exp=(--exp "${kid#*@}") kid=${kid%@*} ;; esac
		keys="$keys$sep$("$TURN_TOKEN" keygen --kid "$kid" "${exp[@]}")" ||
			return 1
		sep=', '
	done
	(umask 077 && printf '{"keys": [%s]}\n' "$keys" >"$T/keys.json")
}

start_node() {
	local name=$1 line mport
	shift
	mport=$(free_port)
	{
		printf 'key-set = %s\n' "$T/keys.json"
		printf 'log-level = debug\n'
		printf 'metrics-listen = 127.0.0.1:%s\n' "$mport"
		for line in "$@"; do
			printf '%s\n' "$line"
		done
	} >"$T/$name.conf"
	start_turnserver "$name" "$TURNSERVER" --server-name="$SERVER_NAME" \
		--auth-plugin="$PLUGIN" --auth-plugin-config="$T/$name.conf" ||
		return 1
	NODE_PORT[$name]=$TS_PORT
	NODE_MPORT[$name]=$mport
	NODE_PID[$name]=$TS_PID
	wait_listening "$mport" "$TS_PID"
}

stop_node() {
	stop_pid "${NODE_PID[$1]}"
}

node_log() {
	echo "$T/$1.log"
}

issue() {
	local name=$1 kid=$2 lifetime=${3:-600}
	"$TURN_TOKEN" issue --keys "$T/keys.json" --kid "$kid" \
		--server-name "$SERVER_NAME" --lifetime "$lifetime" \
		>"$T/$name.json" || return 1
	TOKEN_ID[$name]=$(jq -r .access_token "$T/$name.json" |
		"$TURN_TOKEN" inspect --keys "$T/keys.json" \
			--server-name "$SERVER_NAME" --token-file - |
		sed -n 's/^token id: *//p')
	[ -n "${TOKEN_ID[$name]}" ]
}

metric() {
	curl -sS --fail --max-time 10 \
		"http://127.0.0.1:${NODE_MPORT[$1]}/metrics" 2>/dev/null |
		awk -v s="$2" '$1 == s { print $2 }'
}

# metric_is NODE SAMPLE VALUE: the sample has that value now.
metric_is() {
	local v
	v=$(metric "$1" "$2")
	[ "$v" = "$3" ] || {
		echo "# $1: $2 is ${v:-absent}, expected $3"
		return 1
	}
}

# metric_eq NODE SAMPLE VALUE: as metric_is, silent (for wait_for).
metric_eq() {
	[ "$(metric "$1" "$2")" = "$3" ]
}

# fprobe NODE CREDENTIAL [probe args...]: turn-token probe against NODE.
fprobe() {
	local node=$1 cred=$2
	shift 2
	PROBE_PORT=${NODE_PORT[$node]} probe --credential "$cred" "$@"
}

# allocates OUT NODE CREDENTIAL [probe args]: the probe allocated.
allocates() {
	local out=$1
	shift
	fprobe "$@" >"$out" 2>&1 && grep -q '^ALLOCATED ' "$out"
}

# refused OUT NODE CREDENTIAL [probe args]: the probe got a 401.
refused() {
	local out=$1
	shift
	! fprobe "$@" >"$out" 2>&1 && grep -q '^ERROR code=401 ' "$out"
}

# no_token_in_logs: no token, mac_key or browser username of the tokens
# issued ($T/*.json) is in any node's log.
no_token_in_logs() {
	local f secrets=() log
	for f in "${!TOKEN_ID[@]}"; do
		secrets+=("$(jq -r .access_token "$T/$f.json")"
			"$(jq -r .key "$T/$f.json")"
			"$(jq -r '.ice_server.username // empty' "$T/$f.json")")
	done
	for log in "$T"/*.log; do
		no_secret_in "$log" "${secrets[@]}" || return 1
	done
}

# ---- relays that carry data, allocations held ------------------------------
#
#   stream NAME NODE TOKEN        a client of TOKEN at NODE sending through
#                                 its relay to the peer (start_peer) for
#                                 STREAM_MS (default 60000); $T/NAME.out
#   flowing / stopped NAME        it saw its first echo / its data stopped
#   last_echo NAME                when it saw its last echo (ms, epoch)
#   stopped_within NAME T0 MS     it stopped, its last echo MS after T0 at most
#   flows_after NAME T            it saw an echo after T and goes on
#   hold NAME NODE TOKEN          an allocation held until release NAME
#   now_ms                        the time, ms since the epoch

stream() {
	"$FLEET_CLIENT" stream "${NODE_PORT[$2]}" 127.0.0.1 "$T/$3.json" \
		127.0.0.1 "$PEER_PORT" "${STREAM_MS:-60000}" >"$T/$1.out" 2>&1 &
	PIDS+=("$!")
}

flowing() {
	grep -q '^FLOWING$' "$T/$1.out"
}

stopped() {
	grep -q '^STOPPED ' "$T/$1.out"
}

last_echo() {
	sed -n 's/.* last_echo_ms=\([0-9]*\)$/\1/p' "$T/$1.out" | tail -1
}

stopped_within() {
	local last
	stopped "$1" || return 1
	last=$(last_echo "$1")
	echo "# $1: the last echo came $((last - $2)) ms after the revocation"
	[ $((last - $2)) -le "$3" ]
}

flows_after() {
	local last
	last=$(last_echo "$1")
	! stopped "$1" && [ -n "$last" ] && [ "$last" -gt "$2" ]
}

now_ms() {
	date +%s%3N
}

declare -A HOLDER
hold() {
	local name=$1 node=$2 tok=$3 i
	"$FLEET_CLIENT" hold "${NODE_PORT[$node]}" 127.0.0.1 "$T/$tok.json" \
		>"$T/$name.out" 2>&1 &
	PIDS+=("$!")
	HOLDER[$name]=$!
	for i in $(seq 100); do
		grep -q '^ALLOCATED$' "$T/$name.out" && return 0
		grep -q 'ERROR' "$T/$name.out" && return 1
		sleep 0.1
	done
	return 1
}

# release NAME: the held allocation is deleted (Refresh 0).
release() {
	kill -USR1 "${HOLDER[$1]}"
	wait "${HOLDER[$1]}" 2>/dev/null
	grep -q '^DELETED$' "$T/$1.out"
}
