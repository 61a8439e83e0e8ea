/**
 * Test entry for the soft-float library: compiled on its own to build/fpu-test.wasm so that
 * tests/fpu can call every FPU operation directly. Re-exports the whole public API of
 * ../fpu plus accessors for the accrued exception flags.
 */
import { fpFlags } from "../fpu";

export * from "../fpu";

/** Returns the accrued exception flags (fflags layout: NV DZ OF UF NX). */
export function getFlags(): u32 {
  return fpFlags;
}

/** Clears the accrued exception flags. */
export function clearFlags(): void {
  fpFlags = 0;
}
