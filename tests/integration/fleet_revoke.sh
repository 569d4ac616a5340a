# Revocation across a fleet: two patched coturn nodes, one real
# redis-server, an echoing peer (Debian's turnutils_peer) and clients that
# keep sending through their relays (tests/fixtures/fleet_client stream).
# turn-token revoke of a token (its JSON on standard input, Redis from
# --redis) stops its relays on both nodes within 2 s, the token cannot
# allocate again, and another token's relay goes on; the same for a kid
# (Redis from the plugin's config, the kid's end from its key's exp); and
# a token revoked by the id the logs print.  The figures (how long after
# the revocation the data stopped) are printed.
. "$TOP_SRCDIR/tests/lib.sh"
. "$TOP_SRCDIR/tests/redis-lib.sh"
. "$TOP_SRCDIR/tests/fleet-lib.sh"

KEY_EXP=$(($(date +%s) + 3600))
fleet_keys k1 "k2@$KEY_EXP" || { not_ok "a key set"; finish; }
start_redis r || { not_ok "redis-server starts"; finish; }
REDIS_URL=redis://127.0.0.1:$REDIS_PORT
for n in a b; do
	start_node "$n" "redis = $REDIS_URL" ||
		{ not_ok "node $n starts"; finish; }
done
start_peer

issue t k1
issue u k1
issue v k2
issue w k1
stream ta a t
stream tb b t
stream ua a u
stream va a v
stream vb b v
stream wb b w
for s in ta tb ua va vb wb; do
	check "relay $s carries data" wait_for 30 flowing "$s"
done

# ---- a token --------------------------------------------------------
T0=$(now_ms)
"$TURN_TOKEN" revoke --redis "$REDIS_URL" --token-file - <"$T/t.json" \
	>"$T/revoke-t.out" 2>&1
sed 's/^/# /' "$T/revoke-t.out"
check "turn-token revoke says what it revoked, until when and why then" \
	grep -q "^revoked token ${TOKEN_ID[t]} until 20[0-9-]*T[0-9:]*Z (from its first use in Redis)$" \
	"$T/revoke-t.out"
check "... and that both nodes heard it" \
	grep -q '^announced on tpa:revoke to 2 subscribers$' "$T/revoke-t.out"
check "the token's relay at A stops within 2 s" \
	eval 'wait_for 10 stopped ta && stopped_within ta $T0 2000'
check "the token's relay at B stops within 2 s" \
	eval 'wait_for 10 stopped tb && stopped_within tb $T0 2000'
check "another token's relay at A goes on" \
	wait_for 10 flows_after ua $((T0 + 2500))
for n in a b; do
	check "node $n says it ended the token's session" \
		log_has "$(node_log "$n")" "token ${TOKEN_ID[t]} revoked: ending 1 sessions on this node"
	check "the token cannot allocate again at $n" \
		refused "$T/t-again-$n.out" "$n" "$T/t.json"
done
check "the refusal says revoked, with the token id" \
	log_has "$(node_log a)" "token ${TOKEN_ID[t]}: revoked"
check "A counted the revoked refusal" \
	metric_is a 'coturn_tpa_refused_total{reason="revoked"}' 1
revoked_ttl() {
	local ttl
	ttl=$(rcli "$REDIS_PORT" TTL "tpa:{${TOKEN_ID[t]}}:revoked")
	[ "$ttl" -gt 590 ] && [ "$ttl" -le 605 ]
}
check "the revocation expires when the token would have (+ skew)" revoked_ttl

# ---- a kid ---------------------------------------------------------------
T1=$(now_ms)
"$TURN_TOKEN" revoke --config "$T/a.conf" --kid k2 >"$T/revoke-k2.out" 2>&1
sed 's/^/# /' "$T/revoke-k2.out"
check "turn-token revoke --kid takes the kid's end from its key's exp" \
	grep -q "^revoked kid 'k2' until .* (from the key's exp and the skew)$" \
	"$T/revoke-k2.out"
check "the kid's relay at A stops within 2 s" \
	eval 'wait_for 10 stopped va && stopped_within va $T1 2000'
check "the kid's relay at B stops within 2 s" \
	eval 'wait_for 10 stopped vb && stopped_within vb $T1 2000'
check "a relay of another kid at B goes on" \
	wait_for 10 flows_after wb $((T1 + 2500))
check "... and at A" wait_for 10 flows_after ua $((T1 + 2500))
issue v2 k2
check "a new token of the kid is refused" \
	refused "$T/v2-b.out" b "$T/v2.json"
check "the refusal says the kid is revoked" \
	log_has "$(node_log b)" "token ${TOKEN_ID[v2]}: kid 'k2' is revoked"
issue u2 k1
check "a token of another kid still allocates" \
	allocates "$T/u2-b.out" b "$T/u2.json"
kid_ttl() {
	local score ttl
	score=$(rcli "$REDIS_PORT" ZSCORE tpa:revoked-kids k2)
	ttl=$(rcli "$REDIS_PORT" TTL tpa:revoked-kids)
	[ "$score" = $((KEY_EXP + 5)) ] && [ "$ttl" -gt 3590 ] &&
		[ "$ttl" -le 3605 ]
}
check "the kid is revoked until its key's exp (+ skew), and so lives the set" \
	kid_ttl

# ---- a token by its id ------------------------------------------------------
issue x k1
check "a token allocates" allocates "$T/x-a.out" a "$T/x.json"
"$TURN_TOKEN" revoke --redis "$REDIS_URL" --id "${TOKEN_ID[x]}" \
	>"$T/revoke-x.out" 2>&1
check "turn-token revoke --id, the end from the token's use in Redis" \
	grep -q "^revoked token ${TOKEN_ID[x]} until .* (from its first use in Redis)$" \
	"$T/revoke-x.out"
check "the token revoked by id is refused" \
	refused "$T/x-again.out" b "$T/x.json"

check "no token, mac_key or browser username in any log" no_token_in_logs

finish
