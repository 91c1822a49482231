/**
 * One attempt at filtering one frame on a FilterPool, with the test-only fault switch applied.
 * Shared by the embedded backend and the BullMQ worker process so both misbehave alike.
 */
import { AttemptTimeoutError, FaultInjectedError } from "./errors.ts";
import { faultAction, type FaultPlan, SLOW_MS } from "./fault.ts";
import type { TaskChain } from "./types.ts";
import { sleep } from "../util/sleep.ts";

/** What the backends need of `FilterPool` (src/filters/pool.ts). */
export interface FrameFilterer {
  run(
    chain: TaskChain,
    width: number,
    height: number,
    data: Uint8Array,
    options?: {
      timeoutMs?: number;
      signal?: AbortSignal;
      simulateBusyMs?: number;
      time?: number;
      index?: number;
      /** Move `data` to the thread and back (FilterPool's `transfer`): the caller's is detached. */
      transfer?: boolean;
    },
  ): Promise<{ data: Uint8Array; thread: number; ms: number }>;
}

/** One attempt's inputs. */
export interface AttemptOptions {
  /** The parsed chain (the pool validates it: a chain it rejects fails with FilterChainError). */
  chain: TaskChain;
  width: number;
  height: number;
  data: Uint8Array;
  /** Frame index (the fault switch keys on it; fade's frame mode reads it). */
  index: number;
  /** The frame's time in seconds (fade); default 0. */
  time?: number;
  /** 1-based attempt number (`flaky` frames fail on attempt 1 only). */
  attempt: number;
  /** Time limit of the attempt; the pool terminates the thread past it. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Fault plan (default: none). */
  fault?: FaultPlan;
}

/**
 * Runs the attempt. `fail` faults throw {@link FaultInjectedError}. `slow` faults make the pool
 * thread busy-wait {@link SLOW_MS} first (the pool's `simulateBusyMs` hook), so a shorter time
 * limit takes the pool's real timeout path. `hang` faults never call the
 * filter: the attempt just never returns until its time limit (or `signal`) ends it, rejecting
 * with {@link AttemptTimeoutError} (`timeout after N ms`, the same reason a real pool timeout
 * gives). A real spinning thread is not used on purpose: in Deno 2.9 `Worker.terminate()` does not
 * stop a thread stuck in a synchronous loop (denoland/deno#35657), which would leak a busy core.
 */
export function runAttempt(
  pool: FrameFilterer,
  options: AttemptOptions,
): Promise<{ data: Uint8Array; thread: number; ms: number }> {
  const { chain, width, height, data, index, attempt, timeoutMs, signal, fault } = options;
  const clock = { time: options.time ?? 0, index };
  const action = fault ? faultAction(fault, index, attempt) : "none";
  if (action === "fail") {
    return Promise.reject(
      new FaultInjectedError(`injected fault on frame ${index}, attempt ${attempt}`),
    );
  }
  if (action === "hang") return hang(timeoutMs, signal);
  if (action === "slow") {
    const slow = { timeoutMs, signal, simulateBusyMs: SLOW_MS, ...clock };
    return pool.run(chain, width, height, data, slow);
  }
  return pool.run(chain, width, height, data, { timeoutMs, signal, ...clock });
}

/** Never settles on its own: rejects after `timeoutMs` or when `signal` aborts. */
function hang(timeoutMs: number, signal?: AbortSignal): Promise<never> {
  return sleep(timeoutMs, signal).then(() => {
    throw new AttemptTimeoutError(`timeout after ${timeoutMs} ms`);
  });
}
