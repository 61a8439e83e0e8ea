/**
 * Networking end to end, with real guests (Debian kernel + hv's initramfs, whose /init runs udhcpc
 * on eth0) driven over the serial console. All traffic stays on this machine: the host side is
 * 127.0.0.1 and the switch is a UNIX socket in a private temporary directory.
 *
 * - `--net user` (passt): the guest gets an address by DHCP, downloads a file from an HTTP server
 *   this test runs on 127.0.0.1 (reached through the gateway address, which passt maps to the
 *   host's loopback) and its checksum matches; a host → guest port forward reaches busybox httpd in
 *   the guest; passt ends with the VM.
 * - `--net switch=NAME`: two VMs with static addresses ping each other and move 1 MiB over TCP (nc).
 *
 * Three VMs boot at once; every run has --timeout and every wait its own deadline.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, get as httpGet, type Server } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HvConsole, HV_BIN, projectRoot } from '../boot/console.js';

const BOOT_MS = 150_000;
const RUN_TIMEOUT_S = '200';
const PROMPT = /# $/m;
const havePasst = spawnSync('sh', ['-c', 'command -v passt']).status === 0;
const running = new Set<HvConsole>();

function boot(args: string[], env?: NodeJS.ProcessEnv): HvConsole {
  const vm = HvConsole.spawn(['run', '--memory', '256M', '--timeout', RUN_TIMEOUT_S, ...args], env ? { env } : {});
  running.add(vm);
  return vm;
}

/** Waits for the shell prompt; with `during`, also for that line, which /init prints between the boot marker and the shell. */
async function toShell(vm: HvConsole, during?: RegExp): Promise<RegExpExecArray | undefined> {
  await vm.waitFor(/HV-BOOT-OK/, BOOT_MS);
  const m = during ? await vm.waitFor(during, 150_000) : undefined;
  await vm.waitFor(/Enter 'help'/, 150_000);
  await vm.waitFor(PROMPT, 30_000);
  return m;
}

async function powerOff(vm: HvConsole): Promise<void> {
  vm.send('poweroff');
  const st = await vm.exit(60_000);
  assert.equal(st.code, 0, `poweroff: expected exit status 0\n${vm.transcript()}`);
}

/** Child processes of `pid` whose command name matches `comm` (from /proc). */
function childrenNamed(pid: number, comm: RegExp): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const m = /^\d+ \((.*)\) \S (\d+)/.exec(stat);
      if (m && comm.test(m[1]!) && Number(m[2]) === pid) out.push(Number(d));
    } catch { /* gone */ }
  }
  return out;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return p;
}

function fetchText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    httpGet(url, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => { body += c; }).on('end', () => resolve(`${res.statusCode} ${body}`));
    }).on('error', reject);
  });
}

describe('networking: virtio-net with passt user networking and the hv switch', { concurrency: 2 }, () => {
  before(() => {
    // Up to date image (the initramfs with the udhcpc script); cheap when nothing changed.
    const r = spawnSync(process.execPath, [HV_BIN, 'image', 'pull'], { cwd: projectRoot(), stdio: ['ignore', 'ignore', 'inherit'], timeout: 900_000 });
    assert.equal(r.status, 0, '`hv image pull` failed');
  });

  after(async () => { await Promise.all([...running].map((vm) => vm.kill())); });

  test('user (passt): DHCP, download from the host with a matching checksum, host→guest port forward, passt ends with the VM',
    { timeout: 200_000, skip: !havePasst && 'passt is not installed (apt-get install passt)' }, async () => {
      const blob = randomBytes(1 << 20);
      const sha = createHash('sha256').update(blob).digest('hex');
      const server: Server = createHttpServer((req, res) => {
        if (req.url === '/blob') { res.setHeader('content-length', blob.length); res.end(blob); } else { res.statusCode = 404; res.end(); }
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const port = (server.address() as { port: number }).port;
      const fwd = await freePort();
      try {
        const vm = boot(['--net', `user,hostfwd=tcp:127.0.0.1:${fwd}-:8080`]);
        // udhcpc's script reports the lease: address and gateway (passt's: the host's default gateway).
        const lease = await toShell(vm, /hv-net: eth0 (\d+\.\d+\.\d+\.\d+)\/\d+ via (\d+\.\d+\.\d+\.\d+)\n/);
        const gw = lease![2]!;
        // passt may re-exec itself as passt.avx2.
        const passt = childrenNamed(vm.pid, /^passt(\.avx2)?$/);
        assert.equal(passt.length, 1, 'hv runs one passt for its one NIC');

        const got = await vm.sh(`wget -q -O /tmp/blob http://${gw}:${port}/blob && sha256sum /tmp/blob`, 90_000);
        assert.match(got, new RegExp(`^${sha}\\s+/tmp/blob$`), `the guest's copy has the host file's checksum\n${vm.transcript()}`);

        assert.equal(await vm.sh('mkdir -p /www && echo hv-guest-httpd > /www/index.html && httpd -p 8080 -h /www && echo started'), 'started');
        let page = '';
        for (let i = 0; i < 20 && !page.startsWith('200'); i++) {
          page = await fetchText(`http://127.0.0.1:${fwd}/index.html`).catch((e: Error) => e.message);
          if (!page.startsWith('200')) await new Promise((r) => setTimeout(r, 500));
        }
        assert.equal(page, '200 hv-guest-httpd\n', `the host reaches the guest's httpd through the forward\n${vm.transcript()}`);

        await powerOff(vm);
        for (let i = 0; i < 50 && existsSync(`/proc/${passt[0]}`); i++) await new Promise((r) => setTimeout(r, 100));
        assert.equal(existsSync(`/proc/${passt[0]}`), false, 'passt ended with the VM');
      } finally {
        server.close();
      }
    });

  test('switch: two VMs on one switch ping each other and move 1 MiB over TCP', { timeout: 200_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hv-net-test-'));
    chmodSync(dir, 0o700);
    const env = { ...process.env, XDG_RUNTIME_DIR: dir };
    const name = `t${process.pid}`;
    try {
      const a = boot(['--net', `switch=${name}`], env);
      const b = boot(['--net', `switch=${name},mac=52:54:00:be:ef:02`], env);
      await Promise.all([toShell(a), toShell(b)]);
      assert.match(await b.sh('cat /sys/class/net/eth0/address'), /^52:54:00:be:ef:02$/);
      await a.sh('ip addr add 10.77.0.1/24 dev eth0 && ip link set eth0 up');
      await b.sh('ip addr add 10.77.0.2/24 dev eth0 && ip link set eth0 up');
      const ping = await a.sh('ping -c 3 -W 10 10.77.0.2', 60_000);
      assert.match(ping, /3 packets transmitted, 3 packets received/, `ping over the switch\n${a.transcript()}`);

      b.send('nc -l -p 5000 > /tmp/r &');
      await new Promise((r) => setTimeout(r, 1000));
      const sent = await a.sh('head -c 1048576 /dev/urandom > /tmp/s && sha256sum /tmp/s && nc 10.77.0.2 5000 < /tmp/s && echo sent', 90_000);
      const m = /^([0-9a-f]{64})\s+\/tmp\/s\nsent$/.exec(sent);
      assert.ok(m, `sender side\n${a.transcript()}`);
      const recv = await b.sh('wait; sha256sum /tmp/r', 60_000);
      assert.match(recv, new RegExp(`^${m[1]}\\s+/tmp/r$`), `the receiver got the same bytes\n${b.transcript()}`);
      await Promise.all([powerOff(a), powerOff(b)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
