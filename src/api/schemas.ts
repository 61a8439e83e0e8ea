/**
 * JSON Schemas of the REST API (draft-07, as Fastify/ajv and OpenAPI 3.0 understand them). Every object schema
 * sets additionalProperties: false so unknown fields are rejected. The same objects feed request validation
 * and the OpenAPI document, and tests validate responses against the document.
 */
import { VM_STATES, RESTART_POLICIES } from './types.js';

const bucket = {
  type: 'object', additionalProperties: false, required: ['size', 'refillTimeMs'],
  properties: {
    size: { type: 'integer', minimum: 0, maximum: 1e15 },
    refillTimeMs: { type: 'integer', minimum: 1, maximum: 1e9 },
    oneTimeBurst: { type: 'integer', minimum: 0, maximum: 1e15 },
  },
} as const;
const limiter = { type: 'object', additionalProperties: false, properties: { bandwidth: bucket, ops: bucket } } as const;
const rateLimits = { type: 'object', additionalProperties: false, properties: { disk: limiter, net: limiter } } as const;
const path = { type: 'string', minLength: 1, maxLength: 4096 } as const;
/** A unicast, non-zero MAC address (first octet even). */
const mac = { type: 'string', pattern: '^[0-9a-fA-F][02468aceACE](:[0-9a-fA-F]{2}){5}$', not: { pattern: '^(00:){5}00$' } } as const;

/** Host CPU affinity: distinct 0-based host CPU numbers (checked against the host's CPU count by the daemon). */
const hostCpus = {
  type: 'array', minItems: 1, maxItems: 1024, uniqueItems: true, items: { type: 'integer', minimum: 0, maximum: 1023 },
  description: 'host CPUs (0-based) the VM process may run on; absent = any',
} as const;

export const MAX_MEMORY_MIB = 3584;
export const MAX_CPUS = 8;

export const vmSpecSchema = {
  $id: 'VmSpec',
  type: 'object', additionalProperties: false, required: ['name', 'kernel'],
  properties: {
    name: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$', description: 'lower-case letters, digits and dashes' },
    cpus: { type: 'integer', minimum: 1, maximum: MAX_CPUS },
    memoryMiB: { type: 'integer', minimum: 32, maximum: MAX_MEMORY_MIB },
    kernel: path,
    initrd: path,
    bios: path,
    append: { type: 'string', maxLength: 1023 },
    disks: {
      type: 'array', maxItems: 6,
      items: {
        type: 'object', additionalProperties: false, required: ['path'],
        properties: { path, readOnly: { type: 'boolean' }, backing: path, quotaMiB: { type: 'integer', minimum: 1, maximum: 1 << 24 } },
      },
    },
    nics: {
      type: 'array', maxItems: 4,
      items: {
        type: 'object', required: ['kind'], discriminator: { propertyName: 'kind' },
        oneOf: [
          {
            type: 'object', additionalProperties: false, required: ['kind'],
            properties: {
              kind: { type: 'string', enum: ['user'] }, mac,
              forwards: {
                type: 'array', maxItems: 32,
                items: {
                  type: 'object', additionalProperties: false, required: ['proto', 'hostPort', 'guestPort'],
                  properties: {
                    proto: { type: 'string', enum: ['tcp', 'udp'] },
                    hostAddr: { type: 'string', pattern: '^(\\d{1,3}\\.){3}\\d{1,3}$' },
                    hostPort: { type: 'integer', minimum: 1, maximum: 65535 },
                    guestPort: { type: 'integer', minimum: 1, maximum: 65535 },
                  },
                },
              },
            },
          },
          {
            type: 'object', additionalProperties: false, required: ['kind', 'name'],
            properties: { kind: { type: 'string', enum: ['switch'] }, name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' }, mac },
          },
        ],
      },
    },
    restartPolicy: { type: 'string', enum: [...RESTART_POLICIES] },
    cpuWeight: { type: 'integer', minimum: 1, maximum: 10000 },
    cpuLimit: { type: 'number', minimum: 0.01, maximum: 64 },
    hostCpus,
    balloon: { type: 'boolean' },
    balloonTargetMiB: { type: 'integer', minimum: 0, maximum: MAX_MEMORY_MIB },
    rateLimits,
  },
} as const;

export const vmSetSchema = {
  type: 'object', additionalProperties: false, minProperties: 1,
  properties: {
    cpuWeight: { type: 'integer', minimum: 1, maximum: 10000 },
    cpuLimit: { anyOf: [{ type: 'number', minimum: 0.01, maximum: 64 }, { type: 'null' }] },
    hostCpus: { anyOf: [hostCpus, { type: 'null' }] },
    memoryMiB: { type: 'integer', minimum: 32, maximum: MAX_MEMORY_MIB },
    balloonTargetMiB: { type: 'integer', minimum: 0, maximum: MAX_MEMORY_MIB },
    rateLimits,
    restartPolicy: { type: 'string', enum: [...RESTART_POLICIES] },
  },
} as const;

const nullable = <T extends object>(s: T): object => ({ anyOf: [s, { type: 'null' }] });

export const vmStatsSchema = {
  type: 'object', additionalProperties: false,
  required: ['hostCpuSeconds', 'guestInstructions', 'rssBytes', 'throttledSeconds', 'balloonMiB', 'diskReadBytes', 'diskWriteBytes', 'diskOps', 'diskThrottledSeconds', 'netRxBytes', 'netTxBytes', 'netFrames', 'netThrottledSeconds'],
  properties: {
    hostCpuSeconds: { type: 'number' }, guestInstructions: { type: 'number' }, rssBytes: { type: 'number' },
    throttledSeconds: { type: 'number' }, balloonMiB: { type: 'number' },
    diskReadBytes: { type: 'number' }, diskWriteBytes: { type: 'number' }, diskOps: { type: 'number' }, diskThrottledSeconds: { type: 'number' },
    netRxBytes: { type: 'number' }, netTxBytes: { type: 'number' }, netFrames: { type: 'number' }, netThrottledSeconds: { type: 'number' },
  },
} as const;

export const vmInfoSchema = {
  type: 'object', additionalProperties: false,
  required: ['id', 'name', 'state', 'spec', 'pid', 'createdAt', 'startedAt', 'reason', 'restarts', 'enforcement', 'stats'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    state: { type: 'string', enum: [...VM_STATES] },
    spec: { ...vmSpecSchema, $id: undefined },
    pid: nullable({ type: 'integer' }),
    createdAt: { type: 'string' },
    startedAt: nullable({ type: 'string' }),
    reason: nullable({ type: 'string' }),
    restarts: { type: 'integer' },
    enforcement: { type: 'object', additionalProperties: { type: 'string' } },
    stats: nullable(vmStatsSchema),
  },
};

export const errorSchema = {
  type: 'object', additionalProperties: false, required: ['error', 'message'],
  properties: { error: { type: 'string' }, message: { type: 'string' }, statusCode: { type: 'integer' }, code: { type: 'string' } },
} as const;

export const hostInfoSchema = {
  type: 'object', additionalProperties: false,
  required: ['cpus', 'memoryBytes', 'overcommitRatio', 'memoryCapacityBytes', 'memoryAllocatedBytes', 'vms', 'cpuWeightTotal', 'cpuLimitTotal'],
  properties: {
    cpus: { type: 'integer' }, memoryBytes: { type: 'number' }, overcommitRatio: { type: 'number' },
    memoryCapacityBytes: { type: 'number' }, memoryAllocatedBytes: { type: 'number' },
    vms: {
      type: 'object', additionalProperties: false, required: ['total', 'running', 'byState'],
      properties: { total: { type: 'integer' }, running: { type: 'integer' }, byState: { type: 'object', additionalProperties: { type: 'integer' } } },
    },
    cpuWeightTotal: { type: 'number' }, cpuLimitTotal: { type: 'number' },
  },
} as const;

export const eventSchema = {
  type: 'object', additionalProperties: false, required: ['seq', 'time', 'vmId', 'type', 'message'],
  properties: {
    seq: { type: 'integer' }, time: { type: 'string' }, vmId: nullable({ type: 'string' }),
    type: { type: 'string' }, message: { type: 'string' }, data: { type: 'object', additionalProperties: true },
  },
};

export const idParams = {
  type: 'object', additionalProperties: false, required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
} as const;
