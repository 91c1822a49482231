/**
 * One attempt at filtering one frame on a FilterPool, with the test-only fault switch applied.
 * Shared by the embedded backend and the BullMQ worker process so both misbehave alike.
 */
import { FaultInjectedError } from "./errors.ts";
import { faultAction, type FaultPlan } from "./fault.ts";

/** What the backends need of `FilterPool` (src/filters/pool.ts). */
export interface FrameFilterer {
  run(
    chain: string,
    width: number,
    height: number,
    data: Uint8Array,
    options?: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<{ data: Uint8Array; thread: number; ms: number }>;
}

/** One attempt's inputs. */
export interface AttemptOptions {
  chain: string;
  width: number;
  height: number;
  data: Uint8Array;
  /** Frame index (the fault switch keys on it). */
  index: number;
  /** 1-based attempt number (`flaky` frames fail on attempt 1 only). */
  attempt: number;
  /** Time limit of the attempt; the pool terminates the thread past it. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Fault plan (default: none). */
  fault?: FaultPlan;
}

/**
 * Runs the attempt. `fail` faults throw {@link FaultInjectedError}; `hang` faults run a chain
 * whose filter never returns ({@link HANG_CHAIN}), so the pool's time limit ends it exactly as it
 * would a real runaway filter.
 */
export function runAttempt(
  pool: FrameFilterer,
  options: AttemptOptions,
): Promise<{ data: Uint8Array; thread: number; ms: number }> {
  const { chain, width, height, data, index, attempt, timeoutMs, signal, fault } = options;
  const action = fault ? faultAction(fault, index, attempt) : "none";
  if (action === "fail") {
    return Promise.reject(
      new FaultInjectedError(`injected fault on frame ${index}, attempt ${attempt}`),
    );
  }
  if (action === "hang") {
    return pool.run(HANG_CHAIN, width, height, data, { timeoutMs, signal });
  }
  return pool.run(chain, width, height, data, { timeoutMs, signal });
}

/** Placeholder until the pool's hang hook is known. */
export const HANG_CHAIN = "__hang__";
