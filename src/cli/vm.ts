/**
 * `hv vm …`, `hv events`, `hv host`, `hv daemon`, `hv up`, `hv down`: the CLI over the daemon's REST API.
 * Human tables by default, `--json` for scripts.
 */
import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { openSync, readFileSync, mkdirSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { UserError } from '../base/errors.js';
import { parseSize } from '../base/size.js';
import type { HostInfo, VmInfo, VmSetRequest, VmSpec, VmEvent } from '../api/types.js';
import { api, cliStateDir, findDaemon, request, tlsOptions } from './client.js';
import { attachConsole } from './console.js';
import { parseNetSpecs } from './net-spec.js';
import { formatMac } from '../base/mac.js';

const out = (s: string): void => { process.stdout.write(s.endsWith('\n') ? s : s + '\n'); };

function table(rows: string[][]): string {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]!))).join('  ')).join('\n');
}
const mib = (s: string): number => Math.round(parseSize(s, { defaultUnit: 'M', what: 'memory size' }) / 1048576);
/** A host CPU list as taskset takes it: "0,2", "0-3", "0-1,3". */
export function parseCpuList(s: string): number[] {
  const out = new Set<number>();
  for (const part of s.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (m === null) throw new UserError(`invalid host CPU list ${JSON.stringify(s)}: expected numbers and ranges like 0,2 or 0-3`);
    const lo = Number(m[1]), hi = m[2] !== undefined ? Number(m[2]) : lo;
    if (hi < lo || hi > 1023) throw new UserError(`invalid host CPU range ${JSON.stringify(part.trim())} in ${JSON.stringify(s)}`);
    for (let c = lo; c <= hi; c++) out.add(c);
  }
  return [...out].sort((x, y) => x - y);
}
const num = (what: string) => (s: string): number => {
  const n = Number(s);
  if (s.trim() === '' || !Number.isFinite(n)) throw new UserError(`invalid ${what} ${JSON.stringify(s)}: not a number`);
  return n;
};

function showVm(v: VmInfo): string {
  const lines = [
    `id:          ${v.id}`, `name:        ${v.name}`, `state:       ${v.state}${v.reason ? ` (${v.reason})` : ''}`,
    `pid:         ${v.pid ?? '-'}`, `cpus:        ${v.spec.cpus}`, `memory:      ${v.spec.memoryMiB} MiB`,
    `kernel:      ${v.spec.kernel}`, `restart:     ${v.spec.restartPolicy} (restarts: ${v.restarts})`,
    `cpu weight:  ${v.spec.cpuWeight ?? 100}`, `cpu limit:   ${v.spec.cpuLimit ?? 'none'}`, `host cpus:   ${v.spec.hostCpus?.join(',') ?? 'any'}`,
    `created:     ${v.createdAt}`, `started:     ${v.startedAt ?? '-'}`,
  ];
  if (Object.keys(v.enforcement).length) lines.push(`enforcement: ${Object.entries(v.enforcement).map(([k, e]) => `${k}=${e}`).join(', ')}`);
  if (v.stats) lines.push(`stats:       cpu ${v.stats.hostCpuSeconds.toFixed(2)} s, ${v.stats.guestInstructions} instructions, RSS ${(v.stats.rssBytes / 1048576).toFixed(1)} MiB, throttled ${v.stats.throttledSeconds.toFixed(2)} s`);
  return lines.join('\n');
}

export function vmCommands(program: Command): void {
  const vm = program.command('vm').description('manage VMs through the hv daemon');
  const ep = () => findDaemon();
  const json = (o: { json?: boolean }, data: unknown, human: () => string): void => out(o.json ? JSON.stringify(data, null, 2) : human());

  vm.command('create <name>').description('create a VM')
    .requiredOption('--kernel <file>', 'kernel (bare ELF with --bios none, or Linux); relative paths are under <state>/images')
    .option('--initrd <file>', 'initrd').option('--bios <none|builtin|file>', 'firmware').option('--append <cmdline>', 'kernel command line')
    .option('-m, --memory <size>', 'guest RAM (e.g. 256M)').option('--cpus <n>', 'vCPUs')
    .option('--disk <path>', 'disk image (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--clone <base>', 'with one --disk: create that disk as a linked clone (qcow2 overlay) of BASE')
    .option('--disk-quota <size>', 'host space each --disk image may occupy (e.g. 4G); writes fail when it is full')
    .option('--net <spec>', 'NIC (repeatable): user[,hostfwd=tcp::HOSTPORT-:GUESTPORT][,mac=…] or switch=NAME[,mac=…]', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--restart <policy>', 'no | on-failure | always').option('--cpu-weight <n>', 'relative CPU share (default 100)')
    .option('--cpu-limit <cores>', 'max host cores, e.g. 0.25').option('--host-cpus <list>', 'host CPU affinity, e.g. 0,1 or 0-3 (--cpus is the vCPU count)')
    .option('--balloon', 'add a virtio-balloon')
    .option('--start', 'start it right away').option('--json', 'JSON output')
    .action(async (name: string, o: Record<string, string | boolean | string[] | undefined>) => {
      const spec: Record<string, unknown> = { name, kernel: o['kernel'] };
      if (o['initrd'] !== undefined) spec['initrd'] = o['initrd'];
      if (o['bios'] !== undefined) spec['bios'] = o['bios'];
      if (o['append'] !== undefined) spec['append'] = o['append'];
      if (o['memory'] !== undefined) spec['memoryMiB'] = mib(o['memory'] as string);
      if (o['cpus'] !== undefined) spec['cpus'] = num('--cpus')(o['cpus'] as string);
      const diskPaths = o['disk'] as string[];
      if (o['clone'] !== undefined && diskPaths.length !== 1) throw new UserError('--clone needs exactly one --disk (the overlay to create)');
      if (o['diskQuota'] !== undefined && !diskPaths.length) throw new UserError('--disk-quota needs a --disk');
      const quota = o['diskQuota'] !== undefined ? { quotaMiB: mib(o['diskQuota'] as string) } : {};
      if (diskPaths.length) spec['disks'] = diskPaths.map((path) => ({ path, ...(o['clone'] !== undefined ? { backing: o['clone'] } : {}), ...quota }));
      const nets = parseNetSpecs(o['net'] as string[]);
      if (nets.length) {
        spec['nics'] = nets.map((n) => ({
          ...(n.kind === 'user' ? { kind: 'user', ...(n.forwards.length ? { forwards: n.forwards } : {}) } : { kind: 'switch', name: n.name }),
          ...(n.mac ? { mac: formatMac(n.mac) } : {}),
        }));
      }
      if (o['restart'] !== undefined) spec['restartPolicy'] = o['restart'];
      if (o['cpuWeight'] !== undefined) spec['cpuWeight'] = num('--cpu-weight')(o['cpuWeight'] as string);
      if (o['cpuLimit'] !== undefined) spec['cpuLimit'] = num('--cpu-limit')(o['cpuLimit'] as string);
      if (o['hostCpus'] !== undefined) spec['hostCpus'] = parseCpuList(o['hostCpus'] as string);
      if (o['balloon']) spec['balloon'] = true;
      const v = await api<VmInfo>(ep(), 'POST', `/v1/vms${o['start'] ? '?start=true' : ''}`, spec as unknown as VmSpec);
      json(o as { json?: boolean }, v, () => `${v.name} ${v.id} ${v.state}`);
    });

  vm.command('ls').alias('list').description('list VMs').option('--json', 'JSON output').action(async (o: { json?: boolean }) => {
    const vms = await api<VmInfo[]>(ep(), 'GET', '/v1/vms');
    json(o, vms, () => table([['ID', 'NAME', 'STATE', 'CPUS', 'MEMORY', 'PID', 'RESTARTS', 'REASON'],
      ...vms.map((v) => [v.id, v.name, v.state, String(v.spec.cpus), `${v.spec.memoryMiB}M`, String(v.pid ?? '-'), String(v.restarts), v.reason ?? ''])]));
  });
  vm.command('show <vm>').alias('inspect').description('details and live stats').option('--json', 'JSON output').action(async (id: string, o: { json?: boolean }) => {
    const v = await api<VmInfo>(ep(), 'GET', `/v1/vms/${encodeURIComponent(id)}`);
    json(o, v, () => showVm(v));
  });
  for (const action of ['start', 'kill', 'pause', 'resume', 'reboot'] as const) {
    vm.command(`${action} <vm>`).description(`${action} a VM`).option('--json', 'JSON output').action(async (id: string, o: { json?: boolean }) => {
      const v = await api<VmInfo>(ep(), 'POST', `/v1/vms/${encodeURIComponent(id)}/${action}`);
      json(o, v, () => `${v.name} ${v.state}`);
    });
  }
  vm.command('stop <vm>').description('stop: press the power button so the guest powers off cleanly; hard stop after the timeout')
    .option('--timeout <seconds>', 'seconds before the hard stop', '10').option('--json', 'JSON output')
    .action(async (id: string, o: { json?: boolean; timeout: string }) => {
      const ms = Math.round(num('--timeout')(o.timeout) * 1000);
      const v = await api<VmInfo>(ep(), 'POST', `/v1/vms/${encodeURIComponent(id)}/stop?timeoutMs=${ms}`);
      json(o, v, () => `${v.name} ${v.state}${v.reason ? ` (${v.reason})` : ''}`);
    });
  vm.command('rm <vm>').description('delete a VM (kills it if running)').option('--disks', 'also delete its disks (inside the state directory)').option('--json', 'JSON output')
    .action(async (id: string, o: { json?: boolean; disks?: boolean }) => {
      const r = await api<{ id: string }>(ep(), 'DELETE', `/v1/vms/${encodeURIComponent(id)}${o.disks ? '?disks=true' : ''}`);
      json(o, r, () => `deleted ${r.id}`);
    });
  vm.command('set <vm>').description('change allocation (live where supported)')
    .option('--cpu-weight <n>', 'relative CPU share').option('--cpu-limit <cores|none>', 'max host cores, or none')
    .option('--host-cpus <list|none>', 'host CPU affinity (e.g. 0,1 or 0-3), or none for any')
    .option('--balloon <size>', 'balloon target (memory the guest gives back)').option('-m, --memory <size>', 'memory (stopped VMs only)')
    .option('--restart <policy>', 'no | on-failure | always').option('--json', 'JSON output')
    .action(async (id: string, o: Record<string, string | boolean | undefined>) => {
      const c: VmSetRequest = {};
      if (o['cpuWeight'] !== undefined) c.cpuWeight = num('--cpu-weight')(o['cpuWeight'] as string);
      if (o['cpuLimit'] !== undefined) c.cpuLimit = o['cpuLimit'] === 'none' ? null : num('--cpu-limit')(o['cpuLimit'] as string);
      if (o['hostCpus'] !== undefined) c.hostCpus = o['hostCpus'] === 'none' ? null : parseCpuList(o['hostCpus'] as string);
      if (o['balloon'] !== undefined) c.balloonTargetMiB = mib(o['balloon'] as string);
      if (o['memory'] !== undefined) c.memoryMiB = mib(o['memory'] as string);
      if (o['restart'] !== undefined) c.restartPolicy = o['restart'] as VmSetRequest['restartPolicy'];
      if (Object.keys(c).length === 0) throw new UserError('hv vm set: nothing to change (see hv vm set --help)');
      const v = await api<VmInfo>(ep(), 'PATCH', `/v1/vms/${encodeURIComponent(id)}`, c);
      json(o as { json?: boolean }, v, () => showVm(v));
    });
  vm.command('logs <vm>').description('console log').action(async (id: string) => {
    process.stdout.write(await api<string>(ep(), 'GET', `/v1/vms/${encodeURIComponent(id)}/logs`));
  });
  vm.command('console <vm>').description('attach to the serial console (C-a x detaches)')
    .option('--until-stopped', 'stay attached until the VM stops (also after piped input ends), then exit with 0 if the guest powered off')
    .action(async (id: string, o: { untilStopped?: boolean }) => {
    const e = ep();
    const ws = new WebSocket(`${e.base.replace(/^http/, 'ws')}/v1/vms/${encodeURIComponent(id)}/console`, { headers: { authorization: `Bearer ${e.token}` }, ...tlsOptions(e) });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new UserError(`cannot attach to ${id}: HTTP ${res.statusCode}`)));
      ws.once('error', (err) => reject(new UserError(`cannot attach to ${id}: ${err.message}`)));
    });
    let done: () => void = () => {};
    const finished = new Promise<void>((r) => { done = r; });
    const con = attachConsole((b) => ws.send(b), () => { ws.close(); done(); });
    ws.on('message', (d: Buffer) => con.write(new Uint8Array(d)));
    ws.on('close', () => done());
    let stoppedAs: VmInfo | undefined;
    if (o.untilStopped) {
      // Polls the VM's state: the console itself stays open across stops and restarts.
      const poll = setInterval(() => {
        api<VmInfo>(e, 'GET', `/v1/vms/${encodeURIComponent(id)}`).then((v) => {
          if (v.state === 'stopped' || v.state === 'failed' || v.state === 'lost') { stoppedAs = v; ws.close(); done(); }
        }).catch(() => {});
      }, 300);
      void finished.then(() => clearInterval(poll));
    } else if (process.stdin.isTTY !== true) {
      // Piped input: detach once it has been sent (the VM keeps running).
      process.stdin.once('end', () => setTimeout(() => { ws.close(); done(); }, 500));
    }
    await finished;
    con.close();
    if (stoppedAs !== undefined) {
      process.stderr.write(`\nhv: VM ${stoppedAs.name} ${stoppedAs.state}${stoppedAs.reason ? `: ${stoppedAs.reason}` : ''}\n`);
      if (stoppedAs.state !== 'stopped') process.exitCode = 1;
    }
  });

  program.command('events').description('show daemon events (state changes, failures, allocation changes)')
    .option('-f, --follow', 'keep streaming').option('--vm <vm>', 'only this VM').option('--json', 'JSON lines')
    .action(async (o: { follow?: boolean; vm?: string; json?: boolean }) => {
      const e = ep();
      const q = new URLSearchParams({ follow: o.follow ? 'true' : 'false', ...(o.vm ? { vm: o.vm } : {}) });
      const res = await request(e, 'GET', `/v1/events?${q}`);
      if (res.statusCode !== 200) {
        let text = '';
        for await (const c of res) text += String(c);
        throw new UserError(`events: HTTP ${res.statusCode}: ${text}`);
      }
      let buf = '';
      const dec = new TextDecoder();
      for await (const chunk of res as AsyncIterable<Uint8Array>) {
        buf += dec.decode(chunk, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i); buf = buf.slice(i + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (!data) continue;
          const ev = JSON.parse(data.slice(6)) as VmEvent;
          out(o.json ? JSON.stringify(ev) : `${ev.time}  ${ev.type.padEnd(10)} ${ev.message}`);
        }
      }
    });

  program.command('host').description('host capacity and allocation summary').option('--json', 'JSON output').action(async (o: { json?: boolean }) => {
    const h = await api<HostInfo>(ep(), 'GET', '/v1/host');
    const g = (b: number): string => `${(b / 2 ** 30).toFixed(1)} GiB`;
    json(o, h, () => [
      `cpus:      ${h.cpus} (weights allocated: ${h.cpuWeightTotal}, limits allocated: ${h.cpuLimitTotal.toFixed(2)} cores)`,
      `memory:    ${g(h.memoryAllocatedBytes)} allocated of ${g(h.memoryCapacityBytes)} capacity (${g(h.memoryBytes)} RAM × ${h.overcommitRatio} overcommit), ${(100 * h.memoryAllocatedBytes / h.memoryCapacityBytes).toFixed(1)} %`,
      `vms:       ${h.vms.total} (${Object.entries(h.vms.byState).map(([s, n]) => `${n} ${s}`).join(', ') || 'none'})`,
    ].join('\n'));
  });

  const hvJs = join(fileURLToPath(import.meta.url), '..', '..', '..', '..', 'bin', 'hv.js');
  program.command('up').description('start the daemon in the background (same options as hv daemon)').option('--port <n>', 'TCP port on 127.0.0.1')
    .option('--overcommit <ratio>', 'memory overcommit ratio').option('--tls', 'serve HTTPS').option('--tls-cert <file>', 'PEM certificate').option('--tls-key <file>', 'PEM key')
    .action(async (o: { port?: string; overcommit?: string; tls?: boolean; tlsCert?: string; tlsKey?: string }) => {
    const dir = cliStateDir();
    mkdirSync(dir, { recursive: true });
    try {
      const info = JSON.parse(readFileSync(join(dir, 'daemon.json'), 'utf8')) as { pid: number; port: number };
      process.kill(info.pid, 0);
      out(`hv daemon already running (pid ${info.pid}, port ${info.port})`);
      return;
    } catch { /* not running */ }
    const log = openSync(join(dir, 'daemon.log'), 'a');
    const args = [...(o.port ? ['--port', o.port] : []), ...(o.overcommit ? ['--overcommit', o.overcommit] : []), ...(o.tls ? ['--tls'] : []),
      ...(o.tlsCert ? ['--tls-cert', resolvePath(o.tlsCert)] : []), ...(o.tlsKey ? ['--tls-key', resolvePath(o.tlsKey)] : [])];
    const child = spawn(process.execPath, [hvJs, 'daemon', ...args], { detached: true, stdio: ['ignore', log, log] });
    child.unref();
    for (let i = 0; i < 100; i++) {
      await new Promise((r) => setTimeout(r, 100));
      try {
        const info = JSON.parse(readFileSync(join(dir, 'daemon.json'), 'utf8')) as { pid: number; port: number; tls?: unknown };
        if (info.pid === child.pid) { out(`hv daemon started (pid ${info.pid}, ${info.tls ? 'https' : 'http'}://127.0.0.1:${info.port}; log ${join(dir, 'daemon.log')})`); return; }
      } catch { /* not yet */ }
      if (child.exitCode !== null) break;
    }
    let last = '';
    try { last = readFileSync(join(dir, 'daemon.log'), 'utf8').trim().split('\n').slice(-1)[0] ?? ''; } catch { /* no log */ }
    throw new UserError(`the daemon did not start${last ? `: ${last.replace(/^hv(: error)?:\s*/, '')}` : ''} (log: ${join(dir, 'daemon.log')})`);
  });
  program.command('down').description('stop the background daemon (VMs keep running unless --all)').option('--all', 'kill every VM first').action(async (o: { all?: boolean }) => {
    const dir = cliStateDir();
    let info: { pid: number };
    try { info = JSON.parse(readFileSync(join(dir, 'daemon.json'), 'utf8')) as { pid: number }; } catch { out('hv daemon is not running'); return; }
    if (o.all) {
      const e = ep();
      for (const v of await api<VmInfo[]>(e, 'GET', '/v1/vms')) if (v.pid !== null) await api(e, 'POST', `/v1/vms/${v.id}/kill`);
    }
    try { process.kill(info.pid, 'SIGTERM'); } catch { out('hv daemon is not running'); return; }
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      try { process.kill(info.pid, 0); } catch { out('hv daemon stopped'); return; }
    }
    throw new UserError(`the daemon (pid ${info.pid}) did not stop`);
  });
}
