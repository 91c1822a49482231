/**
 * Messages between FilterPool (pool.ts) and its threads (pool_worker.ts).
 */
/**
 * Pool → thread, first message: the compiled filters.wasm (compiled once by the pool and shared,
 * so no thread compiles it again and optimised code is shared by every thread).
 */
export interface InitMessage {
  type: "init";
  module: WebAssembly.Module;
}

/**
 * Pool → thread: filter one frame. `data` is transferred, and comes back filtered in place —
 * unless the chain changes the frame size: then a new buffer of the output size comes back.
 */
export interface RunMessage {
  type: "run";
  id: number;
  /** The chain, encoded (chain_codec.ts encodeChain): `v1:blur=sigma=2`. */
  chain: string;
  width: number;
  height: number;
  data: Uint8Array<ArrayBuffer>;
  /** The frame's time in seconds and its index (FilterEngine.apply's clock). */
  time: number;
  index: number;
  /** Test hook: block this long before filtering (a kernel that hangs). */
  busyMs?: number;
}

/** Thread → pool. */
export type ThreadMessage =
  | { type: "ready" }
  | { type: "fatal"; message: string }
  /** `memoryBytes`: the thread's wasm memory after the run (it grows with the largest frame). */
  | { type: "done"; id: number; data: Uint8Array<ArrayBuffer>; ms: number; memoryBytes: number }
  | { type: "error"; id: number; name: string; message: string; position?: number };
