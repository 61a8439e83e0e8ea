/**
 * `hv vm …`, `hv events`, `hv host`, `hv daemon`, `hv up`, `hv down`: the CLI over the daemon's REST API.
 * Human tables by default, `--json` for scripts.
 */
import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { openSync, readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { UserError } from '../base/errors.js';
import { parseSize } from '../base/size.js';
import type { HostInfo, VmInfo, VmSetRequest, VmSpec, VmEvent } from '../api/types.js';
import { api, cliStateDir, findDaemon } from './client.js';
import { attachConsole } from './console.js';
import { parseNetSpecs } from './net-spec.js';
import { formatMac } from '../base/mac.js';

const out = (s: string): void => { process.stdout.write(s.endsWith('\n') ? s : s + '\n'); };

function table(rows: string[][]): string {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]!))).join('  ')).join('\n');
}
const mib = (s: string): number => Math.round(parseSize(s, { defaultUnit: 'M', what: 'memory size' }) / 1048576);
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
    `cpu weight:  ${v.spec.cpuWeight ?? 100}`, `cpu limit:   ${v.spec.cpuLimit ?? 'none'}`,
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
    .option('--net <spec>', 'NIC (repeatable): user[,hostfwd=tcp::HOSTPORT-:GUESTPORT][,mac=…] or switch=NAME[,mac=…]', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--restart <policy>', 'no | on-failure | always').option('--cpu-weight <n>', 'relative CPU share (default 100)')
    .option('--cpu-limit <cores>', 'max host cores, e.g. 0.25').option('--balloon', 'add a virtio-balloon')
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
      if (diskPaths.length) spec['disks'] = diskPaths.map((path) => ({ path, ...(o['clone'] !== undefined ? { backing: o['clone'] } : {}) }));
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
  vm.command('stop <vm>').description('stop: wait for the guest to power off, then hard stop after the timeout')
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
    .option('--balloon <size>', 'balloon target (memory the guest gives back)').option('-m, --memory <size>', 'memory (stopped VMs only)')
    .option('--restart <policy>', 'no | on-failure | always').option('--json', 'JSON output')
    .action(async (id: string, o: Record<string, string | boolean | undefined>) => {
      const c: VmSetRequest = {};
      if (o['cpuWeight'] !== undefined) c.cpuWeight = num('--cpu-weight')(o['cpuWeight'] as string);
      if (o['cpuLimit'] !== undefined) c.cpuLimit = o['cpuLimit'] === 'none' ? null : num('--cpu-limit')(o['cpuLimit'] as string);
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
  vm.command('console <vm>').description('attach to the serial console (C-a x detaches)').action(async (id: string) => {
    const e = ep();
    const ws = new WebSocket(`${e.base.replace(/^http/, 'ws')}/v1/vms/${encodeURIComponent(id)}/console`, { headers: { authorization: `Bearer ${e.token}` } });
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
    // Piped input: detach once it has been sent (the VM keeps running).
    if (process.stdin.isTTY !== true) process.stdin.once('end', () => setTimeout(() => { ws.close(); done(); }, 500));
    await finished;
    con.close();
  });

  program.command('events').description('show daemon events (state changes, failures, allocation changes)')
    .option('-f, --follow', 'keep streaming').option('--vm <vm>', 'only this VM').option('--json', 'JSON lines')
    .action(async (o: { follow?: boolean; vm?: string; json?: boolean }) => {
      const e = ep();
      const q = new URLSearchParams({ follow: o.follow ? 'true' : 'false', ...(o.vm ? { vm: o.vm } : {}) });
      const res = await fetch(`${e.base}/v1/events?${q}`, { headers: { authorization: `Bearer ${e.token}` } });
      if (!res.ok || res.body === null) throw new UserError(`events: HTTP ${res.status}: ${await res.text()}`);
      let buf = '';
      const dec = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
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
  program.command('up').description('start the daemon in the background').option('--port <n>', 'TCP port on 127.0.0.1').action(async (o: { port?: string }) => {
    const dir = cliStateDir();
    mkdirSync(dir, { recursive: true });
    try {
      const info = JSON.parse(readFileSync(join(dir, 'daemon.json'), 'utf8')) as { pid: number; port: number };
      process.kill(info.pid, 0);
      out(`hv daemon already running (pid ${info.pid}, port ${info.port})`);
      return;
    } catch { /* not running */ }
    const log = openSync(join(dir, 'daemon.log'), 'a');
    const child = spawn(process.execPath, [hvJs, 'daemon', ...(o.port ? ['--port', o.port] : [])], { detached: true, stdio: ['ignore', log, log] });
    child.unref();
    for (let i = 0; i < 100; i++) {
      await new Promise((r) => setTimeout(r, 100));
      try {
        const info = JSON.parse(readFileSync(join(dir, 'daemon.json'), 'utf8')) as { pid: number; port: number };
        if (info.pid === child.pid) { out(`hv daemon started (pid ${info.pid}, http://127.0.0.1:${info.port}; log ${join(dir, 'daemon.log')})`); return; }
      } catch { /* not yet */ }
      if (child.exitCode !== null) break;
    }
    throw new UserError(`the daemon did not start; see ${join(dir, 'daemon.log')}`);
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
