/** Small host helpers shared by the image tooling: running tools, hashing, atomic writes. */

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, constants, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';

/** A host tool that hv needs is not installed; the message names the Debian package to install. */
export class MissingToolError extends Error {
  constructor(public readonly tool: string, public readonly debianPackage: string, why: string) {
    super(`${tool} was not found in PATH; ${why} needs it. Install Debian's \`${debianPackage}\` package ` +
      `(\`sudo apt-get install ${debianPackage}\`; other distributions ship it under the same or a similar name).`);
    this.name = 'MissingToolError';
  }
}

/** A host command exited unsuccessfully. */
export class CommandError extends Error {
  constructor(public readonly cmd: string, public readonly args: readonly string[], public readonly code: number | null,
    public readonly stdout: string, public readonly stderr: string) {
    const tail = (stderr.trim() || stdout.trim()).split('\n').slice(-12).join('\n');
    super(`${cmd} ${args.join(' ')} failed (exit ${code ?? 'signal'})${tail ? `:\n${tail}` : ''}`);
    this.name = 'CommandError';
  }
}

/** Full path of an executable found in PATH, or null. */
export async function which(cmd: string, path = process.env.PATH ?? ''): Promise<string | null> {
  const dirs = path.split(delimiter).filter(Boolean);
  for (const d of dirs) {
    const p = join(d, cmd);
    try { await access(p, constants.X_OK); return p; } catch { /* next */ }
  }
  return null;
}

/** Like which() but throws MissingToolError naming the Debian package to install. */
export async function requireTool(cmd: string, debianPackage: string, why: string): Promise<string> {
  const p = await which(cmd);
  if (!p) throw new MissingToolError(cmd, debianPackage, why);
  return p;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Called with each complete stdout / stderr line as it arrives. */
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  /** When set, fd 3 of the child is a pipe whose lines go here (apt's APT::Status-Fd=3). */
  onFd3Line?: (line: string) => void;
  /** Do not throw on a non-zero exit. */
  allowFailure?: boolean;
  /** Keep stdout as bytes (returned in stdoutBuffer). */
  binary?: boolean;
}

export interface RunResult { code: number | null; stdout: string; stderr: string; stdoutBuffer: Buffer }

function lineSplitter(stream: Readable, onLine: ((l: string) => void) | undefined, keep: Buffer[]): void {
  let pending = '';
  stream.on('data', (chunk: Buffer) => {
    keep.push(chunk);
    if (!onLine) return;
    pending += chunk.toString('utf8');
    const parts = pending.split(/\r?\n|\r/);
    pending = parts.pop() ?? '';
    for (const p of parts) onLine(p);
  });
  stream.on('end', () => { if (onLine && pending) onLine(pending); });
}

/** Runs a command without a shell, capturing its output; throws CommandError on failure. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const stdio: ('ignore' | 'pipe')[] = ['ignore', 'pipe', 'pipe'];
    if (opts.onFd3Line) stdio.push('pipe');
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio });
    const out: Buffer[] = [], err: Buffer[] = [], fd3: Buffer[] = [];
    lineSplitter(child.stdout!, opts.onStdoutLine, out);
    lineSplitter(child.stderr!, opts.onStderrLine, err);
    if (opts.onFd3Line) lineSplitter(child.stdio[3] as Readable, opts.onFd3Line, fd3);
    child.on('error', reject);
    child.on('close', (code) => {
      const stdoutBuffer = Buffer.concat(out);
      const stdout = opts.binary ? '' : stdoutBuffer.toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code !== 0 && !opts.allowFailure) reject(new CommandError(cmd, args, code, stdout, stderr));
      else resolve({ code, stdout, stderr, stdoutBuffer });
    });
  });
}

/** Hex SHA-256 of a file, streamed. */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path).on('error', reject).on('data', (c) => h.update(c)).on('end', () => resolve(h.digest('hex')));
  });
}

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Writes a file atomically (temp file in the same directory, then rename). */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Runs fn over items with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024, u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[u]}`;
}
