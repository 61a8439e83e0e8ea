/**
 * Downloads Debian packages (by default trixie / riscv64) through the host's apt-get with a private
 * configuration: its own sources.list, lists, archives and (empty) dpkg status under the hv cache, so
 * no root is needed and the host's apt state is never touched.
 *
 * Trust: every source carries `signed-by=` the host's Debian archive keyring, so apt checks the
 * InRelease signature and then the SHA256 of every index and .deb against it. Signature checks are
 * never relaxed. If the host keyring is too old to know the target release's key, a newer
 * `debian-archive-keyring` package is fetched from the host's own release (verified by the host
 * keyring) and used instead — see bootstrapKeyring().
 */

import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CommandError, requireTool, run, sha256File, which, type RunResult } from './util.js';

export const HOST_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
export const FALLBACK_MIRROR = 'http://deb.debian.org/debian';

// ---------------------------------------------------------------------------------------------
// The host's mirror

export interface HostSourceEntry {
  file: string;
  types: string[];
  uris: string[];
  suites: string[];
  components: string[];
  enabled: boolean;
}

/** Parses the one-line format (`deb [opts] uri suite components…`). */
export function parseOneLineSources(text: string, file = 'sources.list'): HostSourceEntry[] {
  const out: HostSourceEntry[] = [];
  for (const raw of text.split('\n')) {
    let line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    const m = /^(deb|deb-src)\s+(.*)$/.exec(line);
    if (!m) continue;
    line = m[2]!.replace(/^\[[^\]]*\]\s*/, '');
    const [uri, suite, ...components] = line.split(/\s+/);
    if (!uri || !suite) continue;
    out.push({ file, types: [m[1]!], uris: [uri], suites: [suite], components, enabled: true });
  }
  return out;
}

/** Parses the deb822 format (`*.sources`). */
export function parseDeb822Sources(text: string, file = 'x.sources'): HostSourceEntry[] {
  const out: HostSourceEntry[] = [];
  for (const para of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    let key: string | null = null;
    for (const line of para.split('\n')) {
      if (line.startsWith('#')) continue;
      if (/^\s/.test(line) && key) { fields.set(key, `${fields.get(key)} ${line.trim()}`); continue; }
      const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
      if (m) { key = m[1]!.toLowerCase(); fields.set(key, m[2]!.trim()); }
    }
    if (!fields.has('uris') || !fields.has('suites')) continue;
    const list = (k: string): string[] => (fields.get(k) ?? '').split(/\s+/).filter(Boolean);
    out.push({
      file,
      types: list('types'),
      uris: list('uris'),
      suites: list('suites'),
      components: list('components'),
      enabled: !/^(no|false|0)$/i.test(fields.get('enabled') ?? 'yes'),
    });
  }
  return out;
}

const DEBIAN_SUITES = new Set([
  'buzz', 'rex', 'bo', 'hamm', 'slink', 'potato', 'woody', 'sarge', 'etch', 'lenny', 'squeeze', 'wheezy',
  'jessie', 'stretch', 'buster', 'bullseye', 'bookworm', 'trixie', 'forky', 'duke', 'sid',
  'stable', 'testing', 'unstable', 'oldstable', 'oldoldstable', 'experimental',
]);

function debianSuiteBase(suite: string): string | null {
  const base = suite.split(/[-/]/)[0]!;
  return DEBIAN_SUITES.has(base) ? base : null;
}

function isSecuritySuite(suite: string, uri: string): boolean {
  return /-security$|\/updates$/.test(suite) || /debian-security/.test(uri);
}

export interface HostMirrors {
  /** Main Debian archive mirror the host uses (e.g. http://deb.debian.org/debian). */
  archive: string;
  /** Its security mirror, when the host has one configured. */
  security?: string;
  /** The host's Debian release codename, when it could be told from its sources (e.g. bookworm). */
  codename?: string;
  /** Where the archive mirror came from ("fallback" when none was found). */
  origin: string;
}

/** Picks the Debian archive (and security) mirrors from parsed host source entries. */
export function pickDebianMirrors(entries: readonly HostSourceEntry[]): HostMirrors {
  let archive: HostMirrors | undefined;
  let security: string | undefined;
  for (const e of entries) {
    if (!e.enabled || !e.types.includes('deb')) continue;
    for (const uri of e.uris) {
      if (/^(cdrom|copy):/.test(uri)) continue;
      for (const suite of e.suites) {
        const base = debianSuiteBase(suite);
        if (!base) continue;
        const clean = uri.replace(/\/+$/, '');
        if (isSecuritySuite(suite, uri)) { security ??= clean; continue; }
        if (!archive) {
          archive = { archive: clean, origin: e.file };
          if (suite === base && !['stable', 'testing', 'unstable', 'oldstable', 'oldoldstable', 'experimental'].includes(base)) archive.codename = base;
        } else if (!archive.codename && clean === archive.archive && suite === base) {
          archive.codename = base;
        }
      }
    }
  }
  const result: HostMirrors = archive ?? { archive: FALLBACK_MIRROR, origin: 'fallback' };
  if (security) result.security = security;
  return result;
}

/** Reads /etc/apt/sources.list and sources.list.d/*.{list,sources} (only files apt itself reads). */
export async function readHostMirrors(etcApt = '/etc/apt'): Promise<HostMirrors> {
  const entries: HostSourceEntry[] = [];
  const tryRead = async (p: string): Promise<string | null> => { try { return await readFile(p, 'utf8'); } catch { return null; } };
  const main = await tryRead(join(etcApt, 'sources.list'));
  if (main) entries.push(...parseOneLineSources(main, join(etcApt, 'sources.list')));
  let names: string[] = [];
  try { names = (await readdir(join(etcApt, 'sources.list.d'))).sort(); } catch { /* none */ }
  for (const n of names) {
    const p = join(etcApt, 'sources.list.d', n);
    if (!/^[A-Za-z0-9_.-]+\.(list|sources)$/.test(n)) continue;
    const text = await tryRead(p);
    if (!text) continue;
    entries.push(...(n.endsWith('.sources') ? parseDeb822Sources(text, p) : parseOneLineSources(text, p)));
  }
  return pickDebianMirrors(entries);
}

// ---------------------------------------------------------------------------------------------
// Private configuration

export interface AptSourceSpec {
  uri: string;
  suite: string;
  components: string[];
}

export interface AptLayout {
  root: string;
  etcDir: string;
  /** Private main config (APT_CONFIG): keeps the host's apt.conf(.d) — and its hooks — out. */
  aptConf: string;
  /** The host's Acquire:: settings (proxies etc.), imported. */
  hostAcquireConf: string;
  confParts: string;
  sourcesList: string;
  sourcesParts: string;
  preferences: string;
  preferencesParts: string;
  trustedParts: string;
  stateDir: string;
  listsDir: string;
  statusFile: string;
  cacheDir: string;
  archivesDir: string;
  logDir: string;
}

export function aptLayout(root: string): AptLayout {
  const etcDir = join(root, 'etc');
  const stateDir = join(root, 'state');
  const cacheDir = join(root, 'cache');
  return {
    root,
    etcDir,
    aptConf: join(etcDir, 'apt.conf'),
    hostAcquireConf: join(etcDir, 'host-acquire.conf'),
    confParts: join(etcDir, 'apt.conf.d'),
    sourcesList: join(etcDir, 'sources.list'),
    sourcesParts: join(etcDir, 'sources.list.d'),
    preferences: join(etcDir, 'preferences'),
    preferencesParts: join(etcDir, 'preferences.d'),
    trustedParts: join(etcDir, 'trusted.gpg.d'),
    stateDir,
    listsDir: join(stateDir, 'lists'),
    statusFile: join(stateDir, 'status'),
    cacheDir,
    archivesDir: join(cacheDir, 'archives'),
    logDir: join(root, 'log'),
  };
}

/** sources.list text: one-line entries pinned to one architecture and signed-by one keyring. */
export function renderSourcesList(sources: readonly AptSourceSpec[], arch: string, keyring: string): string {
  if (/[\s\]]/.test(keyring)) throw new Error(`keyring path must not contain spaces or ']': ${keyring}`);
  const lines = ['# Written by hv (src/images/apt.ts): private apt configuration for guest images.'];
  for (const s of sources) lines.push(`deb [arch=${arch} signed-by=${keyring}] ${s.uri} ${s.suite} ${s.components.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The private main configuration file, given to apt as APT_CONFIG. apt reads it first; it redirects
 * Dir::Etc::main and Dir::Etc::parts so the host's /etc/apt/apt.conf(.d) is not read at all: none of
 * its hooks (APT::Update::Post-Invoke…, DPkg::Post-Invoke…) run and none of its cache settings apply.
 * The host's Acquire:: settings (proxies, retries, CA files) are imported through hostAcquireConf.
 */
export function renderAptConf(layout: AptLayout): string {
  const q = (s: string): string => JSON.stringify(s);
  return [
    '// Written by hv (src/images/apt.ts): private apt configuration for guest images.',
    `Dir::Etc::main ${q(layout.hostAcquireConf)};`,
    `Dir::Etc::parts ${q(layout.confParts)};`,
    '',
  ].join('\n');
}

/** Keeps only Acquire:: settings from `apt-config dump` output (the host's proxies and the like). */
export function filterHostAcquire(dump: string): string {
  const keep = dump.split('\n').filter((l) => /^Acquire::\S+ ".*";$/.test(l) && !/^Acquire::(Languages|AllowInsecureRepositories|AllowDowngradeToInsecureRepositories|AllowWeakRepositories)\b/.test(l));
  return `// The host's Acquire:: settings, imported by hv.\n${keep.join('\n')}\n`;
}

/**
 * `-o` options that point every piece of apt state at the private tree: sources, pins, trusted keys,
 * lists, caches and dpkg status are all private (see also renderAptConf).
 */
export function aptOptions(layout: AptLayout, arch: string, extra: Record<string, string> = {}): string[] {
  const o: Record<string, string> = {
    'Dir::Etc::SourceList': layout.sourcesList,
    'Dir::Etc::SourceParts': layout.sourcesParts,
    'Dir::Etc::Preferences': layout.preferences,
    'Dir::Etc::PreferencesParts': layout.preferencesParts,
    'Dir::Etc::Trusted': join(layout.etcDir, 'trusted.gpg'),
    'Dir::Etc::TrustedParts': layout.trustedParts,
    'Dir::State': layout.stateDir,
    'Dir::State::Lists': layout.listsDir,
    'Dir::State::status': layout.statusFile,
    'Dir::State::extended_states': join(layout.stateDir, 'extended_states'),
    'Dir::Cache': layout.cacheDir,
    'Dir::Cache::archives': layout.archivesDir,
    'Dir::Cache::pkgcache': join(layout.cacheDir, 'pkgcache.bin'),
    'Dir::Cache::srcpkgcache': '', // only pkgcache.bin is kept: the source cache would be a second 40 MB copy
    'Dir::Log': layout.logDir,
    'APT::Architecture': arch,
    'APT::Architectures': arch,
    'Acquire::Languages': 'none',
    'Acquire::AllowInsecureRepositories': 'false',
    'Acquire::AllowDowngradeToInsecureRepositories': 'false',
    'APT::Get::AllowUnauthenticated': 'false',
    'APT::Install-Recommends': 'false',
    'APT::Install-Suggests': 'false',
    ...extra,
  };
  return Object.entries(o).flatMap(([k, v]) => ['-o', `${k}=${v}`]);
}

// ---------------------------------------------------------------------------------------------
// Progress

export type AptProgress =
  | { kind: 'status'; message: string }
  | { kind: 'download'; percent: number; message: string; bytes?: number; totalBytes?: number }
  | { kind: 'log'; line: string };

export type AptProgressFn = (p: AptProgress) => void;

/** Parses one APT::Status-Fd line (`dlstatus:<n>:<percent>:<text>` and friends). */
export function parseStatusLine(line: string): { kind: string; percent: number; message: string } | null {
  const m = /^(dlstatus|pmstatus|media-change|pmerror|pmconffile):([^:]*):([\d.]+):(.*)$/.exec(line);
  if (!m) return null;
  return { kind: m[1]!, percent: Number(m[3]), message: m[4]! };
}

// ---------------------------------------------------------------------------------------------
// Running apt

export class AptNotFoundError extends Error {
  constructor() {
    super('apt-get was not found in PATH. hv downloads its guest images (Debian riscv64 packages) with the host\'s ' +
      'apt-get, used with a private configuration (no root needed). Install APT: it is Debian\'s `apt` package ' +
      '(present on every Debian/Ubuntu system; `sudo apt-get install apt`), together with `dpkg` for dpkg-deb.');
    this.name = 'AptNotFoundError';
  }
}

export class AptSignatureError extends Error {
  constructor(detail: string) {
    super('apt could not verify the signature of the Debian archive with the available keyrings ' +
      '(signature checks are never disabled). Update the host\'s keyring (`sudo apt-get install ' +
      `debian-archive-keyring\`) and retry.\n${detail}`);
    this.name = 'AptSignatureError';
  }
}

const SIGNATURE_PROBLEM = /NO_PUBKEY|EXPKEYSIG|KEYEXPIRED|REVKEYSIG|BADSIG|is not signed|signatures? (couldn't be verified|were invalid)|Missing key/;

export interface PackageInfo {
  package: string;
  version: string;
  architecture: string;
  filename: string;
  size: number;
  sha256: string;
  depends: string;
  fields: Record<string, string>;
}

/** Parses one deb822 stanza of `apt-cache show`. */
export function parseControl(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  let key: string | null = null;
  for (const line of text.split('\n')) {
    if (/^\s/.test(line) && key) { fields[key] += `\n${line.trim()}`; continue; }
    const m = /^([A-Za-z0-9-]+):\s?(.*)$/.exec(line);
    if (m) { key = m[1]!; fields[key] = m[2]!; }
  }
  return fields;
}

/** File name apt uses for a downloaded package (epoch colon escaped as %3a). */
export function debFileName(pkg: string, version: string, arch: string): string {
  return `${pkg}_${version.replace(/:/g, '%3a')}_${arch}.deb`;
}

export interface DownloadedPackage {
  package: string;
  version: string;
  architecture: string;
  path: string;
  size: number;
  sha256: string;
  /** Already present (hash checked) — nothing was fetched. */
  cached: boolean;
}

export interface DownloadSummary {
  packages: DownloadedPackage[];
  fetchedBytes: number;
  seconds: number;
  /** apt's own closing line, e.g. "Fetched 114 MB in 1s (141 MB/s)". */
  aptSummary?: string;
}

export interface PrivateAptOptions {
  /** Root of the private apt tree (e.g. ~/.cache/hv/apt). */
  root: string;
  arch?: string;
  /** Release codename (default trixie). */
  suite?: string;
  components?: string[];
  /** Extra suites on the same mirror, e.g. ['trixie-updates']. */
  extraSuites?: string[];
  /** Also use <suite>-security from the host's security mirror. */
  security?: boolean;
  /** Mirror URI; default: the host's Debian mirror. */
  mirror?: string;
  /** Keyring: a path, 'host' (default: host keyring, bootstrapping a newer one if needed) or 'bootstrap' (always bootstrap). */
  keyring?: string;
  onProgress?: AptProgressFn;
  /** Where host sources are read from (tests). */
  etcApt?: string;
}

export class PrivateApt {
  readonly layout: AptLayout;
  readonly arch: string;
  readonly suite: string;
  private keyring: string | null = null;
  private mirrors: HostMirrors | null = null;
  private aptGet = 'apt-get';
  private aptCache = 'apt-cache';

  constructor(readonly opts: PrivateAptOptions) {
    this.layout = aptLayout(opts.root);
    this.arch = opts.arch ?? 'riscv64';
    this.suite = opts.suite ?? 'trixie';
  }

  /** The mirror in use (after setup()). */
  get mirror(): string { return this.opts.mirror ?? this.mirrors?.archive ?? FALLBACK_MIRROR; }

  private progress(p: AptProgress): void { this.opts.onProgress?.(p); }

  /** The sources this apt reads. */
  sources(mirrors: HostMirrors): AptSourceSpec[] {
    const components = this.opts.components ?? ['main'];
    const uri = this.opts.mirror ?? mirrors.archive;
    const out: AptSourceSpec[] = [{ uri, suite: this.suite, components }];
    for (const s of this.opts.extraSuites ?? []) out.push({ uri, suite: s, components });
    if (this.opts.security && mirrors.security) out.push({ uri: mirrors.security, suite: `${this.suite}-security`, components });
    return out;
  }

  /** Checks tools, reads the host mirror and writes the private tree. */
  async setup(): Promise<void> {
    const ag = await which('apt-get');
    const ac = await which('apt-cache');
    if (!ag || !ac) throw new AptNotFoundError();
    this.aptGet = ag; this.aptCache = ac;
    this.mirrors = await readHostMirrors(this.opts.etcApt);
    const L = this.layout;
    for (const d of [L.etcDir, L.confParts, L.sourcesParts, L.preferencesParts, L.trustedParts, join(L.listsDir, 'partial'),
      join(L.archivesDir, 'partial'), L.logDir]) await mkdir(d, { recursive: true });
    if (!existsSync(L.statusFile)) await writeFile(L.statusFile, '');
    await writeFile(L.aptConf, renderAptConf(L));
    const ac2 = await which('apt-config');
    const dump = ac2 ? (await run(ac2, ['dump', 'Acquire'], { allowFailure: true })).stdout : '';
    await writeFile(L.hostAcquireConf, filterHostAcquire(dump));
    if (this.keyring === null) {
      const k = this.opts.keyring ?? 'host';
      if (k === 'bootstrap') this.keyring = await this.bootstrapKeyring();
      else if (k === 'host') {
        if (!existsSync(HOST_KEYRING)) this.keyring = await this.bootstrapKeyring();
        else this.keyring = HOST_KEYRING;
      } else this.keyring = k;
    }
    await this.writeSources();
  }

  private async writeSources(): Promise<void> {
    await writeFile(this.layout.sourcesList, renderSourcesList(this.sources(this.mirrors!), this.arch, this.keyring!));
  }

  /** Runs apt-get / apt-cache with the private options; apt's output lines go to onProgress as 'log'. */
  private async apt(tool: 'get' | 'cache', args: string[], opts: { cwd?: string; allowFailure?: boolean; quiet?: boolean; totalBytes?: number } = {}): Promise<RunResult> {
    const cmd = tool === 'get' ? this.aptGet : this.aptCache;
    const extra: Record<string, string> = tool === 'get' ? { 'APT::Status-Fd': '3' } : {};
    const log = (line: string): void => {
      if (opts.quiet || !line.trim()) return;
      // Running as root with a cache under a home directory the _apt user cannot enter: apt falls back to
      // downloading as root and says so. Expected; not worth a warning on every pull.
      if (/Download is performed unsandboxed as root/.test(line)) return;
      this.progress({ kind: 'log', line });
    };
    return run(cmd, [...aptOptions(this.layout, this.arch, extra), ...args], {
      cwd: opts.cwd,
      env: { ...process.env, APT_CONFIG: this.layout.aptConf, LC_ALL: 'C', DEBIAN_FRONTEND: 'noninteractive' },
      allowFailure: opts.allowFailure,
      onStdoutLine: log,
      onStderrLine: log,
      onFd3Line: tool === 'get' ? (line) => {
        const s = parseStatusLine(line);
        if (!s || s.kind !== 'dlstatus') return;
        const p: AptProgress = { kind: 'download', percent: s.percent, message: s.message };
        if (opts.totalBytes) { p.totalBytes = opts.totalBytes; p.bytes = Math.round(opts.totalBytes * s.percent / 100); }
        this.progress(p);
      } : undefined,
    });
  }

  /**
   * `apt-get update`. When apt reports a signature problem with the host keyring, fetches a newer
   * debian-archive-keyring (see bootstrapKeyring) and tries once more.
   */
  async update(): Promise<void> {
    if (!this.mirrors) await this.setup();
    this.progress({ kind: 'status', message: `updating package lists (${this.suite}/${this.arch} from ${this.mirror})` });
    let r = await this.apt('get', ['-q', 'update'], { allowFailure: true });
    const text = `${r.stdout}\n${r.stderr}`;
    if (r.code !== 0 || /^(W|E): .*(GPG|signature|signed)/m.test(text)) {
      if (SIGNATURE_PROBLEM.test(text) && this.keyring === HOST_KEYRING && (this.opts.keyring ?? 'host') === 'host') {
        this.progress({ kind: 'status', message: 'host keyring does not verify the archive; fetching a newer debian-archive-keyring' });
        this.keyring = await this.bootstrapKeyring();
        await this.writeSources();
        r = await this.apt('get', ['-q', 'update'], { allowFailure: true });
        const t2 = `${r.stdout}\n${r.stderr}`;
        if (SIGNATURE_PROBLEM.test(t2)) throw new AptSignatureError(t2.trim().split('\n').slice(-8).join('\n'));
      } else if (SIGNATURE_PROBLEM.test(text)) {
        throw new AptSignatureError(text.trim().split('\n').slice(-8).join('\n'));
      }
      if (r.code !== 0) throw new CommandError('apt-get', ['update'], r.code, r.stdout, r.stderr);
    }
  }

  /** The candidate version's control fields, or null if no such package. */
  async show(pkg: string): Promise<PackageInfo | null> {
    const r = await this.apt('cache', ['show', '--no-all-versions', pkg], { allowFailure: true, quiet: true });
    if (r.code !== 0 || !r.stdout.trim()) return null;
    const f = parseControl(r.stdout.split(/\n\s*\n/)[0]!);
    if (!f.Package || !f.Version) return null;
    return {
      package: f.Package,
      version: f.Version,
      architecture: f.Architecture ?? this.arch,
      filename: f.Filename ?? '',
      size: Number(f.Size ?? 0),
      sha256: f.SHA256 ?? '',
      depends: f.Depends ?? '',
      fields: f,
    };
  }

  /**
   * Resolves a meta package to the real package it depends on, e.g. linux-image-riscv64 →
   * linux-image-6.12.x+debNN-riscv64: the first dependency whose name matches `pattern`.
   */
  async resolveMeta(meta: string, pattern: RegExp): Promise<PackageInfo> {
    const info = await this.show(meta);
    if (!info) throw new Error(`package ${meta} not found in ${this.suite}/${this.arch}`);
    if (pattern.test(info.package) && info.package !== meta) return info;
    for (const alt of info.depends.split(',')) {
      const name = alt.split('|')[0]!.trim().split(/[\s(]/)[0]!;
      if (name && pattern.test(name)) {
        const real = await this.show(name);
        if (real) return real;
      }
    }
    throw new Error(`${meta} (${info.version}) has no dependency matching ${pattern}: Depends: ${info.depends}`);
  }

  /**
   * Downloads exactly these packages (name or name=version; no dependency resolution) into destDir,
   * reusing files already there whose SHA256 matches the signed index.
   */
  async download(pkgs: readonly string[], destDir: string): Promise<DownloadSummary> {
    if (!this.mirrors) await this.setup();
    const infos: PackageInfo[] = [];
    for (const spec of pkgs) {
      const info = await this.show(spec);
      if (!info) throw new Error(`package ${spec} not found in ${this.suite}/${this.arch} (mirror ${this.mirror})`);
      infos.push(info);
    }
    return this.fetch(infos, destDir);
  }

  /**
   * Downloads the packages and every dependency not already satisfied (`apt-get install
   * --download-only` against the private, empty dpkg status) into the private archives directory.
   */
  async downloadWithDeps(pkgs: readonly string[]): Promise<DownloadSummary> {
    if (!this.mirrors) await this.setup();
    // A simulated install lists every package it would install ("Inst name (version …)"), whether or
    // not its .deb is already in the archives (--print-uris would leave those out).
    const r = await this.apt('get', ['install', '--simulate', '-q', ...pkgs], { quiet: true });
    const infos: PackageInfo[] = [];
    for (const line of r.stdout.split('\n')) {
      const m = /^Inst (\S+) (?:\[[^\]]*\] )?\((\S+) /.exec(line);
      if (!m) continue;
      const info = await this.show(`${m[1]!.replace(/:[a-z0-9]+$/, '')}=${m[2]}`);
      if (!info) throw new Error(`apt would install ${m[1]} ${m[2]}, but apt-cache does not show it`);
      infos.push(info);
    }
    return this.fetch(infos, this.layout.archivesDir);
  }

  private async fetch(infos: readonly PackageInfo[], destDir: string): Promise<DownloadSummary> {
    await mkdir(destDir, { recursive: true });
    const t0 = Date.now();
    const result: DownloadedPackage[] = [];
    const missing: PackageInfo[] = [];
    for (const info of infos) {
      const path = join(destDir, debFileName(info.package, info.version, info.architecture));
      let cached = false;
      try {
        if ((await stat(path)).size === info.size && (await sha256File(path)) === info.sha256) cached = true;
      } catch { /* absent */ }
      if (!cached) missing.push(info);
      result.push({ package: info.package, version: info.version, architecture: info.architecture, path, size: info.size, sha256: info.sha256, cached });
    }
    let aptSummary: string | undefined;
    const fetchedBytes = missing.reduce((a, i) => a + i.size, 0);
    if (missing.length > 0) {
      this.progress({ kind: 'status', message: `downloading ${missing.map((i) => `${i.package} ${i.version}`).join(', ')}` });
      // A stale partial file with the final name would make apt-get download skip it: remove first.
      for (const i of missing) await rm(join(destDir, debFileName(i.package, i.version, i.architecture)), { force: true });
      const r = await this.apt('get', ['-q', 'download', ...missing.map((i) => `${i.package}=${i.version}`)], { cwd: destDir, totalBytes: fetchedBytes });
      aptSummary = /^Fetched .*$/m.exec(r.stdout)?.[0];
      for (const d of result) {
        if (d.cached) continue;
        const got = await sha256File(d.path).catch(() => null);
        if (got !== d.sha256) throw new Error(`downloaded ${basename(d.path)} has SHA256 ${got ?? '(missing)'}, the signed index says ${d.sha256}`);
      }
    }
    return { packages: result, fetchedBytes, seconds: (Date.now() - t0) / 1000, ...(aptSummary ? { aptSummary } : {}) };
  }

  /**
   * When the host keyring cannot verify the target release: download `debian-archive-keyring` from
   * the host's own Debian release (codename, -updates, -backports), which the host keyring does
   * verify, and return the keyring file it ships. Nothing unverified is ever trusted.
   */
  async bootstrapKeyring(): Promise<string> {
    const mirrors = this.mirrors ?? await readHostMirrors(this.opts.etcApt);
    const codename = mirrors.codename ?? await hostCodename();
    if (!codename) throw new AptSignatureError('cannot tell the host\'s Debian release to fetch a newer debian-archive-keyring from');
    if (!existsSync(HOST_KEYRING)) {
      throw new AptSignatureError(`the host has no ${HOST_KEYRING}; install Debian's \`debian-archive-keyring\` package`);
    }
    this.progress({ kind: 'status', message: `fetching debian-archive-keyring from ${codename} (verified by ${HOST_KEYRING})` });
    const hostArch = (await run('dpkg', ['--print-architecture'], { allowFailure: true }).catch(() => null))?.stdout.trim() || 'amd64';
    const boot = new PrivateApt({
      root: join(this.opts.root, 'bootstrap'),
      arch: hostArch,
      suite: codename,
      extraSuites: [`${codename}-updates`, `${codename}-backports`],
      mirror: this.opts.mirror ?? mirrors.archive,
      keyring: HOST_KEYRING,
      ...(this.opts.etcApt ? { etcApt: this.opts.etcApt } : {}),
      ...(this.opts.onProgress ? { onProgress: this.opts.onProgress } : {}),
    });
    await boot.setup();
    // -backports may not exist on every mirror: accept a partial update as long as a keyring package shows up.
    await boot.apt('get', ['-q', 'update'], { allowFailure: true });
    const debs = join(this.opts.root, 'keyring', 'debs');
    const sum = await boot.download(['debian-archive-keyring'], debs);
    const pkg = sum.packages[0]!;
    const dest = join(this.opts.root, 'keyring', pkg.version);
    await mkdir(dest, { recursive: true });
    await requireTool('dpkg-deb', 'dpkg', 'extracting Debian packages');
    await run('dpkg-deb', ['-x', pkg.path, dest]);
    for (const cand of ['usr/share/keyrings/debian-archive-keyring.gpg', 'usr/share/keyrings/debian-archive-keyring.pgp']) {
      const p = join(dest, cand);
      if (existsSync(p)) {
        this.progress({ kind: 'status', message: `using debian-archive-keyring ${pkg.version} from ${codename} (verified by the host keyring)` });
        return p;
      }
    }
    throw new AptSignatureError(`debian-archive-keyring ${pkg.version} ships no usr/share/keyrings/debian-archive-keyring.{gpg,pgp}`);
  }

  /** Keyring in use (after setup()). */
  get keyringPath(): string | null { return this.keyring; }
}

async function hostCodename(): Promise<string | undefined> {
  try {
    const text = await readFile('/etc/os-release', 'utf8');
    return /^VERSION_CODENAME="?([a-z]+)"?$/m.exec(text)?.[1];
  } catch { return undefined; }
}
