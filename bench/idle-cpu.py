#!/usr/bin/env python3
"""CPU time an idle three-node mini-broker cluster uses (docs/performance.md, "Three brokers").

Starts three nodes as processes with the recommended JVM options and the shop's replication
settings (every node a broker and a Raft voter), waits SETTLE seconds (default 30) after the last
ready line, then measures each process's CPU time (utime + stime from /proc/<pid>/stat) over
<seconds>: first with no clients, then with a topic of 3 partitions (replication factor 3) and one
idle console consumer in a group. Prints ms of CPU per second per node, the same without the JIT
compiler threads, and the busiest threads (/proc/<pid>/task/*/stat, numbers stripped from names).
Kills what it started.

usage (from the repository root, after a build):
  ./mvnw -B -q -o -pl mini-broker dependency:build-classpath -Dmdep.includeScope=test \
      -Dmdep.outputFile=target/bench-classpath.txt
  bench/idle-cpu.py <dir with mini-broker.jar and mini-broker.jsa> <label> [seconds] [jvm option...]
Environment: SETTLE (seconds), PROPS (extra broker properties, ';'-separated), DUMP=1 (jcmd
Thread.print of every node before and after each measurement, into /tmp, for per-thread CPU with
full thread names). A JVM option may contain NODE, replaced by the node id (for flight recordings).
"""
import os, subprocess, sys, tempfile, time, socket, signal, collections

jar_dir, label = sys.argv[1], sys.argv[2]
secs = int(sys.argv[3]) if len(sys.argv) > 3 else 60
extra = sys.argv[4:]
CP = open('mini-broker/target/bench-classpath.txt').read().strip()
TCK = os.sysconf('SC_CLK_TCK')


def free_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket(); s.bind(('127.0.0.1', 0)); socks.append(s); ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def proc_cpu(pid):
    with open(f'/proc/{pid}/stat') as f:
        rest = f.read().rsplit(')', 1)[1].split()
    return (int(rest[11]) + int(rest[12])) * 1000 // TCK  # ms


def thread_cpu(pid):
    out = {}
    for tid in os.listdir(f'/proc/{pid}/task'):
        try:
            with open(f'/proc/{pid}/task/{tid}/stat') as f:
                s = f.read()
            name = s[s.index('(') + 1:s.rindex(')')]
            rest = s.rsplit(')', 1)[1].split()
            out[tid] = (name, (int(rest[11]) + int(rest[12])) * 1000 // TCK)
        except (FileNotFoundError, ProcessLookupError):
            pass
    return out


def dump(pids, tag):
    if os.environ.get('DUMP'):
        for i, p in enumerate(pids):
            subprocess.run(['jcmd', str(p), 'Thread.print'], stdout=open(f'/tmp/threads-{label}-{tag}-{i+1}.txt', 'w'), timeout=30)


def measure(pids, phase):
    dump(pids, phase + '-a')
    p0 = {p: proc_cpu(p) for p in pids}
    t0s = {p: thread_cpu(p) for p in pids}
    w0 = time.monotonic()
    time.sleep(secs)
    w = time.monotonic() - w0
    p1 = {p: proc_cpu(p) for p in pids}
    t1s = {p: thread_cpu(p) for p in pids}
    dump(pids, phase + '-b')
    rates = [(p1[p] - p0[p]) / w for p in pids]
    jit = []
    for p in pids:
        j = 0
        for tid, (name, c1) in t1s[p].items():
            if 'CompilerThre' in name:
                j += c1 - t0s[p].get(tid, (name, 0))[1]
        jit.append(j / w)
    nojit = [r - j for r, j in zip(rates, jit)]
    print(f'RESULT {label} {phase} ms_cpu_per_s ' + ' '.join(f'{r:.1f}' for r in rates)
          + f' mean {sum(rates)/len(rates):.1f} | without JIT ' + ' '.join(f'{r:.1f}' for r in nojit)
          + f' mean {sum(nojit)/len(nojit):.1f}', flush=True)
    for i, p in enumerate(pids):
        by_name = collections.Counter()
        for tid, (name, c1) in t1s[p].items():
            c0 = t0s[p].get(tid, (name, 0))[1]
            # group numbered threads: strip trailing digits
            key = name.rstrip('0123456789').rstrip('-#_ ') or name
            by_name[key] += c1 - c0
        top = ', '.join(f'{k}={v / w:.1f}' for k, v in by_name.most_common(12) if v > 0)
        print(f'  node{i+1} threads ms/s: {top}', flush=True)


def main():
    work = tempfile.mkdtemp(prefix='idle-')
    ports = free_ports(6)
    voters = ','.join(f'{i+1}@127.0.0.1:{ports[3+i]}' for i in range(3))
    procs, logs = [], []
    try:
        for i in range(3):
            props = [f'node.id={i+1}',
                     f'listeners=PLAINTEXT://127.0.0.1:{ports[i]},CONTROLLER://127.0.0.1:{ports[3+i]}',
                     'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
                     'controller.listener.names=CONTROLLER',
                     f'controller.quorum.voters={voters}',
                     f'log.dirs={work}/logs-{i+1}',
                     'num.partitions=3', 'default.replication.factor=3',
                     'offsets.topic.replication.factor=3', 'offsets.topic.num.partitions=3',
                     'min.insync.replicas=2', 'group.initial.rebalance.delay.ms=0'] + \
                    [p for p in os.environ.get('PROPS', '').split(';') if p]
            cfg = f'{work}/b{i+1}.properties'
            open(cfg, 'w').write('\n'.join(props) + '\n')
            log = open(f'{work}/b{i+1}.log', 'w')
            logs.append(f'{work}/b{i+1}.log')
            cmd = ['java', '-Xmx256m', '-XX:+UseSerialGC',
                   f'-XX:SharedArchiveFile={jar_dir}/mini-broker.jsa'] + \
                  [e.replace('NODE', str(i + 1)) for e in extra] + \
                  ['-jar', f'{jar_dir}/mini-broker.jar', cfg]
            procs.append(subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if all(' ready on ' in open(l).read() for l in logs):
                break
            time.sleep(0.5)
        else:
            raise SystemExit('not ready: ' + work)
        pids = [p.pid for p in procs]
        print(f'# {label}: pids {pids} work {work}', flush=True)
        time.sleep(int(os.environ.get('SETTLE', '30')))
        measure(pids, 'no-clients')
        bootstrap = ','.join(f'127.0.0.1:{p}' for p in ports[:3])
        subprocess.run(['java', '-cp', CP, 'org.apache.kafka.tools.TopicCommand', '--bootstrap-server',
                        bootstrap, '--create', '--topic', 'orders', '--partitions', '3',
                        '--replication-factor', '3'], check=True, timeout=60,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cons = subprocess.Popen(['java', '-Xmx128m', '-XX:TieredStopAtLevel=1', '-cp', CP,
                                 'org.apache.kafka.tools.consumer.ConsoleConsumer',
                                 '--bootstrap-server', bootstrap, '--topic', 'orders', '--group', 'idle-g'],
                                stdout=subprocess.DEVNULL, stderr=open(f'{work}/consumer.log', 'w'))
        procs.append(cons)
        time.sleep(int(os.environ.get('SETTLE', '30')))
        measure(pids, 'one-group')
        for l in logs:
            n = sum(1 for _ in open(l))
            print(f'  {os.path.basename(l)}: {n} log lines', flush=True)
    finally:
        for p in procs:
            try:
                p.send_signal(signal.SIGKILL)
                p.wait(timeout=10)
            except Exception as e:
                print('kill failed', p.pid, e)


main()
