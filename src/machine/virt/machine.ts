/**
 * hv's QEMU-virt-compatible board: builds the core, the MMIO bus and the devices from the memory-map table,
 * wires interrupt lines (devices → PLIC → hart mip; CLINT → MSIP/MTIP), loads the boot payload and offers the
 * run loop (src/vm/runner.ts) its RunnableMachine interface. Boot placement follows QEMU (hw/riscv/boot.c).
 */
import { MmioBus } from '../../bus/mmio.js';
import { Core } from '../../cpu/host/core.js';
import { hostClock, type Clock } from '../../base/clock.js';
import { Clint } from '../../devices/clint/device.js';
import { Plic } from '../../devices/plic/device.js';
import { Uart16550, type CharBackend } from '../../devices/uart16550/device.js';
import { GoldfishRtc } from '../../devices/goldfish-rtc/device.js';
import { Syscon } from '../../devices/syscon/device.js';
import { VirtioMmio } from '../../devices/virtio/mmio.js';
import type { VirtioDevice } from '../../devices/virtio/device.js';
import { VirtioRng } from '../../devices/virtio/rng/device.js';
import { VirtioBalloon } from '../../devices/virtio/balloon/device.js';
import { VirtioNet } from '../../devices/virtio/net/device.js';
import { VirtioBlk } from '../../devices/virtio/blk/device.js';
import { VirtioInput, powerButtonConfig } from '../../devices/virtio/input/device.js';
import { jitTier } from '../../cpu/jit/tier.js';
import type { Disk } from './disks.js';
import type { Nic } from './net.js';
import { hostEntropy } from '../../backends/entropy.js';
import { hostPageReclaimer } from '../../backends/page-reclaim.js';
import { VIRT_MEMMAP, VIRT_PLIC, VIRTIO_COUNT, virtioSlot } from './memmap.js';
import { buildVirtDtb } from './fdt.js';
import { Sbi, HartState, type SbiHost } from './sbi.js';
import { placeBoot, type BootPayload, type BootPlan } from './boot.js';
import type { MachineEvent, RunnableMachine } from './runnable.js';
import { coreModule } from '../../backends/core-wasm.js';

export interface VirtConfig {
  ramSize: number;
  harts: number;
  boot: BootPayload;
  /** Where the UART (and SBI console) output goes. */
  console: CharBackend;
  clock?: Clock;
  /** Fixed rng-seed for reproducible DTBs (tests). */
  rngSeed?: Uint8Array;
  /** Logger for guest errors reported by devices. */
  log?: (line: string) => void;
  /**
   * virtio devices, each behind a virtio-mmio transport in board slot `slot` (0..7; default: the
   * next free slot in order). See src/devices/virtio/README.md.
   */
  virtio?: readonly VirtioAttachment[];
  /** Add a virtio-rng fed by the host CSPRNG (QEMU -device virtio-rng-device). */
  rng?: boolean;
  /**
   * Add a virtio-balloon whose freed pages go back to the host (QEMU -device virtio-balloon-device);
   * an object selects the offered features (all on by default).
   */
  balloon?: boolean | { reporting?: boolean; stats?: boolean; deflateOnOom?: boolean };
  /**
   * Called when a device raises an interrupt from outside the run loop (asynchronous I/O
   * completion), so a sleeping run loop can be woken (runner's `wakeup.wake`).
   */
  wake?: () => void;
  /** NICs (opened by openNics in ./net.ts): one virtio-net device each, in order (eth0, eth1, …). */
  nics?: readonly Nic[];
  /** Disks (opened by openDisks in ./disks.ts): one virtio-blk device each, first on the lowest slots (vda, vdb, …). */
  disks?: readonly Disk[];
  /**
   * The power button, a virtio-input device sending KEY_POWER (default true): on the highest virtio slot left
   * free, so the other devices keep their usual slots; left out (with a log line) when all 8 slots are taken.
   * `requestPowerOff()` presses it. See docs/devices/virtio-input.md.
   */
  powerButton?: boolean;
  /** Translate hot guest loops to WebAssembly (the CPU's JIT tier; default true). */
  jit?: boolean;
}

/** One virtio device to attach to the board. */
export interface VirtioAttachment {
  device: VirtioDevice;
  slot?: number;
}

const IRQ_MSIP = 3, IRQ_STIP = 5, IRQ_MTIP = 7, IRQ_SEIP = 9, IRQ_MEIP = 11;

export class VirtMachine implements RunnableMachine, SbiHost {
  readonly core: Core;
  readonly harts: number;
  readonly bus = new MmioBus();
  readonly clint: Clint;
  readonly plic: Plic;
  readonly uart: Uart16550;
  readonly rtc: GoldfishRtc;
  /** virtio-mmio transports, in the order of cfg.virtio. */
  readonly virtio: VirtioMmio[] = [];
  /** The balloon, when cfg.balloon is set: host API setTarget(pages) / actual / requestStats(). */
  readonly balloon: VirtioBalloon | undefined;
  /** The virtio-net devices, one per cfg.nics entry. */
  readonly nics: VirtioNet[] = [];
  /** The virtio-blk devices, one per cfg.disks entry. */
  readonly disks: VirtioBlk[] = [];
  /** The power button (virtio-input), unless cfg.powerButton is false or no virtio slot was free. */
  readonly powerButton: VirtioInput | undefined;
  readonly dtb: Uint8Array;
  readonly plan: BootPlan;
  hartState: HartState[];
  private readonly sbi: Sbi;
  private readonly sbiTimer: (bigint | undefined)[];
  private event: MachineEvent | undefined;
  private readonly consoleIn: number[] = [];

  constructor(private readonly cfg: VirtConfig) {
    const clock = cfg.clock ?? hostClock;
    this.harts = cfg.harts;
    this.core = new Core({ ramSize: cfg.ramSize, harts: cfg.harts, mmio: this.bus, module: coreModule(), ...(cfg.jit ?? true ? { jit: jitTier } : {}) });
    const core = this.core;
    const log = cfg.log;
    this.clint = new Clint({
      harts: cfg.harts,
      timebase: { mtime: () => core.mtime() },
      outputs: {
        // An IPI ends the sender's slice at once so the target hart (same host thread) can answer it.
        setMsip: (h, level) => { core.setIrq(h, IRQ_MSIP, level); if (level) core.requestExit(); },
        setMtip: (h, level) => core.setIrq(h, IRQ_MTIP, level),
      },
      ...(log ? { log } : {}),
    });
    this.plic = new Plic({
      harts: cfg.harts,
      numSources: VIRT_PLIC.numSources,
      numPriorities: VIRT_PLIC.numPriorities,
      outputs: { setEip: (h, mode, level) => core.setIrq(h, mode === 'M' ? IRQ_MEIP : IRQ_SEIP, level) },
      ...(log ? { log } : {}),
    });
    const m = VIRT_MEMMAP;
    this.uart = new Uart16550({ backend: cfg.console, irq: this.plic.irqLine(m.uart0.irq), clock, ...(log ? { log } : {}) });
    this.rtc = new GoldfishRtc({ clock, irq: this.plic.irqLine(m.rtc.irq), ...(log ? { log } : {}) });
    const syscon = new Syscon({
      onEvent: (ev) => {
        this.event = ev.kind === 'fail' ? { kind: 'fail', code: ev.code } : { kind: ev.kind };
        core.requestExit();
      },
      ...(log ? { log } : {}),
    });
    this.bus.add(m.test.base, m.test.size, syscon);
    this.bus.add(m.rtc.base, m.rtc.size, this.rtc);
    this.bus.add(m.clint.base, m.clint.size, this.clint);
    this.bus.add(m.plic.base, m.plic.size, this.plic);
    this.bus.add(m.uart0.base, m.uart0.size, this.uart);
    const virtioList = [...(cfg.virtio ?? [])];
    for (const [i, disk] of (cfg.disks ?? []).entries()) {
      const dev = new VirtioBlk({ backend: disk.backend, name: `virtio-blk${i} (${disk.id})` });
      this.disks.push(dev);
      virtioList.push({ device: dev });
    }
    for (const [i, nic] of (cfg.nics ?? []).entries()) {
      const dev = new VirtioNet({ backend: nic.backend, mac: nic.mac, name: `virtio-net${i}` });
      this.nics.push(dev);
      virtioList.push({ device: dev });
    }
    if (cfg.rng) virtioList.push({ device: new VirtioRng({ source: hostEntropy() }) });
    if (cfg.balloon) {
      const reclaimer = hostPageReclaimer();
      if (!reclaimer.reclaims) log?.(`virtio-balloon: ${reclaimer.description}`);
      this.balloon = new VirtioBalloon({ reclaimer, ...(typeof cfg.balloon === 'object' ? cfg.balloon : {}) });
      virtioList.push({ device: this.balloon });
    }
    if (cfg.powerButton ?? true) {
      // The highest slot nobody asked for; with fewer than 8 other devices the default placement still fits.
      const slot = [...Array(VIRTIO_COUNT).keys()].reverse().find((i) => !virtioList.some((a) => a.slot === i));
      if (virtioList.length < VIRTIO_COUNT && slot !== undefined) {
        this.powerButton = new VirtioInput(powerButtonConfig());
        virtioList.push({ device: this.powerButton, slot });
      } else {
        log?.('virt: no free virtio slot for the power button; graceful power-off requests are unavailable');
      }
    }
    const virtioSlots = this.attachVirtio(virtioList);
    this.sbiTimer = new Array<bigint | undefined>(cfg.harts).fill(undefined);
    this.hartState = new Array<HartState>(cfg.harts).fill(HartState.Started);
    this.sbi = new Sbi(this);
    this.plan = placeBoot(cfg.boot, core.guest, cfg.harts);
    this.dtb = buildVirtDtb({
      harts: cfg.harts,
      ramSize: cfg.ramSize,
      ...(this.plan.bootargs !== undefined ? { bootargs: this.plan.bootargs } : {}),
      ...(this.plan.initrd ? { initrd: this.plan.initrd } : {}),
      ...(cfg.rngSeed ? { rngSeed: cfg.rngSeed } : {}),
      virtioSlots,
    });
    this.start();
  }

  /** Creates one virtio-mmio transport per attachment (bus window + PLIC line); returns the slots used. */
  private attachVirtio(list: readonly VirtioAttachment[]): number[] {
    const used: number[] = [];
    for (const a of list) {
      const slot = a.slot ?? Array.from({ length: VIRTIO_COUNT }, (_, i) => i).find((i) => !used.includes(i) && !list.some((b) => b.slot === i));
      if (slot === undefined) throw new RangeError(`virt: more than ${VIRTIO_COUNT} virtio devices`);
      if (used.includes(slot)) throw new RangeError(`virt: virtio slot ${slot} used twice`);
      const s = virtioSlot(slot);
      const t = new VirtioMmio({
        device: a.device,
        mem: this.core.guest,
        irq: this.plic.irqLine(s.irq!),
        name: s.name,
        ...(this.cfg.log ? { log: this.cfg.log } : {}),
        ...(this.cfg.wake ? { onInterrupt: this.cfg.wake } : {}),
      });
      this.bus.add(s.base, s.size, t);
      this.virtio.push(t);
      used.push(slot);
    }
    return used;
  }

  /** Loads the payload and puts every hart in its boot state. */
  private start(): void {
    const core = this.core;
    const plan = this.plan;
    plan.load(core.guest);
    const dtbAddr = plan.dtbAddress(this.dtb.length);
    core.guest.write(dtbAddr, this.dtb);
    const info = plan.firmwareInfo?.(dtbAddr);
    core.setSbiMode(plan.mode === 'sbi');
    for (let h = 0; h < this.harts; h++) {
      core.resetHart(h, BigInt(plan.entry));
      core.setX(h, 10, BigInt(h));
      core.setX(h, 11, BigInt(dtbAddr));
      if (info !== undefined) core.setX(h, 12, BigInt(info));
      this.sbiTimer[h] = undefined;
      if (plan.mode === 'sbi') {
        // Direct boot: hart 0 enters S-mode; the others wait in HSM STOPPED for sbi_hart_start.
        this.hartState[h] = h === 0 ? HartState.Started : HartState.Stopped;
        if (h === 0) this.sbi.prepareSupervisor(0);
      } else {
        this.hartState[h] = HartState.Started;
      }
    }
    if (plan.watch !== undefined) core.watch(plan.watch);
  }

  /** Guest-requested reboot: memory is reloaded like a fresh boot. */
  reset(): void {
    this.event = undefined;
    this.core.guest.fill(this.core.guest.ramBase, this.core.guest.ramSize, 0);
    this.clint.reset();
    for (const t of this.virtio) t.reset();
    this.start();
  }

  // ---- SbiHost ----
  setTimer(h: number, deadline: bigint): void {
    this.sbiTimer[h] = deadline;
    this.core.setIrq(h, IRQ_STIP, this.core.mtime() >= deadline);
  }
  consoleWrite(bytes: Uint8Array): void { this.cfg.console.write(bytes); }
  consoleRead(): number { return this.consoleIn.shift() ?? -1; }
  systemReset(kind: 'poweroff' | 'reset'): void { this.event = { kind }; this.core.requestExit(); }

  /**
   * Asks the guest to power off cleanly, like ACPI's power button (QEMU `system_powerdown`): presses and
   * releases KEY_POWER on the power button. Returns false when there is no power button. Whether the guest
   * listens is up to it (a driver for virtio-input and evdev, and acpid or logind); callers keep a hard-stop
   * timeout. The guest's poweroff then ends the run as usual ({ kind: 'poweroff' }).
   */
  requestPowerOff(): boolean {
    return this.powerButton?.pressPowerButton() ?? false;
  }

  /** Console input from the host (goes to the UART; SBI getchar sees it too when the UART is unused). */
  input(bytes: Uint8Array): void { this.uart.receive(bytes); }

  // ---- RunnableMachine ----
  tick(): void {
    this.clint.update();
    this.rtc.update();
    this.uart.update();
    if (this.plan.mode === 'sbi') {
      const now = this.core.mtime();
      for (let h = 0; h < this.harts; h++) {
        const d = this.sbiTimer[h];
        if (d !== undefined && now >= d) this.core.setIrq(h, IRQ_STIP, true);
      }
    }
  }

  nextDeadlineMs(): number | undefined {
    let best: bigint | undefined = this.clint.nextDeadline();
    for (const d of this.sbiTimer) if (d !== undefined && (best === undefined || d < best)) best = d;
    let ms = best !== undefined ? this.core.mtimeToHostMs(best) : undefined;
    const nowMs = performance.now();
    for (const ns of [this.rtc.nsUntilDeadline(), this.uart.nsUntilDeadline()]) {
      if (ns !== undefined) { const t = nowMs + ns / 1e6; if (ms === undefined || t < ms) ms = t; }
    }
    return ms;
  }

  handleSbi(h: number): void { this.sbi.handle(h); }
  isRunnable(h: number): boolean { return this.hartState[h] === HartState.Started; }

  onExitRequest(): void {
    const v = this.core.watchValue();
    if (v === 0n || this.plan.watch === undefined) return;
    // HTIF (riscv-tests convention): device 0 command 0 = exit with payload; device 1 command 1 = putchar.
    const dev = Number(v >> 56n), cmd = Number((v >> 48n) & 0xffn);
    const mem = this.core.guest;
    if (dev === 0 && cmd === 0 && (v & 1n) === 1n) {
      const code = v >> 1n;
      this.event = code === 0n ? { kind: 'poweroff' } : { kind: 'fail', code: Number(code > 255n ? 255n : code), message: `FAIL: test ${code}` };
    } else if (dev === 1 && cmd === 1) {
      this.cfg.console.write(new Uint8Array([Number(v & 0xffn)]));
      if (this.plan.fromhost !== undefined) mem.write64(this.plan.fromhost, (1n << 56n) | (1n << 48n));
    }
    mem.write64(this.plan.watch, 0n);
    this.core.clearWatchValue();
  }

  takeEvent(): MachineEvent | undefined { const e = this.event; this.event = undefined; return e; }
}
