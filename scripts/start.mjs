// `npm start`: the first command on a fresh clone. Installs the npm dependencies if missing, builds, makes sure
// the default guest image (Debian trixie riscv64 kernel, busybox initramfs, OpenSBI) is cached — pulling it with
// progress on first use — and builds the default root disk once. Then it starts the hv daemon (`hv up`) and the
// default VM `default` under it (a linked clone of the root disk, user networking), prints how to reach it, and
// attaches this terminal to its serial console (Ctrl-A X detaches; the VM keeps running; `poweroff` in the guest
// stops it and ends the command).
//
// `npm start -- --foreground [hv run flags]` boots the default VM in this process instead (`hv run`), no daemon.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { homedir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { root, run, ensureNodeModules, ensureDebianPackages } from './lib.mjs';

ensureNodeModules();
run(process.execPath, ['scripts/build.mjs']);

const images = await import(pathToFileURL(join(root, 'dist', 'src', 'images', 'index.js')).href);
if ((await images.defaultImagePaths()) === null) {
  // First use: `hv image pull` downloads Debian packages with apt and unpacks them with these tools.
  ensureDebianPackages([['dpkg-deb', 'dpkg'], ['xz', 'xz-utils']], 'downloading the default guest image');
  console.error('hv: pulling the default guest image (Debian trixie riscv64: kernel, busybox, OpenSBI) into the cache…');
}
// Verifies a cached image (and rebuilds its initramfs if hv's initramfs builder changed), or downloads it.
try {
  const pulled = await images.pullDefaultImage({ onProgress: images.consoleProgress() });
  if (!pulled.reused) console.error(images.formatPullSummary(pulled));
} catch (e) {
  console.error(`hv: cannot pull the default guest image: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}

// The default VM has a root disk (ext4 from Debian packages, built once into the cache; rebuilt when hv's root-disk
// builder changes) and user networking.
const hv = (args, opts = {}) => spawnSync(process.execPath, [join(root, 'bin', 'hv.js'), ...args], { cwd: root, stdio: 'inherit', ...opts });
const image = await images.defaultImagePaths();
const rootDisk = images.defaultRootDiskPath(image.dir);
if (!existsSync(rootDisk)) {
  ensureDebianPackages([['mke2fs', 'e2fsprogs'], ['dpkg-deb', 'dpkg']], 'building the default root disk');
  console.error(`hv: building the default root disk ${rootDisk} (Debian trixie riscv64 packages, ext4)…`);
  const b = hv(['image', 'build', rootDisk]);
  if (b.status !== 0) console.error('hv: could not build the root disk; the default VM boots the initramfs shell only');
}
if (spawnSync('sh', ['-c', 'command -v passt'], { stdio: 'ignore' }).status !== 0 && process.getuid?.() === 0) {
  ensureDebianPackages([['passt', 'passt']], 'user networking');
}
const havePasst = spawnSync('sh', ['-c', 'command -v passt'], { stdio: 'ignore' }).status === 0;
if (!havePasst) console.error('hv: passt is not installed, so the VM has no network (install it with: sudo apt-get install passt)');
const haveRoot = existsSync(rootDisk);
const append = haveRoot ? 'console=ttyS0 root=/dev/vda' : 'console=ttyS0';

const args = process.argv.slice(2);
if (args[0] === '--foreground') {
  const bootArgs = ['run', '--memory', '512M', '--append', append];
  if (haveRoot) bootArgs.push('--drive', `file=${rootDisk},format=qcow2,id=root`);
  if (havePasst) bootArgs.push('--net', 'user');
  if (process.stdin.isTTY) console.error('hv: booting the default VM; the terminal is its serial console (Ctrl-A X quits, Ctrl-A H for help)');
  const r = hv([...bootArgs, ...args.slice(1)]);
  if (r.error) { console.error(`hv: cannot run hv: ${r.error.message}`); process.exit(1); }
  process.exit(r.status ?? 1);
}
if (args.length) {
  console.error(`hv: unknown npm start arguments: ${args.join(' ')} (use --foreground [hv run flags] to boot in this process)`);
  process.exit(2);
}

// The daemon and the default VM.
const must = (r, what) => { if (r.status !== 0) { console.error(`hv: ${what} failed (exit status ${r.status})`); process.exit(r.status || 1); } };
must(hv(['up']), 'starting the daemon (hv up)');
const show = hv(['vm', 'show', 'default', '--json'], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
let state = show.status === 0 ? JSON.parse(show.stdout).state : null;
if (state === null) {
  const create = ['vm', 'create', 'default', '--kernel', image.kernel, '--initrd', image.initramfs, '--append', append, '--memory', '512M', '--balloon'];
  // The VM's disk is a linked clone (qcow2 overlay in the daemon's state directory) of the cached root disk,
  // so the cached one stays pristine; a clone left behind by `hv vm rm default` (without --disks) is reused.
  if (haveRoot) {
    const stateDir = process.env.HV_STATE_DIR || join(process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'hv');
    create.push('--disk', 'default-root.qcow2');
    if (!existsSync(join(stateDir, 'images', 'default-root.qcow2'))) create.push('--clone', rootDisk);
  }
  if (havePasst) create.push('--net', 'user');
  must(hv(create, { stdio: ['ignore', 'ignore', 'inherit'] }), 'creating the default VM');
  state = 'created';
}
if (state !== 'running' && state !== 'starting') must(hv(['vm', 'start', 'default'], { stdio: ['ignore', 'ignore', 'inherit'] }), 'starting the default VM');
const cli = `node ${join(root, 'bin', 'hv.js')}`;
console.error([
  'hv: the default VM is running under the hv daemon.',
  `    console:  ${cli} vm console default      (Ctrl-A X detaches; the VM keeps running)`,
  `    status:   ${cli} vm ls   ·   ${cli} host   ·   ${cli} events -f`,
  `    stop:     ${cli} vm stop default          daemon: ${cli} down [--all]`,
  process.stdin.isTTY ? 'hv: attaching this terminal to its console now.' : 'hv: forwarding standard input to its console until the VM stops.',
].join('\n'));
const r = hv(['vm', 'console', 'default', ...(process.stdin.isTTY ? [] : ['--until-stopped'])]);
process.exit(r.status ?? 1);
