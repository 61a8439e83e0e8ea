/**
 * `hv image pull`: the default guest image — Debian trixie's riscv64 kernel (linux-image-riscv64 →
 * linux-image-6.x-riscv64), busybox-static and opensbi — downloaded through the private apt,
 * extracted with dpkg-deb, plus the default initramfs, described by images/default/manifest.json.
 *
 * Idempotent: when a manifest exists and the recorded files still hash as recorded, nothing is
 * downloaded (a pull takes well under a second). A corrupt or missing file triggers a re-pull;
 * an outdated initramfs (builder version changed) is rebuilt from the extracted files.
 */

import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { PrivateApt, type AptProgress, type DownloadSummary, type PackageInfo } from './apt.js';
import {
  aptDir, imageDir, imageInfo, MANIFEST_FILE, readManifest, resolveCacheDir,
  type FileRecord, type ImageInfo, type ImageManifest, type PackageRecord,
} from './cache.js';
import { buildInitramfsDetailed, INITRAMFS_BUILDER_VERSION } from './initramfs.js';
import { requireTool, run, sha256, sha256File, writeFileAtomic } from './util.js';

export const DEFAULT_IMAGE = 'default';
export const KERNEL_META_PACKAGE = 'linux-image-riscv64';
export const BUSYBOX_PACKAGE = 'busybox-static';
export const OPENSBI_PACKAGE = 'opensbi';

export type PullPhase = 'check' | 'lock' | 'update' | 'resolve' | 'download' | 'extract' | 'initramfs' | 'done' | 'log';

export interface PullProgress {
  phase: PullPhase;
  message: string;
  /** Transfer progress, 0–100, in the 'update' (package lists) and 'download' (packages) phases. */
  percent?: number;
  bytes?: number;
  totalBytes?: number;
}

export interface PullOptions {
  cacheDir?: string;
  onProgress?: (p: PullProgress) => void;
  /** Re-resolve and re-extract even if the cached image verifies (downloads are still reused when their hash matches). */
  force?: boolean;
  /** Mirror override (default: the host's Debian mirror). */
  mirror?: string;
  /** Keyring override (see PrivateAptOptions.keyring). */
  keyring?: string;
}

export interface PullResult {
  manifest: ImageManifest;
  info: ImageInfo;
  /** The cached image verified and was used as is. */
  reused: boolean;
  /** Only the initramfs was (re)built. */
  rebuiltInitramfs: boolean;
  seconds: number;
  download?: DownloadSummary;
  /** Human-readable notes (e.g. unresolved optional module soft dependencies). */
  notes: string[];
}

/** The kernel file format, from its header: the riscv64 "Image" boot header (optionally with an EFI/PE stub). */
export function kernelFormat(head: Uint8Array): string {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  const riscv = b.length >= 0x40 && b.toString('latin1', 0x30, 0x38) === 'RISCV\0\0\0' && b.toString('latin1', 0x38, 0x3c) === 'RSC\x05';
  const mz = b.length >= 2 && b[0] === 0x4d && b[1] === 0x5a;
  if (riscv && mz) return 'riscv64 Image, uncompressed, with EFI/PE stub (MZ)';
  if (riscv) return 'riscv64 Image, uncompressed';
  if (b[0] === 0x1f && b[1] === 0x8b) return 'gzip-compressed';
  if (b.toString('latin1', 0, 4) === '\x7fELF') return 'ELF vmlinux';
  return 'unknown';
}

async function fileRecord(dir: string, abs: string): Promise<FileRecord> {
  return { path: relative(dir, abs), sha256: await sha256File(abs), size: (await stat(abs)).size };
}

async function verifyRecord(dir: string, r: FileRecord): Promise<boolean> {
  try {
    const p = join(dir, r.path);
    if ((await stat(p)).size !== r.size) return false;
    return (await sha256File(p)) === r.sha256;
  } catch { return false; }
}

// ---------------------------------------------------------------------------------------------
// A lock so two pulls (e.g. parallel test files) do not extract over each other.

async function withLock<T>(lockDir: string, onWait: (pid: string) => void, fn: () => Promise<T>): Promise<T> {
  await mkdir(join(lockDir, '..'), { recursive: true });
  const deadline = Date.now() + 30 * 60_000;
  let announced = false;
  for (;;) {
    try {
      await mkdir(lockDir);
      await writeFile(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = await readFile(join(lockDir, 'pid'), 'utf8').catch(() => '');
      let alive = false;
      if (/^\d+$/.test(pid)) { try { process.kill(Number(pid), 0); alive = true; } catch (err) { alive = (err as NodeJS.ErrnoException).code === 'EPERM'; } }
      const age = Date.now() - (await stat(lockDir).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if ((!alive && (pid !== '' || age > 10_000)) || Date.now() > deadline) { await rm(lockDir, { recursive: true, force: true }); continue; }
      if (!announced) { onWait(pid || '?'); announced = true; }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try { return await fn(); } finally { await rm(lockDir, { recursive: true, force: true }); }
}

// ---------------------------------------------------------------------------------------------

async function findFirst(root: string, candidates: string[]): Promise<string | null> {
  for (const c of candidates) if (existsSync(join(root, c))) return join(root, c);
  return null;
}

/** Locates the interesting files in an extracted tree. */
export async function locateImageFiles(root: string): Promise<{ kernel: string; kernelVersion: string; modulesDir: string; busybox: string; fwDynamic: string; fwJump: string }> {
  const boot = await readdir(join(root, 'boot')).catch(() => [] as string[]);
  const kname = boot.filter((n) => /^(vmlinux|vmlinuz|Image)-/.test(n)).sort()[0];
  if (!kname) throw new Error(`no kernel (boot/vmlinux-*) in the extracted ${KERNEL_META_PACKAGE} package`);
  const kernelVersion = kname.replace(/^(vmlinux|vmlinuz|Image)-/, '');
  const modulesDir = await findFirst(root, [`usr/lib/modules/${kernelVersion}`, `lib/modules/${kernelVersion}`]);
  if (!modulesDir) throw new Error(`no modules directory for kernel ${kernelVersion}`);
  const busybox = await findFirst(root, ['usr/bin/busybox', 'bin/busybox']);
  if (!busybox) throw new Error(`no busybox binary in the extracted ${BUSYBOX_PACKAGE} package`);
  const fwDirs = ['usr/lib/riscv64-linux-gnu/opensbi/generic', 'usr/lib/riscv-firmware/opensbi/generic', 'usr/share/qemu'];
  const fwDynamic = await findFirst(root, fwDirs.map((d) => `${d}/fw_dynamic.bin`));
  const fwJump = await findFirst(root, fwDirs.map((d) => `${d}/fw_jump.bin`));
  if (!fwDynamic || !fwJump) throw new Error(`no riscv64 OpenSBI fw_dynamic.bin/fw_jump.bin in the extracted ${OPENSBI_PACKAGE} package`);
  return { kernel: join(root, 'boot', kname), kernelVersion, modulesDir, busybox, fwDynamic, fwJump };
}

/** Builds the initramfs for an image dir whose rootfs is extracted; returns its record. */
async function writeInitramfs(dir: string, files: { busybox: string; modulesDir: string; kernelVersion: string }, notes: string[]): Promise<ImageManifest['initramfs']> {
  const build = await buildInitramfsDetailed({ busybox: files.busybox, modulesDir: files.modulesDir, kernelVersion: files.kernelVersion });
  if (build.unresolvedSoftdeps.length) notes.push(`optional module soft dependencies not found: ${build.unresolvedSoftdeps.join(', ')}`);
  const path = join(dir, 'initramfs.cpio.gz');
  await writeFileAtomic(path, build.data);
  return { path: relative(dir, path), sha256: sha256(build.data), size: build.data.length, builder: INITRAMFS_BUILDER_VERSION, modules: build.modules };
}

/** Downloads (or reuses) the default image. */
export async function pullDefaultImage(opts: PullOptions = {}): Promise<PullResult> {
  const t0 = Date.now();
  const cacheDir = opts.cacheDir ?? resolveCacheDir();
  const dir = imageDir(DEFAULT_IMAGE, cacheDir);
  const emit = (p: PullProgress): void => opts.onProgress?.(p);
  const notes: string[] = [];

  return withLock(join(cacheDir, 'images', `.${DEFAULT_IMAGE}.lock`), (pid) => emit({ phase: 'lock', message: `waiting for another hv image pull (pid ${pid})` }), async () => {
    const old = await readManifest(dir);
    if (old && !opts.force) {
      emit({ phase: 'check', message: `verifying cached image ${dir}` });
      const baseOk = (await Promise.all([old.kernel, old.busybox, old.firmware.fw_dynamic, old.firmware.fw_jump].map((r) => verifyRecord(dir, r))))
        .every(Boolean) && existsSync(join(dir, old.modulesDir));
      if (baseOk) {
        const initrdOk = old.initramfs.builder === INITRAMFS_BUILDER_VERSION && await verifyRecord(dir, old.initramfs);
        if (initrdOk) {
          emit({ phase: 'done', message: `default image up to date (kernel ${old.kernel.version})` });
          return { manifest: old, info: imageInfo(dir, old), reused: true, rebuiltInitramfs: false, seconds: (Date.now() - t0) / 1000, notes };
        }
        emit({ phase: 'initramfs', message: 'rebuilding the initramfs' });
        const m: ImageManifest = {
          ...old,
          initramfs: await writeInitramfs(dir, { busybox: join(dir, old.busybox.path), modulesDir: join(dir, old.modulesDir), kernelVersion: old.kernel.version }, notes),
        };
        await writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(m, null, 2)}\n`);
        emit({ phase: 'done', message: 'initramfs rebuilt' });
        return { manifest: m, info: imageInfo(dir, m), reused: true, rebuiltInitramfs: true, seconds: (Date.now() - t0) / 1000, notes };
      }
      emit({ phase: 'check', message: 'cached image is incomplete or corrupt: pulling again' });
    }

    // --- download
    let aptPhase: 'update' | 'download' = 'update';
    const apt = new PrivateApt({
      root: aptDir(cacheDir),
      ...(opts.mirror ? { mirror: opts.mirror } : {}),
      ...(opts.keyring ? { keyring: opts.keyring } : {}),
      onProgress: (p: AptProgress) => {
        if (p.kind === 'status') {
          aptPhase = p.message.startsWith('downloading') ? 'download' : 'update';
          emit({ phase: aptPhase, message: p.message });
        } else if (p.kind === 'log') emit({ phase: 'log', message: p.line });
        else {
          const e: PullProgress = { phase: aptPhase, message: p.message, percent: p.percent };
          if (p.bytes !== undefined) e.bytes = p.bytes;
          if (p.totalBytes !== undefined) e.totalBytes = p.totalBytes;
          emit(e);
        }
      },
    });
    await apt.setup();
    await apt.update();
    emit({ phase: 'resolve', message: `resolving ${KERNEL_META_PACKAGE}, ${BUSYBOX_PACKAGE}, ${OPENSBI_PACKAGE}` });
    const kernelPkg = await apt.resolveMeta(KERNEL_META_PACKAGE, /^linux-image-\d.*-riscv64$/);
    const pkgs: [PackageInfo, string?][] = [[kernelPkg, KERNEL_META_PACKAGE]];
    for (const name of [BUSYBOX_PACKAGE, OPENSBI_PACKAGE]) {
      const info = await apt.show(name);
      if (!info) throw new Error(`package ${name} not found in ${apt.suite}/${apt.arch} (mirror ${apt.mirror})`);
      pkgs.push([info]);
    }
    const download = await apt.download(pkgs.map(([i]) => `${i.package}=${i.version}`), apt.layout.archivesDir);

    // --- extract into a fresh tree, then swap it in
    const dpkgDeb = await requireTool('dpkg-deb', 'dpkg', 'extracting Debian packages (hv image pull)');
    await mkdir(dir, { recursive: true });
    const fresh = join(dir, 'root.new');
    await rm(fresh, { recursive: true, force: true });
    await mkdir(fresh, { recursive: true });
    for (const d of download.packages) {
      emit({ phase: 'extract', message: `extracting ${basename(d.path)}` });
      await run(dpkgDeb, ['-x', d.path, fresh]);
    }
    await rm(join(dir, MANIFEST_FILE), { force: true }); // the old manifest no longer describes the tree
    await rm(join(dir, 'root.old'), { recursive: true, force: true });
    if (existsSync(join(dir, 'root'))) await rename(join(dir, 'root'), join(dir, 'root.old'));
    await rename(fresh, join(dir, 'root'));
    await rm(join(dir, 'root.old'), { recursive: true, force: true });
    const files = await locateImageFiles(join(dir, 'root'));

    const head = Buffer.alloc(0x40);
    const fh = await open(files.kernel, 'r');
    try { await fh.read(head, 0, 0x40, 0); } finally { await fh.close(); }

    emit({ phase: 'initramfs', message: `building the initramfs (kernel ${files.kernelVersion})` });
    const initramfs = await writeInitramfs(dir, files, notes);

    const packages: PackageRecord[] = download.packages.map((d, i) => ({
      name: d.package,
      version: d.version,
      architecture: d.architecture,
      ...(pkgs[i]![1] ? { requested: pkgs[i]![1] } : {}),
      deb: relative(cacheDir, d.path),
      sha256: d.sha256,
      size: d.size,
    }));
    const manifest: ImageManifest = {
      schema: 1,
      name: DEFAULT_IMAGE,
      pulledAt: new Date().toISOString(),
      distribution: { suite: apt.suite, arch: apt.arch, mirror: apt.mirror },
      packages,
      kernel: { ...(await fileRecord(dir, files.kernel)), version: files.kernelVersion, format: kernelFormat(head) },
      busybox: await fileRecord(dir, files.busybox),
      firmware: { fw_dynamic: await fileRecord(dir, files.fwDynamic), fw_jump: await fileRecord(dir, files.fwJump) },
      modulesDir: relative(dir, files.modulesDir),
      initramfs,
    };
    await writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    const seconds = (Date.now() - t0) / 1000;
    emit({ phase: 'done', message: `pulled default image: kernel ${files.kernelVersion} in ${seconds.toFixed(1)} s` });
    return { manifest, info: imageInfo(dir, manifest), reused: false, rebuiltInitramfs: false, seconds, download, notes };
  });
}

/** True when a cached image's initramfs was built by this hv (else pullDefaultImage rebuilds it, in seconds). */
export function isImageCurrent(info: ImageInfo): boolean {
  return info.initramfsBuilder === INITRAMFS_BUILDER_VERSION;
}

/** Absolute paths of the default image's files, or null when it has not been pulled. */
export async function defaultImagePaths(opts: { cacheDir?: string } = {}): Promise<ImageInfo | null> {
  const dir = imageDir(DEFAULT_IMAGE, opts.cacheDir ?? resolveCacheDir());
  const m = await readManifest(dir);
  return m ? imageInfo(dir, m) : null;
}
