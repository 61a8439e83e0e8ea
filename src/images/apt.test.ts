import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AptNotFoundError, aptLayout, aptOptions, debFileName, filterHostAcquire, parseControl, parseDeb822Sources,
  parseOneLineSources, parseStatusLine, pickDebianMirrors, PrivateApt, readHostMirrors, renderAptConf, renderSourcesList,
} from './apt.js';

const HOST_DEB822 = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;

test('parses deb822 and one-line sources', () => {
  const e = parseDeb822Sources(HOST_DEB822, 'debian.sources');
  assert.equal(e.length, 2);
  assert.deepEqual(e[0]!.suites, ['bookworm', 'bookworm-updates']);
  assert.deepEqual(e[0]!.uris, ['http://deb.debian.org/debian']);
  const disabled = parseDeb822Sources('Types: deb\nURIs: http://x/debian\nSuites: trixie\nEnabled: no\n');
  assert.equal(disabled[0]!.enabled, false);
  const one = parseOneLineSources([
    '# comment',
    'deb [ arch=amd64 signed-by=/k.gpg ] http://ftp.fr.debian.org/debian/ bookworm main contrib # trailing',
    'deb-src http://ftp.fr.debian.org/debian bookworm main',
    'deb http://security.debian.org/debian-security bookworm-security main',
  ].join('\n'));
  assert.equal(one.length, 3);
  assert.deepEqual(one[0], { file: 'sources.list', types: ['deb'], uris: ['http://ftp.fr.debian.org/debian/'], suites: ['bookworm'], components: ['main', 'contrib'], enabled: true });
});

test('picks the host Debian mirror, its security mirror and codename; ignores other repos', () => {
  const m = pickDebianMirrors([
    ...parseOneLineSources('deb https://packages.cloud.google.com/apt cloud-sdk-bookworm main', 'google.list'),
    ...parseDeb822Sources('Types: deb\nURIs: https://deb.nodesource.com/node_20.x\nSuites: nodistro\nComponents: main\n', 'nodesource.sources'),
    ...parseDeb822Sources('Types: deb\nURIs: http://disabled.example/debian\nSuites: bookworm\nEnabled: no\n', 'off.sources'),
    ...parseDeb822Sources(HOST_DEB822, 'debian.sources'),
  ]);
  assert.deepEqual(m, { archive: 'http://deb.debian.org/debian', origin: 'debian.sources', codename: 'bookworm', security: 'http://deb.debian.org/debian-security' });
  assert.equal(pickDebianMirrors(parseOneLineSources('deb http://archive.ubuntu.com/ubuntu jammy main')).origin, 'fallback');
  assert.equal(pickDebianMirrors([]).archive, 'http://deb.debian.org/debian');
  const stable = pickDebianMirrors(parseOneLineSources('deb http://m.example/debian/ stable main'));
  assert.equal(stable.archive, 'http://m.example/debian');
  assert.equal(stable.codename, undefined);
});

test('readHostMirrors reads only *.list and *.sources files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hv-etcapt-'));
  try {
    mkdirSync(join(dir, 'sources.list.d'));
    writeFileSync(join(dir, 'sources.list.d', 'a.list.disabled'), 'deb http://wrong.example/debian bookworm main\n');
    writeFileSync(join(dir, 'sources.list.d', 'debian.sources'), HOST_DEB822.replace(/deb\.debian\.org/g, 'mirror.example'));
    const m = await readHostMirrors(dir);
    assert.equal(m.archive, 'http://mirror.example/debian');
    assert.equal(m.security, 'http://mirror.example/debian-security');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('private configuration: sources.list, options and APT_CONFIG keep everything under the root', () => {
  const L = aptLayout('/c/hv/apt');
  const list = renderSourcesList([{ uri: 'http://deb.debian.org/debian', suite: 'trixie', components: ['main'] }], 'riscv64', '/usr/share/keyrings/debian-archive-keyring.gpg');
  assert.match(list, /^deb \[arch=riscv64 signed-by=\/usr\/share\/keyrings\/debian-archive-keyring\.gpg\] http:\/\/deb\.debian\.org\/debian trixie main$/m);
  assert.throws(() => renderSourcesList([], 'riscv64', '/with space.gpg'), /spaces/);

  const opts = aptOptions(L, 'riscv64');
  const map = new Map<string, string>();
  for (let i = 0; i < opts.length; i += 2) {
    assert.equal(opts[i], '-o');
    const [k, ...v] = opts[i + 1]!.split('=');
    map.set(k!, v.join('='));
  }
  assert.equal(map.get('APT::Architecture'), 'riscv64');
  assert.equal(map.get('APT::Architectures'), 'riscv64');
  assert.equal(map.get('Acquire::Languages'), 'none');
  assert.equal(map.get('Acquire::AllowInsecureRepositories'), 'false');
  assert.equal(map.get('APT::Get::AllowUnauthenticated'), 'false');
  for (const k of ['Dir::Etc::SourceList', 'Dir::Etc::SourceParts', 'Dir::Etc::Preferences', 'Dir::Etc::PreferencesParts', 'Dir::Etc::TrustedParts',
    'Dir::State', 'Dir::State::Lists', 'Dir::State::status', 'Dir::Cache', 'Dir::Cache::archives', 'Dir::Cache::pkgcache', 'Dir::Log']) {
    assert.ok(map.get(k)!.startsWith('/c/hv/apt/'), `${k} = ${map.get(k)}`);
  }
  assert.equal(map.get('Dir::State::status'), '/c/hv/apt/state/status');
  assert.equal(aptOptions(L, 'riscv64', { 'APT::Status-Fd': '3' }).at(-1), 'APT::Status-Fd=3');

  const conf = renderAptConf(L);
  assert.match(conf, /^Dir::Etc::main "\/c\/hv\/apt\/etc\/host-acquire\.conf";$/m);
  assert.match(conf, /^Dir::Etc::parts "\/c\/hv\/apt\/etc\/apt\.conf\.d";$/m);
  const acq = filterHostAcquire([
    'APT::Update::Post-Invoke-Success:: "touch /tmp/hook";',
    'Acquire::http::Proxy "http://proxy:3128";',
    'Acquire::AllowInsecureRepositories "1";',
    'Dir::Cache::pkgcache "";',
  ].join('\n'));
  assert.match(acq, /^Acquire::http::Proxy "http:\/\/proxy:3128";$/m);
  assert.doesNotMatch(acq, /Post-Invoke|AllowInsecure|pkgcache/);
});

test('apt status and control parsing', () => {
  assert.deepEqual(parseStatusLine('dlstatus:2:75.7492:Retrieving file 2 of 2'), { kind: 'dlstatus', percent: 75.7492, message: 'Retrieving file 2 of 2' });
  assert.equal(parseStatusLine('Get:1 http://x'), null);
  const f = parseControl('Package: linux-image-riscv64\nVersion: 6.12.117-1\nDepends: linux-image-6.12.117+deb13-riscv64 (= 6.12.117-1)\nDescription: x\n more\n');
  assert.equal(f.Package, 'linux-image-riscv64');
  assert.equal(f.Depends, 'linux-image-6.12.117+deb13-riscv64 (= 6.12.117-1)');
  assert.equal(f.Description, 'x\nmore');
  assert.equal(debFileName('busybox-static', '1:1.37.0-6+b9', 'riscv64'), 'busybox-static_1%3a1.37.0-6+b9_riscv64.deb');
});

test('without apt-get on PATH the error says what to install', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'hv-nopath-'));
  const saved = process.env.PATH;
  try {
    process.env.PATH = empty;
    const apt = new PrivateApt({ root: join(empty, 'apt') });
    await assert.rejects(apt.setup(), (e: unknown) => e instanceof AptNotFoundError && /install/i.test(e.message) && /`apt`/.test(e.message));
  } finally {
    process.env.PATH = saved;
    rmSync(empty, { recursive: true, force: true });
  }
});
