// `npm start [-- hv run flags]`: the first command on a fresh clone. Installs the npm dependencies if
// missing, builds, makes sure the default guest image (Debian trixie riscv64 kernel, busybox initramfs,
// OpenSBI) is cached — pulling it with progress on first use — then boots it with this terminal as the
// serial console. Ctrl-A X quits hv; `poweroff` at the guest's shell ends the run too.
import { spawnSync } from 'node:child_process';
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

if (process.stdin.isTTY) console.error('hv: booting the default image; the terminal is its serial console (Ctrl-A X quits, Ctrl-A H for help)');
const r = spawnSync(process.execPath, [join(root, 'bin', 'hv.js'), 'run', '--memory', '512M', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
if (r.error) { console.error(`hv: cannot run hv: ${r.error.message}`); process.exit(1); }
process.exit(r.status ?? 1);
