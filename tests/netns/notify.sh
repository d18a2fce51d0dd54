#!/bin/bash
# bwmd's sd_notify protocol, against a test $NOTIFY_SOCKET (a python
# listener that records each datagram with the CLOCK_MONOTONIC time it was sent):
#   - start: STATUS= (pods enforced, pending, errors; uplinks), then READY=1,
#     and only once the program is attached and the pods are in the maps
#     (the listener looks once it has read READY=1);
#   - WATCHDOG=1 every WATCHDOG_USEC/2;
#   - SIGHUP: RELOADING=1 with MONOTONIC_USEC=, STATUS=, READY=1, the new
#     configuration applied by then;
#   - SIGTERM: STOPPING=1, exit 0;
#   - a bwmd that cannot set up its uplink (a root qdisc it cannot record)
#     never says READY=1;
#   - a $NOTIFY_SOCKET nobody listens on changes nothing.
# Pacing is not the point here: [datapath] qdisc = none, on any kernel.
source "$(dirname "$0")/lib.sh"

topo_node 1
topo_pod_routed 1
write_config "$(printf '[datapath]\nqdisc = none')"
pod_file web-1 kubernetes.io/egress-bandwidth=10M bwm.io/interface=pod1h
pod_file late-2 kubernetes.io/egress-bandwidth=10M bwm.io/interface=nosuch2   # pending

SOCK=$TMP/notify.sock
MSGS=$TMP/notify.log
# listen MSGS: records "<monotonic us> <message, newlines as |>" per datagram,
# the time bwmd sent it (the kernel's SO_TIMESTAMP, taken as the datagram is
# queued: the listener's own delays, such as the commands it runs on
# READY=1, do not shift it); on each READY=1, also what the node looks like
# once it has read it.
listen() {
	python3 - "$SOCK" "$1" "$NS_node" "$BWMCTL" "$TMP/bwm.conf" <<'PY' &
import json, socket, struct, subprocess, sys, time
path, out, ns, bwmctl, conf = sys.argv[1:]
SO_TIMESTAMP = 29  # asm-generic/socket.h; Python's socket module lacks it
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMP, 1)
s.bind(path)
f = open(out, "a", buffering=1)
while True:
    data, ancillary, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(16))
    msg = data.decode()
    # SO_TIMESTAMP is CLOCK_REALTIME: moved onto CLOCK_MONOTONIC, the clock
    # of MONOTONIC_USEC= and of the test's own marks.
    sent_real = next(sec * 1000000 + usec for level, kind, value in ancillary
                     if level == socket.SOL_SOCKET and kind == SO_TIMESTAMP
                     for sec, usec in [struct.unpack("qq", value)])
    now = sent_real - (time.clock_gettime_ns(time.CLOCK_REALTIME) -
                       time.clock_gettime_ns(time.CLOCK_MONOTONIC)) // 1000
    f.write("%d %s\n" % (now, msg.strip("\n").replace("\n", "|")))
    if "READY=1" in msg.split("\n"):
        tc = subprocess.run(["ip", "netns", "exec", ns, "tc", "filter", "show", "dev", "up0", "egress"],
                            capture_output=True, text=True).stdout
        st = subprocess.run(["ip", "netns", "exec", ns, bwmctl, "--config", conf, "--interval", "0",
                             "--json", "status"], capture_output=True, text=True).stdout
        pods = {p["name"]: p for p in json.loads(st)["pods"]} if st else {}
        web = pods.get("web-1", {})
        f.write("%d CHECK attached=%s web-1=%s horizon=%s\n" % (now, "bwm_egress" in tc,
                web.get("limit_bps"), web.get("horizon_ns")))
PY
	PIDS+=("$!")
	wait_for 5 test -S "$SOCK" || fail "the listener did not start"
}
msgs() { cut -d' ' -f2- "$MSGS"; }

listen "$MSGS"
export NOTIFY_SOCKET=$SOCK WATCHDOG_USEC=1000000
bwmd_start
wait_for 5 grep -q "CHECK" "$MSGS" || fail "no READY=1: $(cat "$MSGS")"
sleep 2.3   # some watchdog pings

echo "== start: STATUS=, then READY=1 once attached and reconciled"
msgs | grep -v '^WATCHDOG=1$' | head -3
[ "$(msgs | grep -v '^WATCHDOG=1$' | head -3 | tr '\n' '/')" = \
	"STATUS=1 pods enforced, 1 pending, 0 with errors; 1/1 uplinks active/READY=1/CHECK attached=True web-1=10000000 horizon=100000000/" ] ||
	fail "start sequence: $(msgs)"
first_ready=$(grep -n 'READY=1' "$MSGS" | head -1 | cut -d: -f1)
first_attach=$(grep -n "egress program attached" "$TMP/bwmd.log" | head -1)
[ -n "$first_attach" ] || fail "no attach message"

echo "== WATCHDOG=1 every WATCHDOG_USEC/2"
awk '$2 == "WATCHDOG=1" { if (t) print $1 - t; t = $1 }' "$MSGS" > "$TMP/intervals"
n=$(wc -l < "$TMP/intervals")
[ "$n" -ge 3 ] || fail "only $((n + 1)) WATCHDOG=1 in 2.3 s"
# The first ping comes at set-up, the rest every 500 ms: within sd-event's
# timer accuracy in virtual time, where timers are exact; on a shared host
# a busy CPU delays the loop and the listener, so only a sanity bound.
if in_virtual_time; then lo=450000 hi=600000; else lo=250000 hi=2000000; fi
tail -n +2 "$TMP/intervals" |
	awk -v lo=$lo -v hi=$hi '$1 < lo || $1 > hi { bad = 1; print "interval " $1 " us" } END { exit bad }' ||
	fail "watchdog intervals outside $lo..$hi us"
echo "intervals (us): $(tr '\n' ' ' < "$TMP/intervals")"

echo "== SIGHUP: RELOADING=1 + MONOTONIC_USEC=, STATUS=, READY=1, applied by then"
printf '[datapath]\nhorizon = 50ms\n' >> "$TMP/bwm.conf"
mark=$(wc -l < "$MSGS")
before=$(python3 -c 'import time; print(time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000)')
kill -HUP "$BWMD_PID"
wait_for 5 sh -c "tail -n +$((mark + 1)) '$MSGS' | grep -q 'CHECK'" || fail "no READY=1 after SIGHUP"
tail -n +$((mark + 1)) "$MSGS" | grep -v ' WATCHDOG=1$' > "$TMP/reload"
cat "$TMP/reload"
python3 - "$TMP/reload" "$before" <<'PY' || fail "reload sequence"
import re, sys
lines = [l.rstrip("\n").split(" ", 1) for l in open(sys.argv[1])]
before = int(sys.argv[2])
m = re.fullmatch(r"RELOADING=1\|MONOTONIC_USEC=(\d+)", lines[0][1])
assert m, "first: %r" % lines[0][1]
usec, sent = int(m.group(1)), int(lines[0][0])
assert before <= usec <= sent, "MONOTONIC_USEC=%d not within [%d, %d]" % (usec, before, sent)
rest = [l[1] for l in lines[1:4]]
assert rest == ["STATUS=1 pods enforced, 1 pending, 0 with errors; 1/1 uplinks active",
                "READY=1", "CHECK attached=True web-1=10000000 horizon=50000000"], rest
PY

echo "== SIGTERM: STOPPING=1, exit 0"
mark=$(wc -l < "$MSGS")
bwmd_stop TERM || fail "bwmd exited with $?"
sleep 0.2
[ "$(tail -n +$((mark + 1)) "$MSGS" | cut -d' ' -f2- | grep -v '^WATCHDOG=1$' | tr '\n' '/')" = "STOPPING=1/" ] ||
	fail "stop: $(tail -n +$((mark + 1)) "$MSGS")"
[ "$(grep -c "READY=1" "$MSGS")" = 2 ] || fail "READY=1 count $(grep -c 'READY=1' "$MSGS")"

echo "== no listener on \$NOTIFY_SOCKET: runs the same"
export NOTIFY_SOCKET=$TMP/nobody.sock
bwmd_start
kill -HUP "$BWMD_PID"
sleep 0.3
bwmd_stop TERM || fail "bwmd exited with $? without a listener"
grep -q "Failed to" "$TMP/bwmd.log" && fail "errors without a listener: $(grep 'Failed to' "$TMP/bwmd.log")"

echo "== an uplink that cannot be set up: no READY=1"
rm -f "$SOCK"
MSGS2=$TMP/notify2.log
: > "$MSGS2"
listen "$MSGS2"
export NOTIFY_SOCKET=$SOCK
sed -i 's/^qdisc = none/qdisc = fq/' "$TMP/bwm.conf"
in_node tc qdisc replace dev up0 root handle 1: htb default 10
rc=0
timeout 30 ip netns exec "$NS_node" "$BWMD" --config "$TMP/bwm.conf" > "$TMP/bwmd-htb.log" 2>&1 || rc=$?
[ "$rc" != 0 ] && [ "$rc" != 124 ] || fail "bwmd did not fail on an htb root (exit $rc)"
sleep 0.2
grep -q "READY=1" "$MSGS2" && fail "READY=1 from a bwmd that failed: $(cat "$MSGS2")"
echo "exit $rc, messages: $(cut -d' ' -f2- "$MSGS2" | tr '\n' ' ')"
unset NOTIFY_SOCKET WATCHDOG_USEC
echo PASS
