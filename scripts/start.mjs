// `npm start [-- hv run flags]`: the first command on a fresh clone. Installs the npm dependencies if
// missing, builds, makes sure the default guest image (Debian trixie riscv64 kernel, busybox initramfs,
// OpenSBI) is cached — pulling it with progress on first use — builds the default root disk once, then boots
// the default VM (root disk + user networking) with this terminal as the serial console. Ctrl-A X quits hv; `poweroff` at the guest's shell ends the run too.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
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

// The default VM has a root disk (ext4 from Debian packages, built once into the cache) and user networking.
const hv = (args, opts = {}) => spawnSync(process.execPath, [join(root, 'bin', 'hv.js'), ...args], { cwd: root, stdio: 'inherit', ...opts });
const image = await images.defaultImagePaths();
const rootDisk = join(image.dir, 'rootfs.qcow2');
const bootArgs = ['run', '--memory', '512M'];
if (!existsSync(rootDisk)) {
  ensureDebianPackages([['mke2fs', 'e2fsprogs'], ['dpkg-deb', 'dpkg']], 'building the default root disk');
  console.error(`hv: building the default root disk ${rootDisk} (Debian trixie riscv64 packages, ext4)…`);
  const b = hv(['image', 'build', rootDisk]);
  if (b.status !== 0) console.error('hv: could not build the root disk; booting the initramfs shell only');
}
if (existsSync(rootDisk)) bootArgs.push('--drive', `file=${rootDisk},format=qcow2,id=root`, '--append', 'console=ttyS0 root=/dev/vda');
if (spawnSync('sh', ['-c', 'command -v passt'], { stdio: 'ignore' }).status !== 0 && process.getuid?.() === 0) {
  ensureDebianPackages([['passt', 'passt']], 'user networking');
}
if (spawnSync('sh', ['-c', 'command -v passt'], { stdio: 'ignore' }).status === 0) bootArgs.push('--net', 'user');
else console.error('hv: passt is not installed, so the VM has no network (install it with: sudo apt-get install passt)');

if (process.stdin.isTTY) console.error('hv: booting the default VM; the terminal is its serial console (Ctrl-A X quits, Ctrl-A H for help)');
const r = spawnSync(process.execPath, [join(root, 'bin', 'hv.js'), ...bootArgs, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
if (r.error) { console.error(`hv: cannot run hv: ${r.error.message}`); process.exit(1); }
process.exit(r.status ?? 1);
