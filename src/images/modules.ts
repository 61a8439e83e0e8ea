/**
 * Kernel module resolution on the host, without kmod: Debian's kernel package ships no
 * modules.dep (depmod runs in its postinst), so dependencies are read from each module's own
 * `.modinfo` ELF section (`depends=`, written at build time by modpost) and soft dependencies
 * (`softdep=pre: …`) are resolved through module aliases. modules.builtin says what needs no loading.
 *
 * Modules may be compressed (.ko.xz in Debian, also .ko.gz / .ko.zst elsewhere). They are
 * decompressed on the host so the guest's busybox insmod gets plain ELF files.
 */

import { gunzipSync } from 'node:zlib';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { requireTool, run } from './util.js';

/** Module name as the kernel knows it: file stem with '-' turned into '_'. */
export function moduleName(fileOrName: string): string {
  const base = fileOrName.split('/').pop()!;
  return base.replace(/\.ko(\.(xz|gz|zst))?$/, '').replace(/-/g, '_');
}

export interface ModInfo {
  name?: string;
  depends: string[];
  aliases: string[];
  softdepPre: string[];
  softdepPost: string[];
  vermagic?: string;
  /** All key=value pairs, in order. */
  entries: [string, string][];
}

/** Extracts the `.modinfo` section of an ELF relocatable (.ko) and parses it. */
export function parseModinfo(elf: Uint8Array): ModInfo {
  const b = Buffer.from(elf.buffer, elf.byteOffset, elf.byteLength);
  if (b.length < 0x34 || b.readUInt32BE(0) !== 0x7f454c46) throw new Error('not an ELF file');
  const is64 = b[4] === 2;
  const le = b[5] === 1;
  const u16 = (o: number): number => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const uN = (o: number): number => (is64 ? Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o)) : u32(o));
  const shoff = uN(is64 ? 0x28 : 0x20);
  const shentsize = u16(is64 ? 0x3a : 0x2e);
  const shnum = u16(is64 ? 0x3c : 0x30);
  const shstrndx = u16(is64 ? 0x3e : 0x32);
  const sec = (i: number): { name: number; offset: number; size: number } => {
    const o = shoff + i * shentsize;
    return { name: u32(o), offset: uN(o + (is64 ? 0x18 : 0x10)), size: uN(o + (is64 ? 0x20 : 0x14)) };
  };
  const strtab = sec(shstrndx);
  let section: Buffer | null = null;
  for (let i = 0; i < shnum; i++) {
    const s = sec(i);
    const nameStart = strtab.offset + s.name;
    const nameEnd = b.indexOf(0, nameStart);
    if (b.toString('latin1', nameStart, nameEnd) === '.modinfo') { section = b.subarray(s.offset, s.offset + s.size); break; }
  }
  const info: ModInfo = { depends: [], aliases: [], softdepPre: [], softdepPost: [], entries: [] };
  if (!section) return info;
  for (const raw of section.toString('utf8').split('\0')) {
    const eq = raw.indexOf('=');
    if (eq <= 0) continue;
    const k = raw.slice(0, eq), v = raw.slice(eq + 1);
    info.entries.push([k, v]);
    if (k === 'name') info.name = v;
    else if (k === 'depends') info.depends.push(...v.split(',').filter(Boolean).map(moduleName));
    else if (k === 'alias') info.aliases.push(v);
    else if (k === 'vermagic') info.vermagic = v;
    else if (k === 'softdep') {
      // "pre: a b post: c"
      let cur: string[] | null = null;
      for (const tok of v.split(/\s+/).filter(Boolean)) {
        if (tok === 'pre:') cur = info.softdepPre;
        else if (tok === 'post:') cur = info.softdepPost;
        else cur?.push(tok);
      }
    }
  }
  return info;
}

/** Reads a module file, decompressing .xz (host xz), .gz (zlib) or .zst (host zstd). */
export async function readModuleFile(path: string): Promise<Buffer> {
  if (path.endsWith('.xz')) {
    const xz = await requireTool('xz', 'xz-utils', 'decompressing kernel modules (.ko.xz)');
    return (await run(xz, ['-dc', path], { binary: true })).stdoutBuffer;
  }
  if (path.endsWith('.zst')) {
    const zstd = await requireTool('zstd', 'zstd', 'decompressing kernel modules (.ko.zst)');
    return (await run(zstd, ['-dcq', path], { binary: true })).stdoutBuffer;
  }
  const data = await readFile(path);
  return path.endsWith('.gz') ? gunzipSync(data) : data;
}

export interface ResolvedModule {
  name: string;
  /** Source file (possibly compressed), absolute. */
  source: string;
  /** Path relative to the modules dir, with the compression suffix dropped: kernel/fs/ext4/ext4.ko. */
  relPath: string;
  /** Hard dependencies (module names; built-in ones omitted). */
  depends: string[];
  aliases: string[];
  softdepPre: string[];
  /** Decompressed ELF. */
  data: Buffer;
}

export interface Resolution {
  /** Modules to load, dependencies first. */
  modules: ResolvedModule[];
  /** Requested or depended-on names that are built into the kernel. */
  builtin: string[];
  /** Soft dependencies that could not be found (informational; they are optional). */
  unresolvedSoftdeps: string[];
}

/** An extracted /lib/modules/<version> tree. */
export class ModuleTree {
  private files = new Map<string, string>(); // name → absolute path
  private builtinNames = new Set<string>();
  private builtinAliases = new Set<string>();
  private infoCache = new Map<string, Promise<{ info: ModInfo; data: Buffer }>>();

  private constructor(readonly dir: string) {}

  static async open(dir: string): Promise<ModuleTree> {
    const t = new ModuleTree(dir);
    const entries = await readdir(join(dir, 'kernel'), { recursive: true, withFileTypes: true }).catch(() => []);
    const found: string[] = [];
    for (const e of entries) {
      if (!e.isFile() || !/\.ko(\.(xz|gz|zst))?$/.test(e.name)) continue;
      // Node 20's Dirent has parentPath (20.12+) / path (older 20.x).
      const parent = (e as unknown as { parentPath?: string; path?: string }).parentPath ?? (e as unknown as { path: string }).path;
      found.push(join(parent, e.name));
    }
    for (const p of found.sort()) {
      const n = moduleName(p);
      if (!t.files.has(n)) t.files.set(n, p);
    }
    const builtin = await readFile(join(dir, 'modules.builtin'), 'utf8').catch(() => '');
    for (const l of builtin.split('\n')) if (l.trim()) t.builtinNames.add(moduleName(l.trim()));
    const bmi = await readFile(join(dir, 'modules.builtin.modinfo')).catch(() => Buffer.alloc(0));
    for (const raw of bmi.toString('utf8').split('\0')) {
      const m = /^([^.=]+)\.alias=(.+)$/.exec(raw);
      if (m) t.builtinAliases.add(m[2]!);
    }
    return t;
  }

  get moduleCount(): number { return this.files.size; }
  isBuiltin(name: string): boolean { return this.builtinNames.has(moduleName(name)); }
  has(name: string): boolean { return this.files.has(moduleName(name)); }
  builtinList(): string[] { return [...this.builtinNames].sort(); }

  private load(name: string): Promise<{ info: ModInfo; data: Buffer }> {
    let p = this.infoCache.get(name);
    if (!p) {
      const file = this.files.get(name);
      if (!file) throw new Error(`module ${name} not found under ${this.dir}`);
      p = readModuleFile(file).then((data) => ({ data, info: parseModinfo(data) }));
      this.infoCache.set(name, p);
    }
    return p;
  }

  async modinfo(name: string): Promise<ModInfo> { return (await this.load(moduleName(name))).info; }

  /** Finds the module providing an alias (or name) for a soft dependency, or 'builtin', or null. */
  private async provider(wanted: string): Promise<string | 'builtin' | null> {
    const n = moduleName(wanted);
    if (this.builtinNames.has(n) || this.builtinAliases.has(wanted) || this.builtinAliases.has(`crypto-${wanted}`)) return 'builtin';
    if (this.files.has(n)) return n;
    // Aliases like "crypto-crc32c" are provided by e.g. crc32c_generic: look at modules named like the
    // alias (without a crypto- prefix) and check their declared aliases.
    const stem = moduleName(wanted.replace(/^crypto-/, ''));
    const cands = [...this.files.keys()].filter((k) => k.startsWith(stem)).sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
    for (const c of cands.slice(0, 8)) {
      const { info } = await this.load(c);
      if (info.aliases.includes(wanted) || info.aliases.includes(`crypto-${wanted}`)) return c;
    }
    return null;
  }

  /**
   * The closure of the wanted modules (hard deps and pre- soft deps), in load order (dependencies
   * first; otherwise in request order). Unknown names that are not built in are an error.
   */
  async resolve(wanted: readonly string[]): Promise<Resolution> {
    const order: ResolvedModule[] = [];
    const builtin = new Set<string>();
    const unresolved = new Set<string>();
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = async (name: string, chain: string[]): Promise<void> => {
      if (this.builtinNames.has(name)) { builtin.add(name); return; }
      if (state.get(name) === 'done') return;
      if (state.get(name) === 'visiting') throw new Error(`module dependency cycle: ${[...chain, name].join(' → ')}`);
      if (!this.files.has(name)) throw new Error(`kernel module ${name} is neither built in nor present in ${this.dir}`);
      state.set(name, 'visiting');
      const { info, data } = await this.load(name);
      for (const soft of info.softdepPre) {
        const p = await this.provider(soft);
        if (p === 'builtin') continue;
        if (p === null) { unresolved.add(soft); continue; }
        await visit(p, [...chain, name]);
      }
      const deps: string[] = [];
      for (const d of info.depends) {
        await visit(d, [...chain, name]);
        if (!this.builtinNames.has(d)) deps.push(d);
      }
      const source = this.files.get(name)!;
      order.push({
        name,
        source,
        relPath: relative(this.dir, source).replace(/\.(xz|gz|zst)$/, ''),
        depends: deps,
        aliases: info.aliases,
        softdepPre: info.softdepPre,
        data,
      });
      state.set(name, 'done');
    };
    for (const w of wanted) await visit(moduleName(w), []);
    return { modules: order, builtin: [...builtin].sort(), unresolvedSoftdeps: [...unresolved].sort() };
  }
}

/** modules.dep text for a set of resolved modules (paths relative to the modules dir). */
export function renderModulesDep(mods: readonly ResolvedModule[]): string {
  const byName = new Map(mods.map((m) => [m.name, m]));
  const closure = (m: ResolvedModule, acc: string[] = []): string[] => {
    for (const d of m.depends) {
      const dm = byName.get(d);
      if (dm && !acc.includes(dm.relPath)) { acc.push(dm.relPath); closure(dm, acc); }
    }
    return acc;
  };
  return mods.map((m) => `${m.relPath}:${closure(m).map((p) => ` ${p}`).join('')}\n`).join('');
}

/** modules.alias text. */
export function renderModulesAlias(mods: readonly ResolvedModule[]): string {
  const lines = ['# Aliases extracted from modules themselves (generated by hv).'];
  for (const m of mods) for (const a of m.aliases) lines.push(`alias ${a} ${m.name}`);
  return `${lines.join('\n')}\n`;
}

/** modules.softdep text. */
export function renderModulesSoftdep(mods: readonly ResolvedModule[]): string {
  const lines = ['# Soft dependencies extracted from modules (generated by hv).'];
  for (const m of mods) if (m.softdepPre.length) lines.push(`softdep ${m.name} pre: ${m.softdepPre.join(' ')}`);
  return `${lines.join('\n')}\n`;
}
