# Samples every process's CPU time every 5 s; prints the share of the 2 cores used by processes
# that are not the benchmark (cmdline without "bench"), so a run can say how quiet it was.
import os, time, sys
HZ = os.sysconf("SC_CLK_TCK"); CORES = os.cpu_count()
def snap():
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit(): continue
        try:
            st = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        out[pid] = (int(st[11]) + int(st[12]), cmd)
    return out
prev = snap(); t0 = time.time()
tot_b = tot_o = 0.0; start = t0
while True:
    time.sleep(5)
    cur = snap(); t = time.time(); dt = t - t0
    b = o = 0
    tops = []
    for pid, (ticks, cmd) in cur.items():
        d = ticks - prev.get(pid, (0, ""))[0] if pid in prev else ticks
        if d <= 0: continue
        if "bench" in cmd or "monitor.py" in cmd: b += d
        else: o += d; tops.append((d, cmd[:80]))
    tot_b += b / HZ; tot_o += o / HZ
    tops.sort(reverse=True)
    print(f"{time.strftime('%H:%M:%S')} bench {b/HZ/dt/CORES*100:5.1f}% others {o/HZ/dt/CORES*100:5.1f}% cumulative others {tot_o/((t-start)*CORES)*100:.2f}% top {tops[:2]}", flush=True)
    prev = cur; t0 = t
