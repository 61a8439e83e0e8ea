/**
 * Shared helpers for the daemon/API tests: an HTTP caller that validates every JSON response against the
 * daemon's own OpenAPI document (ajv), and small wait utilities.
 */
import assert from 'node:assert/strict';
import AjvModule from 'ajv';

// ajv is CommonJS; its default export is the class.
const Ajv = (AjvModule as unknown as { default: typeof AjvModule }).default ?? AjvModule;

export interface Reply { status: number; body: unknown; text: string; contentType: string }

export class ApiClient {
  private doc: { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>> } | undefined;
  private readonly ajv = new (Ajv as unknown as new (o: object) => { compile: (s: object) => ((d: unknown) => boolean) & { errors?: unknown } })({ strict: false, allErrors: true });
  private readonly cache = new Map<string, ((d: unknown) => boolean) & { errors?: unknown }>();
  validated = 0;

  constructor(readonly base: string, readonly token: string) {}

  async loadOpenApi(): Promise<void> {
    const r = await this.call('GET', '/v1/openapi.json');
    assert.equal(r.status, 200);
    this.doc = r.body as typeof this.doc;
  }

  /** Finds the OpenAPI response schema for a concrete request, if the document has one. */
  private schemaFor(method: string, path: string, status: number): object | undefined {
    if (this.doc === undefined) return undefined;
    const p = path.split('?')[0]!;
    for (const [tmpl, ops] of Object.entries(this.doc.paths)) {
      const re = new RegExp('^' + tmpl.replace(/\{[^}]+\}/g, '[^/]+') + '$');
      if (!re.test(p)) continue;
      const op = ops[method.toLowerCase()];
      if (op === undefined) continue;
      const resp = op.responses[String(status)] ?? op.responses[`${String(status)[0]}XX`] ?? op.responses[`${String(status)[0]}xx`];
      return resp?.content?.['application/json']?.schema;
    }
    return undefined;
  }

  async call(method: string, path: string, body?: unknown, opts: { token?: string | null; raw?: string; contentType?: string } = {}): Promise<Reply> {
    const token = opts.token === undefined ? this.token : opts.token;
    const headers: Record<string, string> = {};
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    const payload = opts.raw ?? (body !== undefined ? JSON.stringify(body) : undefined);
    if (payload !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
    const res = await fetch(this.base + path, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
    const text = await res.text();
    const contentType = res.headers.get('content-type') ?? '';
    let parsed: unknown = text;
    if (contentType.includes('application/json')) parsed = JSON.parse(text);
    if (contentType.includes('application/json') && !path.startsWith('/v1/openapi.json')) {
      const schema = this.schemaFor(method, path, res.status);
      if (schema !== undefined) {
        const key = `${method} ${path.split('?')[0]!.replace(/\/v1\/vms\/[^/]+/, '/v1/vms/{id}')} ${res.status}`;
        let v = this.cache.get(key);
        if (v === undefined) { v = this.ajv.compile(schema); this.cache.set(key, v); }
        assert.ok(v(parsed), `response of ${method} ${path} (${res.status}) does not match the OpenAPI document: ${JSON.stringify(v.errors)}\n${text.slice(0, 500)}`);
        this.validated++;
      }
    }
    return { status: res.status, body: parsed, text, contentType };
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `f` until it returns a truthy value or the time is up. */
export async function waitFor<T>(what: string, f: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export { prng } from '../fakes/prng.js';
