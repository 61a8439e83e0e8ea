// Shared helpers for the project's own scripts (setup, build, test, start, bench).
// Dependency-free on purpose: these run before `npm install` has happened.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Runs a command with inherited stdio; exits the script with its status on failure. */
export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.error) { console.error(`hv: cannot run ${cmd}: ${r.error.message}`); process.exit(1); }
  if (r.status !== 0) process.exit(r.status ?? 1);
}

export function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Installs npm dependencies when node_modules is missing or older than the lockfile. */
export function ensureNodeModules() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  const fresh = () => existsSync(marker) && (!existsSync(lock) || statSync(marker).mtimeMs >= statSync(lock).mtimeMs);
  if (fresh()) return;
  // Two builds started at once (e.g. `npm test` and `npm start`) must not run `npm ci` over each other: it empties
  // node_modules first. The first takes the lock; the others wait for it, then find node_modules fresh.
  const lockDir = join(root, '.npm-install.lock');
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try { mkdirSync(lockDir); break; } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let stale = Date.now() > deadline;
      try { stale ||= Date.now() - statSync(lockDir).mtimeMs > 15 * 60_000; } catch { continue; }
      if (stale) { rmSync(lockDir, { recursive: true, force: true }); continue; }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  let failed = 0;
  try {
    if (fresh()) return;
    console.error('hv: installing npm dependencies…');
    const r = spawnSync('npm', [existsSync(lock) ? 'ci' : 'install', '--no-audit', '--no-fund'], { stdio: 'inherit', cwd: root });
    if (r.error || r.status !== 0) {
      console.error(`hv: npm ${existsSync(lock) ? 'ci' : 'install'} failed${r.error ? `: ${r.error.message}` : ''}`);
      failed = r.status || 1;
    }
  } finally { rmSync(lockDir, { recursive: true, force: true }); }
  if (failed) process.exit(failed);
}

/**
 * Makes sure Debian packages are present. Installs them with apt-get when running as root
 * (as on CI); otherwise prints the exact command to run and exits.
 */
export function ensureDebianPackages(pkgs, why) {
  const missing = pkgs.filter(([cmd]) => !have(cmd)).map(([, pkg]) => pkg);
  if (missing.length === 0) return;
  const uniq = [...new Set(missing)];
  if (process.getuid && process.getuid() === 0 && have('apt-get')) {
    console.error(`hv: installing Debian packages for ${why}: ${uniq.join(' ')}`);
    let r = spawnSync('apt-get', ['install', '-y', '-qq', ...uniq], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status !== 0) {
      spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
      r = spawnSync('apt-get', ['install', '-y', '-qq', ...uniq], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    }
    if (r.status === 0) return;
  }
  console.error(`hv: ${why} needs these Debian packages: ${uniq.join(' ')}\n    install them with: sudo apt-get install ${uniq.join(' ')}`);
  process.exit(1);
}

/** Lists files under dir (recursively) whose name matches re. */
export function findFiles(dir, re, out = []) {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) findFiles(p, re, out);
    else if (re.test(e.name)) out.push(p);
  }
  return out.sort();
}
