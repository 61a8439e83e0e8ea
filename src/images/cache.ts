/** Where hv keeps downloaded guest images, and what `hv image ls` shows. */

import { readdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/**
 * The cache root: HV_CACHE_DIR (tests, CI) if set, else $XDG_CACHE_HOME/hv, else ~/.cache/hv.
 * Relative XDG_CACHE_HOME values are ignored, as the XDG spec says.
 */
export function resolveCacheDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  if (env.HV_CACHE_DIR) return resolve(env.HV_CACHE_DIR);
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'hv');
  return join(home, '.cache', 'hv');
}

/** Directory of one named image (e.g. "default") under the cache root. */
export function imageDir(name: string, cacheDir: string = resolveCacheDir()): string {
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('.')) throw new Error(`invalid image name: ${JSON.stringify(name)}`);
  return join(cacheDir, 'images', name);
}

/** The private apt tree used to download Debian packages. */
export function aptDir(cacheDir: string = resolveCacheDir()): string {
  return join(cacheDir, 'apt');
}

/** One file recorded in a manifest: path relative to the image directory. */
export interface FileRecord { path: string; sha256: string; size: number }

export interface PackageRecord {
  /** Binary package name actually downloaded (e.g. linux-image-6.12.117+deb13-riscv64). */
  name: string;
  version: string;
  architecture: string;
  /** What was asked for, when it differs (e.g. the meta package linux-image-riscv64). */
  requested?: string;
  /** The .deb, relative to the cache root. */
  deb: string;
  sha256: string;
  size: number;
}

export interface ModuleRecord {
  name: string;
  /** Built into the kernel: nothing to load. */
  builtin: boolean;
  /** Path of the (decompressed) .ko inside the initramfs, when not built in. */
  path?: string;
  depends?: string[];
}

export interface ImageManifest {
  schema: 1;
  name: string;
  /** ISO time of the pull. */
  pulledAt: string;
  distribution: { suite: string; arch: string; mirror: string };
  packages: PackageRecord[];
  kernel: FileRecord & { version: string; format: string };
  busybox: FileRecord;
  firmware: { fw_dynamic: FileRecord; fw_jump: FileRecord };
  /** Extracted kernel modules tree (…/lib/modules/<version>), relative to the image directory. */
  modulesDir: string;
  initramfs: FileRecord & { builder: number; modules: ModuleRecord[] };
}

export const MANIFEST_FILE = 'manifest.json';

export async function readManifest(dir: string): Promise<ImageManifest | null> {
  let text: string;
  try { text = await readFile(join(dir, MANIFEST_FILE), 'utf8'); } catch { return null; }
  try {
    const m = JSON.parse(text) as ImageManifest;
    if (m?.schema !== 1 || !m.kernel?.path || !m.initramfs?.path) return null;
    return m;
  } catch { return null; }
}

export interface ImageInfo {
  name: string;
  dir: string;
  kernelVersion: string;
  pulledAt: string;
  /** Absolute paths. */
  kernel: string;
  initramfs: string;
  /** Version of hv's initramfs builder that made it (stale when it differs from INITRAMFS_BUILDER_VERSION). */
  initramfsBuilder: number;
  firmware: { fw_dynamic: string; fw_jump: string };
  busybox: string;
  modulesDir: string;
  sizes: { kernel: number; initramfs: number; firmware: number; packages: number };
  packages: { name: string; version: string }[];
}

export function imageInfo(dir: string, m: ImageManifest): ImageInfo {
  return {
    name: m.name,
    dir,
    kernelVersion: m.kernel.version,
    pulledAt: m.pulledAt,
    kernel: join(dir, m.kernel.path),
    initramfs: join(dir, m.initramfs.path),
    initramfsBuilder: m.initramfs.builder,
    firmware: { fw_dynamic: join(dir, m.firmware.fw_dynamic.path), fw_jump: join(dir, m.firmware.fw_jump.path) },
    busybox: join(dir, m.busybox.path),
    modulesDir: join(dir, m.modulesDir),
    sizes: {
      kernel: m.kernel.size,
      initramfs: m.initramfs.size,
      firmware: m.firmware.fw_dynamic.size,
      packages: m.packages.reduce((a, p) => a + p.size, 0),
    },
    packages: m.packages.map((p) => ({ name: p.name, version: p.version })),
  };
}

/** Every pulled image in the cache (those with a readable manifest), sorted by name. */
export async function listImages(opts: { cacheDir?: string } = {}): Promise<ImageInfo[]> {
  const root = join(opts.cacheDir ?? resolveCacheDir(), 'images');
  let names: string[];
  try { names = await readdir(root); } catch { return []; }
  const out: ImageInfo[] = [];
  for (const name of names.sort()) {
    if (name.startsWith('.')) continue;
    const dir = join(root, name);
    try { if (!(await stat(dir)).isDirectory()) continue; } catch { continue; }
    const m = await readManifest(dir);
    if (m) out.push(imageInfo(dir, m));
  }
  return out;
}
