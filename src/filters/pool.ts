/**
 * FilterPool: FilterEngines on a pool of Deno Workers (pool_worker.ts), one frame per thread at
 * a time. Used by the offline filter command, the embedded queue backend and the BullMQ worker
 * process. The time limit of a frame is enforced by terminating the thread that runs it (a
 * synchronous wasm kernel cannot be interrupted otherwise) and starting a fresh one: the run
 * rejects at once and the next frames go to the new thread. (In Deno 2.9 terminate() does not
 * stop a thread in the middle of a computation: the old thread finishes its kernel, which is
 * bounded, in the background and then ends.)
 */
import { planeLayout } from "../codec/frame.ts";
import {
  FilterChainError,
  FilterPoolClosedError,
  FilterThreadError,
  FilterTimeoutError,
} from "./errors.ts";
import { encodeChain } from "./chain_codec.ts";
import { type ChainInput, chainOutputSize, chainResizes, compileChain } from "./compile.ts";
import type { InitMessage, RunMessage, ThreadMessage } from "./pool_protocol.ts";
import { checkFrameBytes } from "./validate.ts";
import { filterModule } from "./wasm.ts";

/** The result of one run. */
export interface PoolResult {
  /**
   * The filtered frame, owned by the caller: a new buffer, or with `transfer` the memory of the
   * `data` given to run (under a new view: the old one is detached). Its size is the chain's
   * output size (chainOutputSize, compile.ts): for a chain that changes the size (scale, crop…)
   * it is always a new buffer of that size, `transfer` or not.
   */
  data: Uint8Array<ArrayBuffer>;
  /** Index of the thread in the pool (0 ≤ thread < size; a replaced thread keeps its index). */
  thread: number;
  /** Time the thread spent filtering, in milliseconds (not counting queueing or transfer). */
  ms: number;
}

/** Options of {@link FilterPool.create}. */
export interface FilterPoolOptions {
  /** Number of threads (default `navigator.hardwareConcurrency`); an integer from 1 to 256. */
  size?: number;
}

/** Options of {@link FilterPool.run}. */
export interface PoolRunOptions {
  /**
   * Time limit in milliseconds, counted from when a thread starts the frame (default: none).
   * On expiry the thread is terminated and replaced and the run rejects with FilterTimeoutError.
   */
  timeoutMs?: number;
  /** Aborting rejects the run with the signal's reason (an AbortError DOMException by default). */
  signal?: AbortSignal;
  /**
   * Hand `data`'s memory to the thread instead of copying it (default false). When `data` spans
   * its whole ArrayBuffer, that buffer is transferred: the caller must not use `data` after the
   * call (it is detached, length 0, once a thread takes the frame), and the filtered frame comes
   * back in the same memory as `result.data` — no byte is copied or allocated on the calling
   * thread. Otherwise (a view into a larger buffer, a SharedArrayBuffer) `data` is copied as
   * without this option. If the run rejects, the memory may be lost with it. For a chain that
   * changes the frame size the memory is still handed over (no copy in), but the result comes
   * back in a new buffer of the output size and the input's memory is dropped.
   */
  transfer?: boolean;
  /**
   * The frame's time in seconds from the input's first frame (its pts), for filters that vary
   * with time (fade); default 0. A finite number ≥ 0.
   */
  time?: number;
  /** The frame's 0-based index in its input (fade's start_frame/nb_frames); default 0. */
  index?: number;
  /**
   * Test hook: the thread blocks this long (Atomics.wait, no CPU) before filtering, like a
   * kernel that hangs.
   */
  simulateBusyMs?: number;
}

/** Per-thread counters, for metrics. */
export interface PoolThreadStats {
  thread: number;
  /** Frames this thread index has finished (across replacements). */
  processed: number;
  busy: boolean;
  /** Times this thread was terminated and replaced (timeouts, aborts, crashes). */
  restarts: number;
  /** Times it was replaced by a fresh thread to give back wasm memory grown by big frames. */
  recycled: number;
  /** Its wasm memory after its last frame, bytes. */
  memoryBytes: number;
}

/**
 * A thread whose wasm memory grew past this (frames of about 4K and up) is replaced by a fresh
 * one once the pool has been idle for {@link RECYCLE_IDLE_MS}: WebAssembly memory never shrinks,
 * so without it one 8K job would keep ~100 MiB per thread for the life of the process.
 */
export const RECYCLE_BYTES = 64 * 1024 * 1024;
/** How long the pool must be idle before oversized threads are replaced, ms. */
export const RECYCLE_IDLE_MS = 1_000;

interface Job {
  id: number;
  /** The chain encoded (chain_codec.ts): threads decode it once and remember it. */
  chain: string;
  width: number;
  height: number;
  data: Uint8Array<ArrayBuffer>;
  time: number;
  index: number;
  timeoutMs?: number;
  busyMs?: number;
  signal?: AbortSignal;
  onAbort?: () => void;
  timer?: ReturnType<typeof setTimeout>;
  thread?: Thread;
  resolve(result: PoolResult): void;
  reject(error: unknown): void;
}

interface Thread {
  index: number;
  worker: Worker;
  /** Starting: loading its engine. Dead: could not start, or terminated for good. */
  state: "starting" | "ready" | "dead";
  job?: Job;
  processed: number;
  restarts: number;
  recycled: number;
  memoryBytes: number;
}

const WORKER_URL = new URL("./pool_worker.ts", import.meta.url).href;

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted", "AbortError");
}

/** True when `data` spans the whole of a transferable (non-shared) ArrayBuffer. */
function isWholeBuffer(data: Uint8Array): data is Uint8Array<ArrayBuffer> {
  return data.buffer instanceof ArrayBuffer && data.byteOffset === 0 &&
    data.byteLength === data.buffer.byteLength && data.byteLength > 0;
}

/** A pool of filter threads. Create with {@link FilterPool.create}; close with {@link close}. */
export class FilterPool {
  /** Number of threads. */
  readonly size: number;
  readonly #threads: Thread[] = [];
  readonly #queue: Job[] = [];
  #nextId = 1;
  #closed = false;
  #recycleTimer?: ReturnType<typeof setTimeout>;

  private constructor(size: number) {
    this.size = size;
  }

  /**
   * Starts `size` threads (default `navigator.hardwareConcurrency`) and resolves once every one
   * has loaded its engine.
   * @throws RangeError for a bad size; FilterThreadError when a thread cannot start.
   */
  static async create(options: FilterPoolOptions = {}): Promise<FilterPool> {
    const size = options.size ?? navigator.hardwareConcurrency ?? 1;
    if (!Number.isInteger(size) || size < 1 || size > 256) {
      throw new RangeError(`pool size must be an integer from 1 to 256, got ${size}`);
    }
    const pool = new FilterPool(size);
    try {
      await Promise.all(Array.from({ length: size }, (_, i) => pool.#start(i)));
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  /**
   * Filters one frame on the next free thread (queueing while all are busy); the result has the
   * chain's output size. `data` is copied,
   * so the caller keeps it — unless `options.transfer`, which moves it to the thread and back
   * without a copy. Give a CompiledChain (compileChain, compile.ts) to check the chain
   * once per job; text or a plain FilterChain is compiled here (text is remembered, see
   * compileChain).
   * Rejects with FilterChainError or RangeError for bad input (before queueing),
   * FilterTimeoutError, the abort reason, FilterThreadError when the thread crashed, and
   * FilterPoolClosedError when the pool is or gets closed.
   */
  run(
    chain: ChainInput,
    width: number,
    height: number,
    data: Uint8Array,
    options: PoolRunOptions = {},
  ): Promise<PoolResult> {
    try {
      if (this.#closed) throw new FilterPoolClosedError();
      const compiled = compileChain(chain);
      const encoded = encodeChain(compiled);
      checkFrameBytes("data", data, planeLayout(width, height));
      // An empty or over-limit output is refused here, before the frame is queued.
      if (chainResizes(compiled)) chainOutputSize(compiled, width, height);
      const { timeoutMs, signal, simulateBusyMs, transfer, time = 0, index = 0 } = options;
      if (!(Number.isFinite(time) && time >= 0)) {
        throw new RangeError(`time must be a finite number of seconds >= 0, got ${time}`);
      }
      if (!(Number.isInteger(index) && index >= 0)) {
        throw new RangeError(`index must be an integer >= 0, got ${index}`);
      }
      if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
        throw new RangeError(`timeoutMs must be a finite number > 0, got ${timeoutMs}`);
      }
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      return new Promise<PoolResult>((resolve, reject) => {
        const job: Job = {
          id: this.#nextId++,
          chain: encoded,
          width,
          height,
          data: transfer && isWholeBuffer(data) ? data : data.slice(),
          time,
          index,
          timeoutMs,
          busyMs: simulateBusyMs,
          signal,
          resolve,
          reject,
        };
        if (signal) {
          job.onAbort = () => this.#abort(job);
          signal.addEventListener("abort", job.onAbort, { once: true });
        }
        this.#queue.push(job);
        this.#pump();
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Counters per thread. */
  stats(): PoolThreadStats[] {
    return this.#threads.map((t) => ({
      thread: t.index,
      processed: t.processed,
      busy: t.job !== undefined,
      restarts: t.restarts,
      recycled: t.recycled,
      memoryBytes: t.memoryBytes,
    }));
  }

  /** Terminates every thread; queued and running frames reject with FilterPoolClosedError. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      clearTimeout(this.#recycleTimer);
      const error = new FilterPoolClosedError("filter pool closed before the frame was filtered");
      for (const job of this.#queue.splice(0)) this.#settle(job, error);
      for (const t of this.#threads) {
        if (t.job) this.#settle(t.job, error);
        t.worker.terminate();
      }
    }
    return Promise.resolve();
  }

  /**
   * Starts (or restarts) thread `index`; resolves when it is ready. `recycle`: a planned
   * replacement (memory), not counted as a restart.
   */
  #start(index: number, recycle = false): Promise<void> {
    const previous = this.#threads[index];
    const worker = new Worker(WORKER_URL, { type: "module", name: `vframe-filter-${index}` });
    const thread: Thread = {
      index,
      worker,
      state: "starting",
      processed: previous?.processed ?? 0,
      restarts: previous ? previous.restarts + (recycle ? 0 : 1) : 0,
      recycled: (previous?.recycled ?? 0) + (recycle ? 1 : 0),
      memoryBytes: 0,
    };
    this.#threads[index] = thread;
    return new Promise<void>((resolve, reject) => {
      const fatal = (message: string) => {
        const error = new FilterThreadError(
          `filter thread ${index} could not start: ${message}`,
          index,
        );
        thread.state = "dead";
        worker.terminate();
        reject(error);
        this.#failIfNoThreads(error);
      };
      // filters.wasm is compiled once per process; every thread instantiates the same module
      // (no compile per thread, and optimised code is shared).
      filterModule().then(
        (module) => {
          const init: InitMessage = { type: "init", module };
          if (thread.state === "starting") worker.postMessage(init);
        },
        (error) => {
          if (thread.state === "starting") {
            fatal(`cannot load filters.wasm: ${error instanceof Error ? error.message : error}`);
          }
        },
      );
      worker.onmessage = (event: MessageEvent<ThreadMessage>) => {
        const msg = event.data;
        if (msg.type === "ready") {
          thread.state = "ready";
          resolve();
          this.#pump();
        } else if (msg.type === "fatal") {
          fatal(msg.message);
        } else {
          this.#onResult(thread, msg);
        }
      };
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        const error = new FilterThreadError(
          `filter thread ${index} crashed: ${event.message}`,
          index,
        );
        if (thread.state !== "ready") {
          thread.state = "dead";
          worker.terminate();
          reject(error);
          this.#failIfNoThreads(error);
          return;
        }
        const job = thread.job;
        this.#replace(thread);
        if (job) this.#settle(job, error);
      };
    });
  }

  #onResult(thread: Thread, msg: ThreadMessage): void {
    const job = thread.job;
    if (!job || (msg.type !== "done" && msg.type !== "error") || msg.id !== job.id) return;
    thread.job = undefined;
    if (msg.type === "done") {
      thread.processed++;
      thread.memoryBytes = msg.memoryBytes;
      this.#settle(job, undefined, { data: msg.data, thread: thread.index, ms: msg.ms });
    } else {
      const error = msg.name === "FilterChainError"
        ? new FilterChainError(msg.message, msg.position ?? -1)
        : Object.assign(new Error(msg.message), { name: msg.name });
      this.#settle(job, error);
    }
    this.#pump();
    if (thread.memoryBytes > RECYCLE_BYTES) this.#scheduleRecycle();
  }

  /** Replaces oversized threads once every thread has been idle for RECYCLE_IDLE_MS. */
  #scheduleRecycle(): void {
    clearTimeout(this.#recycleTimer);
    this.#recycleTimer = setTimeout(() => {
      this.#recycleTimer = undefined;
      if (this.#closed || this.#queue.length > 0) return;
      if (this.#threads.some((t) => t.job)) return this.#scheduleRecycle();
      for (const t of this.#threads) {
        if (t.state === "ready" && t.memoryBytes > RECYCLE_BYTES) {
          t.worker.terminate();
          t.state = "dead";
          this.#start(t.index, true).catch(() => {});
        }
      }
    }, RECYCLE_IDLE_MS);
  }

  /** Hands queued jobs to idle, ready threads. */
  #pump(): void {
    if (this.#closed) return;
    for (const thread of this.#threads) {
      if (this.#queue.length === 0) return;
      if (thread?.state !== "ready" || thread.job) continue;
      const job = this.#queue.shift()!;
      thread.job = job;
      job.thread = thread;
      if (job.timeoutMs !== undefined) {
        job.timer = setTimeout(() => this.#timeout(job), job.timeoutMs);
      }
      const msg: RunMessage = {
        type: "run",
        id: job.id,
        chain: job.chain,
        width: job.width,
        height: job.height,
        data: job.data,
        time: job.time,
        index: job.index,
        busyMs: job.busyMs,
      };
      thread.worker.postMessage(msg, [job.data.buffer]);
    }
  }

  #timeout(job: Job): void {
    job.timer = undefined;
    const thread = job.thread;
    if (!thread || thread.job !== job) return;
    this.#replace(thread);
    this.#settle(job, new FilterTimeoutError(job.timeoutMs!));
  }

  #abort(job: Job): void {
    const reason = job.signal ? abortReason(job.signal) : new DOMException("aborted", "AbortError");
    const queued = this.#queue.indexOf(job);
    if (queued >= 0) {
      this.#queue.splice(queued, 1);
    } else if (job.thread && job.thread.job === job) {
      this.#replace(job.thread);
    } else {
      return;
    }
    this.#settle(job, reason);
  }

  /** Terminates a thread that is stuck or broken and starts a fresh one at the same index. */
  #replace(thread: Thread): void {
    thread.worker.terminate();
    thread.job = undefined;
    thread.state = "dead";
    if (this.#closed) return;
    this.#start(thread.index).catch(() => {
      // #start already reported the failure to queued jobs when no thread is left.
    });
  }

  /** Rejects everything queued when no thread can run it any more. */
  #failIfNoThreads(error: Error): void {
    if (this.#threads.some((t) => t.state !== "dead")) return;
    for (const job of this.#queue.splice(0)) this.#settle(job, error);
  }

  /** Resolves or rejects a job exactly once, clearing its timer and abort listener. */
  #settle(job: Job, error: unknown, result?: PoolResult): void {
    if (job.timer !== undefined) clearTimeout(job.timer);
    job.timer = undefined;
    if (job.signal && job.onAbort) job.signal.removeEventListener("abort", job.onAbort);
    job.onAbort = undefined;
    if (job.thread?.job === job) job.thread.job = undefined;
    job.thread = undefined;
    if (result) job.resolve(result);
    else job.reject(error);
  }
}
