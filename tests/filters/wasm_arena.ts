/**
 * Buffers in wasm memory for kernel tests: a bump allocator that surrounds every buffer with
 * canary bytes, so a kernel that writes outside the buffers it was given fails its test.
 */
import assert from "node:assert/strict";
import type { FilterKernels } from "../../src/filters/wasm.ts";

const CANARY = 0xa5;
const GAP = 64;

export class Arena {
  readonly #k: FilterKernels;
  #next = 0;
  #buffers: { at: number; size: number }[] = [];

  constructor(k: FilterKernels) {
    this.#k = k;
    this.reset();
  }

  /** Forgets every buffer: the next one starts at the module's heap base again. */
  reset(): void {
    this.#next = ((this.#k.heapBase() + 63) & ~63) + GAP;
    this.#buffers = [];
  }

  /** A buffer of `size` bytes (filled with `fill`, else left as it is), canaries around it. */
  alloc(size: number, fill?: Uint8Array): number {
    const at = this.#next;
    const end = at + size + GAP;
    const memory = this.#k.memory;
    if (end > memory.buffer.byteLength) {
      memory.grow(Math.ceil((end - memory.buffer.byteLength) / 65536));
    }
    const mem = this.mem();
    mem.fill(CANARY, at - GAP, end);
    if (fill) mem.set(fill, at);
    this.#buffers.push({ at, size });
    this.#next = ((end + 63) & ~63) + GAP;
    return at;
  }

  mem(): Uint8Array {
    return new Uint8Array(this.#k.memory.buffer);
  }

  read(at: number, size: number): Uint8Array {
    return this.mem().slice(at, at + size);
  }

  /** Fails when a byte between buffers changed. */
  checkCanaries(what: string): void {
    const mem = this.mem();
    for (const { at, size } of this.#buffers) {
      for (let i = at - GAP; i < at + size + GAP; i++) {
        if (i === at) i = at + size;
        if (mem[i] !== CANARY) {
          assert.fail(
            `${what}: wrote outside its buffers (byte ${i - at} of a ${size}-byte buffer)`,
          );
        }
      }
    }
  }
}
