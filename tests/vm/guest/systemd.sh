#!/bin/bash
# vm test (inside 'tests/vm/vm-run --systemd': the host's systemd 252 is PID 1):
# bwm as it runs on a node. 'meson install' puts bwm into the VM's overlay,
# then:
#   - the installed unit verifies clean; its exposure score is printed;
#   - 'systemctl start bwm' returns once bwmd said READY=1: by then the
#     program is attached to the uplink and the pods are in the maps (STATUS=);
#   - 'systemctl reload bwm' with a changed configuration: applied, still
#     active, same main pid;
#   - kill -STOP of the main pid: the watchdog kills and restarts bwmd, and
#     enforcement never stops (filter attached, counters growing throughout);
#   - 'systemctl stop bwm': clean exit, STOPPING=1, programs stay pinned;
#   - journalctl -u bwm: bwmd's messages carry their priorities;
#   - without CAP_PERFMON (and CAP_SYS_ADMIN, which the kernel's
#     perfmon_capable() accepts too) the program does not load on this kernel.
# bwm.service runs in the VM's root network namespace (the VM is
# disposable); its uplink up0 and pod pod1h are veths into namespaces of
# this test, with 198.18.0.0/15 addresses.
source "$SRC_DIR/tests/netns/lib.sh"

[ "${BWM_VM:-}" = 1 ] || { echo "SKIP: runs only inside tests/vm/vm-run --systemd"; exit "$SKIP"; }
[ "$(cat /proc/1/comm)" = systemd ] || fail "PID 1 is $(cat /proc/1/comm), not systemd: run with vm-run --systemd"

log() { echo "== $*"; }
prop() { systemctl show -P "$1" bwm.service; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

log "install into the VM's overlay"
meson install -C "$BUILD_DIR" --no-rebuild --quiet >/dev/null || fail "meson install failed"
systemctl daemon-reload
unit=$(systemctl show -P FragmentPath bwm.service)
[ -f "$unit" ] || fail "systemd does not find the installed bwm.service"
echo "unit: $unit"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
BWMD_BIN=${exec_start%% *}
CONF=${exec_start##* }
BWMCTL_BIN=$(dirname "$BWMD_BIN")/bwmctl
[ -x "$BWMD_BIN" ] && [ -x "$BWMCTL_BIN" ] || fail "binaries not installed where the unit says ($BWMD_BIN)"
# One configuration path for the unit, both programs and the man pages.
for bin in "$BWMD_BIN" "$BWMCTL_BIN"; do
	default=$("$bin" --help | sed -n 's/.*(default \(.*\))$/\1/p' | head -n 1)
	[ "$default" = "$CONF" ] || fail "the unit reads $CONF, $(basename "$bin") defaults to '$default'"
done
man_dir=$(dirname "$(dirname "$BWMD_BIN")")/share/man
for page in man8/bwmd.8 man8/bwmctl.8 man5/bwm.conf.5; do
	grep -q "$CONF" "$man_dir/$page" || fail "the installed $page does not name $CONF"
done
[ "$CONF" = /etc/bwm/bwm.conf ] || fail "the unit reads $CONF, not /etc/bwm/bwm.conf (README)"
out=$(systemd-analyze verify bwm.service 2>&1) || true
[ -z "$out" ] || fail "systemd-analyze verify: $out"
exposure=$(systemd-analyze security bwm.service | sed -n 's/.*Overall exposure level for bwm.service: \([0-9.]*\).*/\1/p')
echo "RESULT exposure $exposure"

log "topology: up0 (4 TX queues) -> peer namespace, pod1h -> pod namespace"
netns_add peer >/dev/null
netns_add pod1 >/dev/null
ip link add up0 numtxqueues 4 numrxqueues 4 type veth peer name up0p numtxqueues 4 numrxqueues 4 netns "$NS_peer"
ip addr add 198.19.0.1/24 dev up0
ip link set up0 up
ip -n "$NS_peer" addr add 198.19.0.2/24 dev up0p
ip -n "$NS_peer" link set up0p up
ip -n "$NS_peer" route add 198.18.0.0/15 via 198.19.0.1
ip link add pod1h type veth peer name eth0 netns "$NS_pod1"
ip addr add 198.18.1.1/24 dev pod1h
ip link set pod1h up
ip -n "$NS_pod1" addr add 198.18.1.2/24 dev eth0
ip -n "$NS_pod1" link set eth0 up
ip -n "$NS_pod1" route add default via 198.18.1.1
sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$NS_pod1" ping -c 1 -W 2 198.19.0.2 >/dev/null || fail "no path pod1 -> peer"

mkdir -p "$(dirname "$CONF")" /run/bwm/pods
cat >"$CONF" <<EOC
[bwm]
uplinks = up0
[datapath]
qdisc = fq
EOC
printf 'kubernetes.io/egress-bandwidth="10M"\nbwm.io/interface="pod1h"\n' >/run/bwm/pods/web-1
# Its interface does not exist and it has no addresses: pending.
printf 'kubernetes.io/egress-bandwidth="10M"\nbwm.io/interface="cali1a2b3c4d5e6"\n' >/run/bwm/pods/late-2

status_json() { "$BWMCTL_BIN" --config "$CONF" --interval 0 --json status; }
pod_field() {
	status_json | python3 -c '
import json, sys
pods = {p["name"]: p for p in json.load(sys.stdin)["pods"]}
p = pods.get(sys.argv[1])
print("" if p is None else json.dumps(p[sys.argv[2]]))' "$1" "$2"
}
filter_attached() { tc filter show dev up0 egress | grep -q bwm_egress; }

log "start: active only after READY=1"
t0=$(date +%s%N)
systemctl start bwm.service || { journalctl -u bwm --no-pager | tail -30; fail "systemctl start bwm failed"; }
start_ms=$(ms_since "$t0")
# Type=notify: 'start' returned because systemd got READY=1. By then the
# program must be attached and the pods reconciled, with no waiting.
[ "$(prop ActiveState)/$(prop SubState)" = active/running ] || fail "bwm is $(prop ActiveState)/$(prop SubState)"
filter_attached || fail "active, but no program attached to up0"
tc qdisc show dev up0 | grep -q '^qdisc mq b3d: root' || fail "no mq root on up0: $(tc qdisc show dev up0)"
[ "$(pod_field web-1 limit_bps)" = 10000000 ] || fail "active, but web-1 not in the maps"
status=$(prop StatusText)
echo "STATUS=$status"
[[ $status == "1 pods enforced, 1 pending, 0 with errors; 1/1 uplinks active" ]] || fail "status text: '$status'"
main_start=$(prop ExecMainStartTimestampMonotonic)
active_at=$(prop ActiveEnterTimestampMonotonic)
echo "RESULT start_to_ready_ms $(( (active_at - main_start) / 1000 )) (bwmd exec to READY=1); systemctl start ${start_ms} ms (with ExecStartPre)"
eff=$(awk '/^CapEff/ { print $2 }' "/proc/$(prop MainPID)/status")
echo "CapEff $eff: $(capsh --decode="$eff" 2>/dev/null | cut -d= -f2)"
# CAP_SYS_ADMIN: setns() into pods' namespaces for BIG TCP on their veth ends.
[ "$eff" = 000000c000201000 ] ||
	fail "effective capabilities $eff, expected CAP_NET_ADMIN CAP_SYS_ADMIN CAP_PERFMON CAP_BPF"

log "pods enforced: counters grow with traffic"
ip netns exec "$NS_pod1" ping -c 5 -i 0.1 -W 2 198.19.0.2 >/dev/null || fail "pod1 cannot reach the peer"
packets=$(pod_field web-1 packets)
[ "$packets" -ge 5 ] || fail "web-1 counted $packets packets"
"$BWMCTL_BIN" --config "$CONF" --interval 0 status

log "reload with a changed configuration"
pid=$(prop MainPID)
printf 'horizon = 50ms\n' >>"$CONF"
printf '[bwm]\nno_such_key = 1\n' >>"$CONF"   # a warning for the journal check
systemctl reload bwm.service || fail "systemctl reload failed"
[ "$(prop ActiveState)/$(prop SubState)" = active/running ] || fail "after reload: $(prop ActiveState)/$(prop SubState)"
[ "$(prop MainPID)" = "$pid" ] || fail "reload restarted bwmd"
wait_for 5 test "$(pod_field web-1 horizon_ns)" = 50000000 || fail "horizon not applied: $(pod_field web-1 horizon_ns)"

log "kill -STOP: the watchdog restarts bwmd, enforcement goes on"
wd=$(prop WatchdogUSec)
echo "WatchdogUSec=$wd"
ip netns exec "$NS_pod1" ping -i 0.2 -W 1 198.19.0.2 >/dev/null 2>&1 &
PIDS+=("$!")
sleep 1
kill -STOP "$pid"
t0=$(date +%s%N)
last=$(pod_field web-1 packets)
gaps=0
deadline=$(( $(date +%s) + 120 ))
while :; do
	filter_attached || fail "the filter left up0 while bwmd was stopped or restarting"
	now=$(pod_field web-1 packets)
	if [ -n "$now" ] && [ "$now" -gt "$last" ]; then last=$now; else gaps=$((gaps + 1)); fi
	[ "$gaps" -le 3 ] || fail "web-1's counter stopped at $last"
	new=$(prop MainPID)
	if [ "$new" != 0 ] && [ "$new" != "$pid" ] && [ "$(prop ActiveState)/$(prop SubState)" = active/running ]; then
		break
	fi
	[ "$(date +%s)" -lt "$deadline" ] || fail "no restart within 120 s: $(prop ActiveState)/$(prop SubState)"
	sleep 1
done
echo "RESULT watchdog_restart_s $(( $(ms_since "$t0") / 1000 )) (WatchdogSec $wd)"
[ "$(prop NRestarts)" = 1 ] || fail "NRestarts $(prop NRestarts)"
journalctl -u bwm --no-pager -o cat | grep -q "Watchdog timeout" || fail "journal has no watchdog timeout"
before=$(pod_field web-1 packets)
sleep 2
[ "$(pod_field web-1 packets)" -gt "$before" ] || fail "counters do not grow after the restart"
[ "$(pod_field web-1 horizon_ns)" = 50000000 ] || fail "restarted bwmd lost the configuration"

log "stop: clean"
pid=$(prop MainPID)
systemctl stop bwm.service
[ "$(prop ActiveState)" = inactive ] || fail "after stop: $(prop ActiveState)"
[ "$(prop Result)" = success ] || fail "stop result $(prop Result)"
journalctl -u bwm --no-pager -o cat | grep -q "Received Terminated, stopping" || fail "no stop message"
filter_attached || fail "stop detached the program (cleanup_on_exit is off)"

log "journal priorities"
journalctl -u bwm --no-pager -p warning..warning -o cat | grep -q "unknown key 'no_such_key'" ||
	fail "the unknown-key warning is not at priority warning"
journalctl -u bwm --no-pager -p info..info -o cat | grep -q "bwmd ready" || fail "'bwmd ready' not at priority info"
if journalctl -u bwm --no-pager -p warning -o cat | grep -q "bwmd ready"; then
	fail "info messages logged as warnings"
fi
journalctl -u bwm --no-pager -p warning -o short-monotonic | tail -5

# perfmon_capable() is CAP_PERFMON or CAP_SYS_ADMIN: both go.
log "without CAP_PERFMON (nor CAP_SYS_ADMIN) the program does not load on $(uname -r)"
mkdir -p /run/systemd/system/bwm.service.d
printf '[Service]\nCapabilityBoundingSet=~CAP_PERFMON CAP_SYS_ADMIN\nRestart=no\n' >/run/systemd/system/bwm.service.d/no-perfmon.conf
systemctl daemon-reload
if systemctl start bwm.service; then
	fail "bwmd started without CAP_PERFMON"
fi
journalctl -u bwm --no-pager -o cat | grep -q "prohibited for !root\|Failed to load the BPF programs" ||
	fail "no verifier refusal in the journal"
echo "CAP_PERFMON needed: $(journalctl -u bwm --no-pager -o cat | grep -m1 -o 'Failed to load the BPF programs.*')"
rm -r /run/systemd/system/bwm.service.d
systemctl daemon-reload
systemctl reset-failed bwm.service
echo "PASS"
