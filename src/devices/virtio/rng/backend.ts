/** What virtio-rng needs from the host: a source of entropy (implemented in src/backends/entropy.ts). */
export interface EntropySource {
  /** Fills `buf` completely with random bytes (synchronously). */
  fill(buf: Uint8Array): void;
}
