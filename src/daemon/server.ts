/**
 * The REST front end of the daemon (Fastify): parses and validates requests (JSON Schema, unknown fields
 * rejected), turns them into VmCommands for VmManager.execute and maps CommandErrors to HTTP statuses. Also
 * serves events as SSE, the console over WebSocket, Prometheus metrics and the OpenAPI document. Every request
 * needs `Authorization: Bearer <token>`.
 */
import Fastify, { type FastifyInstance, type FastifyError } from 'fastify';
import websocket from '@fastify/websocket';
import swagger from '@fastify/swagger';
import { Registry, Gauge } from 'prom-client';
import { timingSafeEqual } from 'node:crypto';
import { CommandError, ERROR_STATUS, VM_STATES, type VmCommand, type VmEvent, type VmSetRequest, type VmSpec } from '../api/types.js';
import { vmSpecSchema, vmSetSchema, vmInfoSchema, errorSchema, hostInfoSchema, eventSchema, idParams } from '../api/schemas.js';
import type { VmManager } from './manager.js';

export interface ServerOptions { token: string; tokenPath: string; https?: { cert: Buffer; key: Buffer } }

const errors = { '4xx': errorSchema, '5xx': errorSchema };

export async function buildServer(mgr: VmManager, opts: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(opts.https ? { https: opts.https } : {}),
    logger: false,
    routerOptions: { maxParamLength: 200 },
    bodyLimit: 1024 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false, discriminator: true } },
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'hv daemon API', version: '1.0.0', description: 'Manage hv virtual machines. Every request needs Authorization: Bearer <token> (the token file is in the state directory).' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(websocket);

  const expected = Buffer.from(`Bearer ${opts.token}`);
  app.addHook('onRequest', async (req, reply) => {
    const got = Buffer.from(req.headers.authorization ?? '');
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
      await reply.code(401).send({ error: 'unauthorized', message: `missing or wrong bearer token (the token is in ${opts.tokenPath})` });
    }
  });

  app.setErrorHandler((err: FastifyError, _req, reply) => {
    if (err instanceof CommandError) return reply.code(ERROR_STATUS[err.code]).send({ error: err.code, message: err.message });
    if (err.validation) {
      const v = err.validation[0]!;
      const extra = (v.params as { additionalProperty?: string }).additionalProperty;
      const where = `${err.validationContext ?? 'request'}${v.instancePath}`;
      const msg = extra !== undefined ? `${where}: unknown field ${JSON.stringify(extra)}` : `${where} ${v.message ?? 'is invalid'}`;
      return reply.code(400).send({ error: 'invalid', message: msg });
    }
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send({ error: err.code ?? 'bad_request', message: err.message });
    }
    process.stderr.write(`hv daemon: internal error: ${err.stack ?? err.message}\n`);
    return reply.code(500).send({ error: 'internal', message: err.message });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: 'not_found', message: `no such endpoint: ${req.method} ${req.url.split('?')[0]}` }));

  const run = (cmd: VmCommand): Promise<unknown> => mgr.execute(cmd);
  const tags = ['vms'];

  app.get('/v1/vms', { schema: { tags, summary: 'list VMs', response: { 200: { type: 'array', items: vmInfoSchema }, ...errors } } }, () => run({ kind: 'list' }));
  app.post<{ Body: VmSpec; Querystring: { start?: 'true' | 'false' } }>('/v1/vms', {
    schema: {
      tags, summary: 'create a VM from a spec', body: vmSpecSchema,
      querystring: { type: 'object', additionalProperties: false, properties: { start: { type: 'string', enum: ['true', 'false'] } } },
      response: { 201: vmInfoSchema, ...errors },
    },
  }, async (req, reply) => {
    const info = await run({ kind: 'create', spec: req.body }) as { id: string };
    const out = req.query.start === 'true' ? await run({ kind: 'start', id: info.id }) : info;
    return reply.code(201).send(out);
  });
  app.get<{ Params: { id: string } }>('/v1/vms/:id', { schema: { tags, summary: 'inspect a VM (with live stats)', params: idParams, response: { 200: vmInfoSchema, ...errors } } },
    (req) => run({ kind: 'inspect', id: req.params.id }));
  for (const action of ['start', 'kill', 'pause', 'resume', 'reboot'] as const) {
    app.post<{ Params: { id: string } }>(`/v1/vms/:id/${action}`, { schema: { tags, summary: `${action} a VM`, params: idParams, response: { 200: vmInfoSchema, ...errors } } },
      (req) => run({ kind: action, id: req.params.id }));
  }
  app.post<{ Params: { id: string }; Querystring: { timeoutMs?: string } }>('/v1/vms/:id/stop', {
    schema: {
      tags, summary: 'stop a VM: press its power button (the guest powers off cleanly), hard stop after the timeout', params: idParams,
      querystring: { type: 'object', additionalProperties: false, properties: { timeoutMs: { type: 'string', pattern: '^[0-9]{1,6}$' } } },
      response: { 200: vmInfoSchema, ...errors },
    },
  }, (req) => run({ kind: 'stop', id: req.params.id, ...(req.query.timeoutMs !== undefined ? { timeoutMs: Number(req.query.timeoutMs) } : {}) }));
  app.delete<{ Params: { id: string }; Querystring: { disks?: 'true' | 'false' } }>('/v1/vms/:id', {
    schema: {
      tags, summary: 'delete a VM (killing it if running); disks=true also deletes its disks inside the state directory', params: idParams,
      querystring: { type: 'object', additionalProperties: false, properties: { disks: { type: 'string', enum: ['true', 'false'] } } },
      response: {
        200: { type: 'object', additionalProperties: false, required: ['id', 'deleted', 'disksDeleted'], properties: { id: { type: 'string' }, deleted: { type: 'boolean' }, disksDeleted: { type: 'array', items: { type: 'string' } } } },
        ...errors,
      },
    },
  }, (req) => run({ kind: 'delete', id: req.params.id, disks: req.query.disks === 'true' }));
  app.patch<{ Params: { id: string }; Body: VmSetRequest }>('/v1/vms/:id', {
    schema: { tags, summary: 'change allocation (live where the VM supports it)', params: idParams, body: vmSetSchema, response: { 200: vmInfoSchema, ...errors } },
  }, (req) => run({ kind: 'set', id: req.params.id, changes: req.body }));
  app.get<{ Params: { id: string } }>('/v1/vms/:id/logs', {
    schema: { tags, summary: 'console log (tail, text)', params: idParams, response: { 200: { type: 'string' }, ...errors } },
  }, async (req, reply) => reply.type('text/plain; charset=utf-8').send(mgr.logs(req.params.id)));

  app.get<{ Params: { id: string } }>('/v1/vms/:id/console', {
    websocket: true,
    schema: { tags, summary: 'serial console over WebSocket (binary frames both ways; scrollback first)', params: idParams },
    // An unknown VM is refused before the upgrade.
    preValidation: async (req, reply) => {
      try { mgr.resolveId(req.params.id); } catch (e) { if (e instanceof CommandError) await reply.code(404).send({ error: 'not_found', message: e.message }); else throw e; }
    },
  }, (socket, req) => {
    const c = mgr.console(req.params.id, (b) => socket.send(b));
    if (c.scrollback.length) socket.send(c.scrollback);
    socket.on('message', (data: Buffer) => c.input(Buffer.from(data)));
    socket.on('close', () => c.close());
  });

  app.get('/v1/host', { schema: { tags: ['host'], summary: 'host capacity and allocation', response: { 200: hostInfoSchema, ...errors } } }, () => run({ kind: 'host' }));

  app.get<{ Querystring: { since?: string; vm?: string; follow?: 'true' | 'false' } }>('/v1/events', {
    schema: {
      tags: ['events'], summary: 'events as server-sent events (stored ones after `since`, then live unless follow=false)',
      querystring: {
        type: 'object', additionalProperties: false,
        properties: { since: { type: 'string', pattern: '^[0-9]{1,15}$' }, vm: { type: 'string', minLength: 1, maxLength: 100 }, follow: { type: 'string', enum: ['true', 'false'] } },
      },
      response: { 200: { type: 'string', description: `text/event-stream; each data line is a JSON event: ${JSON.stringify(eventSchema.required)}` }, ...errors },
    },
  }, async (req, reply) => {
    const vmId = req.query.vm !== undefined ? mgr.resolveId(req.query.vm) : undefined;
    let last = Number(req.query.since ?? 0);
    const send = (e: VmEvent): void => { if (vmId === undefined || e.vmId === vmId) reply.raw.write(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`); };
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    reply.raw.write(': hv events\n\n'); // sends the headers now, so clients see the stream open
    for (const e of mgr.storedEvents(last, vmId)) { send(e); last = e.seq; }
    if (req.query.follow === 'false') { reply.raw.end(); return; }
    const on = (e: VmEvent): void => { if (e.seq > last) send(e); };
    mgr.events.on('event', on);
    const ping = setInterval(() => reply.raw.write(': ping\n\n'), 15_000);
    req.raw.on('close', () => { mgr.events.off('event', on); clearInterval(ping); });
  });

  app.get('/metrics', { schema: { tags: ['metrics'], summary: 'Prometheus metrics', response: { 200: { type: 'string' }, ...errors } } }, async (_req, reply) => {
    const reg = new Registry();
    const labels = ['vm', 'id'];
    const state = new Gauge({ name: 'hv_vm_state', help: 'VM state (1 for the current state)', labelNames: [...labels, 'state'], registers: [reg] });
    const cpu = new Gauge({ name: 'hv_vm_host_cpu_seconds_total', help: 'host CPU seconds used by the VM process', labelNames: labels, registers: [reg] });
    const instr = new Gauge({ name: 'hv_vm_guest_instructions_total', help: 'guest instructions retired (all harts)', labelNames: labels, registers: [reg] });
    const rss = new Gauge({ name: 'hv_vm_resident_memory_bytes', help: 'resident memory of the VM process', labelNames: labels, registers: [reg] });
    const balloon = new Gauge({ name: 'hv_vm_balloon_bytes', help: 'memory in the guest balloon', labelNames: labels, registers: [reg] });
    const throttled = new Gauge({ name: 'hv_vm_throttled_seconds_total', help: 'time the VM was throttled by its CPU limit', labelNames: labels, registers: [reg] });
    const diskBytes = new Gauge({ name: 'hv_vm_disk_bytes_total', help: 'bytes read/written by the guest on its disks', labelNames: [...labels, 'op'], registers: [reg] });
    const diskOps = new Gauge({ name: 'hv_vm_disk_ops_total', help: 'disk requests', labelNames: labels, registers: [reg] });
    const diskThrottled = new Gauge({ name: 'hv_vm_disk_throttled_seconds_total', help: 'time disk requests waited for the rate limiter', labelNames: labels, registers: [reg] });
    const netBytes = new Gauge({ name: 'hv_vm_net_bytes_total', help: 'bytes received/transmitted by the guest', labelNames: [...labels, 'dir'], registers: [reg] });
    const netFrames = new Gauge({ name: 'hv_vm_net_frames_total', help: 'frames received and transmitted', labelNames: labels, registers: [reg] });
    const netThrottled = new Gauge({ name: 'hv_vm_net_throttled_seconds_total', help: 'time frames waited for the rate limiter', labelNames: labels, registers: [reg] });
    const mem = new Gauge({ name: 'hv_vm_memory_bytes', help: 'configured guest memory', labelNames: labels, registers: [reg] });
    const restarts = new Gauge({ name: 'hv_vm_restarts_total', help: 'restarts by the restart policy', labelNames: labels, registers: [reg] });
    for (const { info } of await mgr.allWithStats()) {
      const l = { vm: info.name, id: info.id };
      for (const s of VM_STATES) state.set({ ...l, state: s }, info.state === s ? 1 : 0);
      mem.set(l, (info.spec.memoryMiB ?? 128) * 1048576);
      restarts.set(l, info.restarts);
      if (info.stats) {
        cpu.set(l, info.stats.hostCpuSeconds); instr.set(l, info.stats.guestInstructions); rss.set(l, info.stats.rssBytes);
        balloon.set(l, info.stats.balloonMiB * 1048576); throttled.set(l, info.stats.throttledSeconds);
        diskBytes.set({ ...l, op: 'read' }, info.stats.diskReadBytes); diskBytes.set({ ...l, op: 'write' }, info.stats.diskWriteBytes);
        diskOps.set(l, info.stats.diskOps); diskThrottled.set(l, info.stats.diskThrottledSeconds);
        netBytes.set({ ...l, dir: 'rx' }, info.stats.netRxBytes); netBytes.set({ ...l, dir: 'tx' }, info.stats.netTxBytes);
        netFrames.set(l, info.stats.netFrames); netThrottled.set(l, info.stats.netThrottledSeconds);
      }
    }
    return reply.type(reg.contentType).send(await reg.metrics());
  });

  // @fastify/swagger leaves WebSocket routes out; the console is described by hand (OpenAPI 3.0 has no WebSocket
  // type, so as the GET that upgrades: 101 on success, the usual errors before the upgrade).
  const consolePath = {
    get: {
      tags, summary: 'serial console over WebSocket (binary frames both ways; up to 64 KiB of scrollback first, then live output; what the client sends is guest input)',
      operationId: 'vmConsole',
      parameters: [{ name: 'id', in: 'path', required: true, description: 'VM id or name', schema: idParams.properties.id }],
      responses: {
        101: { description: 'switching protocols: the WebSocket is open' },
        401: { description: 'missing or wrong token', content: { 'application/json': { schema: errorSchema } } },
        404: { description: 'unknown VM', content: { 'application/json': { schema: errorSchema } } },
      },
    },
  };
  app.get('/v1/openapi.json', { schema: { hide: true } }, () => {
    const doc = app.swagger() as { paths?: Record<string, unknown> };
    return { ...doc, paths: { ...doc.paths, '/v1/vms/{id}/console': consolePath } };
  });
  await app.ready();
  return app;
}
