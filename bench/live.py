#!/usr/bin/env python3
"""How long a record takes from a followed file to the screen (make bench).

usage: live.py [--viewer] LABEL SPENDTOP [ARGS...]

Runs the dashboard in a detached tmux at 160x50 with ARGS plus a config
that follows one more file, live.json (an otel_file source polled every
second, the default). Then, 20 times: appends one span for a new tenant
(live-RUN-0001, live-RUN-0002, ...: new to the database) whose spend puts
it first in the Tenants pane, and reads the screen (tmux capture-pane) every 2 ms until that tenant is on
it; the appends are 0.2 to 0.7 s apart (records arriving on a dashboard,
not one burst). Prints the median and the worst of the 20, in ms: a figure, never a
threshold. With --now in ARGS, spans are dated by the dashboard's clock (it
runs on from --now). The time is the user's: the file change noticed, the line read,
priced and stored, a view made and the frame drawn, and tmux showing it.

--viewer: a `spendtop --daemon` with the same ARGS follows the file and the
dashboard is its viewer (README: One daemon, many viewers): the time then
also holds the daemon's commit and the viewer's look at the database.
"""
import json, os, random, shutil, subprocess, sys, tempfile, time

ROUNDS = 20


# this run's spans: a trace id and tenants of their own (the database
# remembers the spans it counted, and a tenant a run before this one
# brought would be on screen before its line is appended)
RUN = (os.getpid() << 32 | int(time.time()) & 0xffffffff) & 0xffffffffffffffff


def span_line(tenant, n, offset):
    attrs = [
        ("gen_ai.operation.name", {"stringValue": "chat"}),
        ("gen_ai.provider.name", {"stringValue": "openai"}),
        ("gen_ai.request.model", {"stringValue": "gpt-5"}),
        # more than any span of an earlier run (the database keeps them, in
        # the same hour when --now is given): ties sort by name, and a new
        # tenant named after an earlier run's was below the pane's fold
        ("gen_ai.usage.input_tokens",
         {"intValue": str(2000000000 + (int(time.time()) - 1700000000) * 100)}),
        ("gen_ai.usage.output_tokens", {"intValue": "1000"}),
        ("tenant.id", {"stringValue": tenant}),
    ]
    t = time.time_ns() + offset
    req = {"resourceSpans": [{"resource": {"attributes": []}, "scopeSpans": [{"spans": [{
        "traceId": "%032x" % (RUN << 64 | n), "spanId": "%016x" % (0x1000 + n),
        "name": "chat gpt-5", "kind": 3,
        "startTimeUnixNano": str(t), "endTimeUnixNano": str(t + 1000000),
        "attributes": [{"key": k, "value": v} for k, v in attrs], "status": {}}]}]}]}
    return json.dumps(req, separators=(",", ":")) + "\n"


def main():
    argv = sys.argv[1:]
    via = argv[:1] == ["--viewer"]
    if via:
        argv = argv[1:]
    label, cmd = argv[0], argv[1:]
    d = tempfile.mkdtemp(prefix="spendtop-live-")
    live = os.path.join(d, "live.json")
    open(live, "w").close()
    conf = os.path.join(d, "live.toml")
    # the config given in ARGS (-c FILE), if any, followed by the live source
    args = list(cmd[1:])
    text = ""
    if "-c" in args:
        i = args.index("-c")
        text = open(args[i + 1]).read() + "\n"
        del args[i:i + 2]
    with open(conf, "w") as f:
        f.write(text + '[[source]]\nname = "live"\ntype = "otel_file"\npath = "%s"\n' % live)
    # the dashboard's clock runs on from --now: date the spans by it
    offset = 0
    if "--now" in args:
        offset = (int(args[args.index("--now") + 1]) - int(time.time())) * 1000000000
    tmux = ["tmux", "-L", "spendtop-live-%d" % os.getpid(), "-f", "/dev/null"]
    env = dict(os.environ, XDG_STATE_HOME=d, TERM="xterm-256color", LANG="C.UTF-8")
    shell_cmd = " ".join("'%s'" % a.replace("'", "'\\''") for a in [cmd[0], "-c", conf] + args)
    daemon = None
    try:
        if via:
            daemon = subprocess.Popen([cmd[0], "--daemon", "-c", conf] + args, env=env,
                                      stdout=subprocess.DEVNULL,
                                      stderr=open(os.path.join(d, "daemon.err"), "w"))
            end = time.monotonic() + 60
            while time.monotonic() < end and "collecting from" not in open(
                    os.path.join(d, "daemon.err")).read():
                time.sleep(0.05)
        subprocess.run(tmux + ["new-session", "-d", "-s", "s", "-x", "160", "-y", "50",
                               "exec " + shell_cmd], env=env, check=True)

        def screen():
            return subprocess.run(tmux + ["capture-pane", "-p", "-t", "s"], env=env,
                                  capture_output=True, text=True).stdout

        def wait_for(text, limit):
            end = time.monotonic() + limit
            while time.monotonic() < end:
                if text in screen():
                    return True
                time.sleep(0.002)
            return False

        if not wait_for("Spend", 60):
            print("  live: the dashboard did not start")
            return 1
        took = []
        rnd = random.Random(16)
        for i in range(1, ROUNDS + 1):
            time.sleep(rnd.uniform(0.2, 0.7))  # the scenario's spacing, not a wait
            tenant = "live-%04x-%04d" % (RUN >> 32 & 0xffff, i)  # new to the database
            line = span_line(tenant, i, offset)
            t0 = time.monotonic()
            with open(live, "a") as f:
                f.write(line)
            if not wait_for(tenant, 10):
                print("  live, %s: %s never showed up (10 s)" % (label, tenant))
                return 1
            took.append((time.monotonic() - t0) * 1000)
        took.sort()
        median = (took[ROUNDS // 2 - 1] + took[ROUNDS // 2]) / 2
        print("  live, %s: a line appended is on screen in %.0f ms at the median, "
              "%.0f ms at worst (%d appends; target < 250 ms)" % (label, median, took[-1], ROUNDS))
        return 0
    finally:
        subprocess.run(tmux + ["kill-server"], env=env, stderr=subprocess.DEVNULL)
        if daemon:
            daemon.terminate()
            daemon.wait()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
