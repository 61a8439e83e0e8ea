/**
 * Network section of `npm run bench:io` (loaded by bench/io.ts), also runnable alone:
 * `npm run bench io-net [-- --net-mib N] [--runs N] [--no-qemu]`.
 *
 * Guest ↔ host TCP throughput over user-mode networking through passt, hv vs QEMU, same guest:
 * the default image (Debian kernel + hv initramfs, whose udhcpc takes passt's lease and its 65520-byte
 * MTU), 512 MiB, one hart each (hv's built-in SBI, QEMU's default OpenSBI). passt is started the same
 * way for both (src/backends/net/passt.ts launchPasst: `passt --one-off --socket …`): hv connects to it
 * itself (`--net user`); QEMU gets `-netdev stream,server=off,addr.type=unix,addr.path=… -device
 * virtio-net-device` (virtio-mmio, as hv).
 *
 * Both transfers are started by the guest towards a Node HTTP server on the host's loopback, through
 * passt's gateway mapping:
 *   host → guest: wget -O /dev/null http://GATEWAY:PORT/blob   N MiB; bytes / guest seconds around wget
 *                 (/proc/uptime, as the block section)
 *   guest → host: wget --post-file /tmp/up http://GATEWAY:PORT/up   an N MiB file in the guest's RAM;
 *                 bytes / host seconds from the first to the last byte of the request body (wget first
 *                 reads the whole file into memory, which is not network time)
 * Not `dd | nc` nor `nc < file` for the upload: busybox nc moves data in small reads and writes with a
 * poll() each, so the guest spends its time in syscall entry/exit (1.7 MB/s through a pipe on QEMU and hv
 * alike, 4 MB/s from a file), which measures the syscall path, not the network. wget writes the body in
 * large writes. One 1 MiB warm-up of each first; with --runs N the median of N.
 */
import { spawnSync } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { HvConsole, HV_BIN, projectRoot } from '../tests/boot/console.js';
import { defaultImagePaths, type ImageInfo } from '../src/images/index.js';
import { launchPasst, findPasst } from '../src/backends/net/passt.js';
import { median, report, table } from './report.js';
import type { IoContext, IoSection, IoSectionResult } from './io.js';

const QEMU = 'qemu-system-riscv64';
const MEMORY = '512M';
const APPEND = 'console=ttyS0 earlycon=sbi root=none';
const round = (x: number): number => Math.round(x * 100) / 100;

export interface NetBenchOptions {
  image: ImageInfo;
  /** MiB per transfer (default 64). */
  mib?: number;
  runs?: number;
  withQemu?: boolean;
  log?: (line: string) => void;
}

export interface NetSideResult {
  /** host → guest (wget) MB/s, median and every run. */
  downMBps: number;
  upMBps: number;
  downRuns: number[];
  upRuns: number[];
}

export interface NetBenchResult {
  mib: number;
  hv: NetSideResult;
  qemu?: NetSideResult;
  ratio?: { down: number; up: number };
  qemuVersion?: string;
  passtVersion?: string;
}

/** The host end: an HTTP server on 127.0.0.1 that sends N MiB (GET /blob, 1 MiB for GET /warm) and times uploads (POST /up). */
async function hostEnd(bytes: number): Promise<{ port: number; lastUpload: () => { bytes: number; seconds: number } | undefined; close: () => void }> {
  const blob = Buffer.alloc(bytes);
  const small = Buffer.alloc(1 << 20);
  let last: { bytes: number; seconds: number } | undefined;
  const http = createHttpServer((req, res) => {
    if (req.method === 'POST') {
      let n = 0, t0 = 0;
      req.on('data', (d: Buffer) => { if (n === 0) t0 = performance.now(); n += d.length; });
      req.on('end', () => { last = { bytes: n, seconds: (performance.now() - t0) / 1000 }; res.end('ok\n'); });
      return;
    }
    const body = req.url === '/warm' ? small : blob;
    res.setHeader('content-length', body.length);
    res.end(body);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return { port: (http.address() as AddressInfo).port, lastUpload: () => last, close: () => { http.close(); } };
}

/** Runs `cmd` in the guest and returns its guest-time duration in seconds (10 ms resolution). */
async function timed(vm: HvConsole, cmd: string): Promise<number> {
  const out = await vm.sh(`a=$(cut -d' ' -f1 /proc/uptime); ${cmd}; echo "rc=$?"; b=$(cut -d' ' -f1 /proc/uptime); echo "T $a $b"`, 900_000);
  const m = /T ([\d.]+) ([\d.]+)/.exec(out);
  if (!m || !/rc=0/.test(out)) throw new Error(`guest command failed: ${cmd}\n${out}\n${vm.transcript().slice(-3000)}`);
  return Math.max(Number(m[2]) - Number(m[1]), 0.01);
}

async function side(emu: 'hv' | 'qemu', o: Required<Omit<NetBenchOptions, 'log'>> & { log: (l: string) => void }): Promise<NetSideResult> {
  const bytes = o.mib * 1048576;
  const host = await hostEnd(bytes);
  const passt = emu === 'qemu' ? await launchPasst({ name: 'qemu' }) : undefined;
  const common = ['-kernel', o.image.kernel, '-initrd', o.image.initramfs, '-append', APPEND];
  const vm = emu === 'hv'
    ? HvConsole.spawn(['run', '--kernel', o.image.kernel, '--initrd', o.image.initramfs, '--append', APPEND, '--memory', MEMORY, '--timeout', '1800', '--net', 'user'])
    : HvConsole.spawnCommand(QEMU, ['-M', 'virt', '-nographic', '-m', MEMORY, ...common,
      '-netdev', `stream,id=n0,server=off,addr.type=unix,addr.path=${passt!.socketPath}`, '-device', 'virtio-net-device,netdev=n0']);
  try {
    const lease = await vm.waitFor(/hv-net: eth0 \S+ via (\d+\.\d+\.\d+\.\d+)\n/, 300_000);
    passt?.cleanup();
    const gw = lease[1]!;
    await vm.waitFor(/# $/m, 60_000);
    // Warm-up (TCP slow start, page cache, JIT tier-up), not counted.
    const url = `http://${gw}:${host.port}`;
    await timed(vm, `wget -q -O /dev/null ${url}/warm`);
    // wget --post-file sends the file as a C string: no NUL bytes.
    await timed(vm, `head -c 1048576 /dev/zero | tr '\\0' a > /tmp/up && wget -q -O /dev/null --post-file /tmp/up ${url}/up`);
    await timed(vm, `head -c ${bytes} /dev/zero | tr '\\0' a > /tmp/up`);
    const down: number[] = [], up: number[] = [];
    for (let k = 0; k < o.runs; k++) {
      down.push(o.mib / await timed(vm, `wget -q -O /dev/null ${url}/blob`));
      await timed(vm, `wget -q -O /dev/null --post-file /tmp/up ${url}/up`);
      const u = host.lastUpload();
      if (u?.bytes !== bytes) throw new Error(`${emu}: the host received ${u?.bytes} bytes, not ${bytes}`);
      up.push(o.mib / Math.max(u.seconds, 0.001));
      o.log(`${emu} net: host→guest ${down.at(-1)!.toFixed(1)} MB/s, guest→host ${up.at(-1)!.toFixed(1)} MB/s`);
    }
    return { downMBps: round(median(down)), upMBps: round(median(up)), downRuns: down.map(round), upRuns: up.map(round) };
  } finally {
    await vm.kill();
    passt?.stop();
    host.close();
  }
}

/** The network benchmark: hv, then QEMU (if wanted and installed). */
export async function netBench(opts: NetBenchOptions): Promise<NetBenchResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`bench io: ${l}\n`));
  if (findPasst() === undefined) throw new Error('the network benchmark needs passt: sudo apt-get install passt');
  const o = { image: opts.image, mib: opts.mib ?? 64, runs: opts.runs ?? 1, withQemu: opts.withQemu ?? true, log };
  const withQemu = o.withQemu && spawnSync('sh', ['-c', `command -v ${QEMU}`]).status === 0;
  log(`virtio-net: TCP ${o.mib} MiB each way between guest and host over passt, hv${withQemu ? ' and QEMU' : ''}`);
  const hv = await side('hv', o);
  const qemu = withQemu ? await side('qemu', o) : undefined;
  return {
    mib: o.mib,
    hv,
    ...(qemu ? {
      qemu,
      ratio: { down: round(hv.downMBps / qemu.downMBps), up: round(hv.upMBps / qemu.upMBps) },
      qemuVersion: spawnSync(QEMU, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0],
    } : {}),
    passtVersion: spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'passt'], { encoding: 'utf8' }).stdout || 'unknown',
  };
}

function rowsOf(r: NetBenchResult): (string | number)[][] {
  const row = (what: string, h: number, q: number | undefined): (string | number)[] =>
    [what, h.toFixed(1), q !== undefined ? q.toFixed(1) : '-', q !== undefined ? (h / q).toFixed(2) : '-'];
  return [
    row('net host→guest TCP (MB/s)', r.hv.downMBps, r.qemu?.downMBps),
    row('net guest→host TCP (MB/s)', r.hv.upMBps, r.qemu?.upMBps),
  ];
}

const netMib = (args: readonly string[]): number => {
  const i = args.indexOf('--net-mib');
  const v = i >= 0 ? Number(args[i + 1]) : 64;
  return Number.isFinite(v) && v > 0 ? v : 64;
};

/** The section bench/io.ts runs. */
export const section: IoSection = {
  name: 'net',
  async run(ctx: IoContext): Promise<IoSectionResult> {
    if (findPasst() === undefined) {
      ctx.log('virtio-net: skipped, passt is not installed (sudo apt-get install passt)');
      return { json: { skipped: 'passt is not installed (sudo apt-get install passt)' }, rows: [] };
    }
    const r = await netBench({ image: ctx.image, mib: netMib(ctx.args), runs: ctx.runs, withQemu: ctx.withQemu, log: ctx.log });
    return {
      json: {
        what: `guest-initiated TCP over passt user networking: wget of ${r.mib} MiB from a host HTTP server (host→guest), wget --post-file of a ${r.mib} MiB file to it (guest→host)`,
        unit: 'MB/s (2^20 bytes per second; host→guest: guest time around wget; guest→host: host time from first to last body byte)',
        ...r,
      },
      rows: rowsOf(r),
    };
  },
};

// Stand-alone: `node dist/bench/io-net.js [--net-mib N] [--runs N] [--no-qemu]`.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const runsAt = args.indexOf('--runs');
  const runs = runsAt >= 0 && Number(args[runsAt + 1]) > 0 ? Number(args[runsAt + 1]) : 1;
  let image = await defaultImagePaths();
  if (image === null) {
    const r = spawnSync(process.execPath, [HV_BIN, 'image', 'pull'], { cwd: projectRoot(), stdio: ['ignore', 2, 2] });
    if (r.status !== 0) process.exit(1);
    image = await defaultImagePaths();
    if (image === null) process.exit(1);
  }
  const r = await netBench({ image, mib: netMib(args), runs, withQemu: !args.includes('--no-qemu') });
  report({ bench: 'io-net', memory: MEMORY, net: r }, table(['test', 'hv', 'QEMU', 'hv/QEMU'], rowsOf(r)));
}
