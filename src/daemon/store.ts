/**
 * The daemon's persistent state: SQLite (better-sqlite3) in WAL mode at `<state>/hv.db`, schema versioned by
 * `PRAGMA user_version` with one migration function per version step (never edit a shipped step; add one).
 */
import Database from 'better-sqlite3';
import type { VmEvent, VmSpec, VmState } from '../api/types.js';

/** migrations[i] upgrades the schema from version i to i + 1. */
const MIGRATIONS: ((db: Database.Database) => void)[] = [
  (db) => db.exec(`
    CREATE TABLE vms (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      spec TEXT NOT NULL,
      state TEXT NOT NULL,
      pid INTEGER,
      created_at TEXT NOT NULL,
      started_at TEXT,
      reason TEXT,
      restarts INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE events (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      time TEXT NOT NULL,
      vm_id TEXT,
      type TEXT NOT NULL,
      message TEXT NOT NULL,
      data TEXT
    );
    CREATE INDEX events_vm ON events(vm_id);
  `),
];
export const SCHEMA_VERSION = MIGRATIONS.length;

export interface VmRow {
  id: string;
  name: string;
  spec: VmSpec;
  state: VmState;
  pid: number | null;
  createdAt: string;
  startedAt: string | null;
  reason: string | null;
  restarts: number;
}

interface RawRow { id: string; name: string; spec: string; state: string; pid: number | null; created_at: string; started_at: string | null; reason: string | null; restarts: number }

const fromRaw = (r: RawRow): VmRow => ({
  id: r.id, name: r.name, spec: JSON.parse(r.spec) as VmSpec, state: r.state as VmState, pid: r.pid,
  createdAt: r.created_at, startedAt: r.started_at, reason: r.reason, restarts: r.restarts,
});

export class Store {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
  }

  private migrate(): void {
    const v = this.db.pragma('user_version', { simple: true }) as number;
    if (v > SCHEMA_VERSION) throw new Error(`hv.db has schema version ${v}, newer than this hv (${SCHEMA_VERSION})`);
    for (let i = v; i < SCHEMA_VERSION; i++) {
      this.db.transaction(() => { MIGRATIONS[i]!(this.db); this.db.pragma(`user_version = ${i + 1}`); })();
    }
  }

  schemaVersion(): number { return this.db.pragma('user_version', { simple: true }) as number; }

  listVms(): VmRow[] { return (this.db.prepare('SELECT * FROM vms ORDER BY created_at, name').all() as RawRow[]).map(fromRaw); }

  insertVm(r: VmRow): void {
    this.db.prepare('INSERT INTO vms (id, name, spec, state, pid, created_at, started_at, reason, restarts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(r.id, r.name, JSON.stringify(r.spec), r.state, r.pid, r.createdAt, r.startedAt, r.reason, r.restarts);
  }

  updateVm(r: VmRow): void {
    this.db.prepare('UPDATE vms SET spec = ?, state = ?, pid = ?, started_at = ?, reason = ?, restarts = ? WHERE id = ?')
      .run(JSON.stringify(r.spec), r.state, r.pid, r.startedAt, r.reason, r.restarts, r.id);
  }

  deleteVm(id: string): void { this.db.prepare('DELETE FROM vms WHERE id = ?').run(id); }

  addEvent(e: Omit<VmEvent, 'seq'>): VmEvent {
    const info = this.db.prepare('INSERT INTO events (time, vm_id, type, message, data) VALUES (?, ?, ?, ?, ?)')
      .run(e.time, e.vmId, e.type, e.message, e.data === undefined ? null : JSON.stringify(e.data));
    return { ...e, seq: Number(info.lastInsertRowid) };
  }

  events(sinceSeq: number, vmId?: string, limit = 1000): VmEvent[] {
    const rows = (vmId === undefined
      ? this.db.prepare('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?').all(sinceSeq, limit)
      : this.db.prepare('SELECT * FROM events WHERE seq > ? AND vm_id = ? ORDER BY seq LIMIT ?').all(sinceSeq, vmId, limit)) as
      { seq: number; time: string; vm_id: string | null; type: string; message: string; data: string | null }[];
    return rows.map((r) => ({
      seq: r.seq, time: r.time, vmId: r.vm_id, type: r.type as VmEvent['type'], message: r.message,
      ...(r.data !== null ? { data: JSON.parse(r.data) as Record<string, unknown> } : {}),
    }));
  }

  close(): void { this.db.close(); }
}
