# shellcheck shell=bash
# natgw_run.sh: start and stop a natgw process for the pcap and smoke tests
# (no namespaces). Source it; it sets an EXIT trap that kills natgw and
# removes the test's temporary directory.
#   natgw_run_init              make $NATGW_DIR (temporary) and the trap
#   natgw_run_start BIN CONFIG  start natgw in the background (stdout and stderr
#                               in $NATGW_DIR/stdout|stderr), wait until it runs
#   natgw_run_stop              SIGTERM, wait; exit status in $NATGW_RC
NATGW_PID=""
NATGW_DIR=""
NATGW_RC=""

natgw_run_cleanup() {
	if [ -n "$NATGW_PID" ]; then kill -9 "$NATGW_PID" 2>/dev/null || true; fi
	if [ -n "$NATGW_DIR" ]; then rm -rf "$NATGW_DIR"; fi
}

natgw_run_init() {
	NATGW_DIR=$(mktemp -d /tmp/natgw-test.XXXXXX)
	trap natgw_run_cleanup EXIT
}

natgw_run_start() {
	"$1" -c "$2" >"$NATGW_DIR/stdout" 2>"$NATGW_DIR/stderr" &
	NATGW_PID=$!
	for _ in $(seq 100); do
		grep -q "running with" "$NATGW_DIR/stderr" 2>/dev/null && break
		kill -0 "$NATGW_PID" 2>/dev/null || break
		sleep 0.1
	done
}

# shellcheck disable=SC2034 # NATGW_RC is read by the sourcing script
natgw_run_stop() {
	kill -TERM "$NATGW_PID" 2>/dev/null || true
	NATGW_RC=0
	wait "$NATGW_PID" || NATGW_RC=$?
	NATGW_PID=""
}
