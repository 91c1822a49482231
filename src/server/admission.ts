/**
 * Whether the server takes a job: the checks behind the `ack` ({@link admit}, pure: the filter
 * parser is pure), and taking the job's share of the server atomically with the decision
 * ({@link admitAndReserve}): a job slot and its base memory are reserved in the same synchronous
 * step that checks them, so simultaneous hellos cannot all see the same free slot.
 */
import { FilterChainError } from "../filters/errors.ts";
import { formatChain, parseChain } from "../filters/parse.ts";
import { type HelloMessage, PROTOCOL_VERSION, type RefusalCode } from "../protocol/messages.ts";
import type { Release } from "../util/semaphore.ts";
import { formatBytes, type MemoryBudget } from "./memory.ts";

/** What the server knows when a `hello` arrives. */
export interface AdmissionState {
  /** Largest accepted upload, bytes. */
  maxUploadBytes: number;
  /** Jobs running now. */
  activeJobs: number;
  /** Jobs allowed at once. */
  maxJobs: number;
  /** True while the server shuts down. */
  closing?: boolean;
  /** The memory budget, when the server has one: the job's base share must fit in it now. */
  memory?: {
    /** The limit, bytes (`--max-memory-mb`). */
    limitBytes: number;
    /** Bytes reserved by running jobs now. */
    reservedBytes: number;
    /** Bytes a job reserves at admission (its share before its frame size is known). */
    jobBaseBytes: number;
    /** Jobs waiting for memory now (they go first). */
    waiting?: number;
  };
}

/** The verdict on a `hello`. */
export type Admission =
  | { ok: true; filter: string }
  | { ok: false; code: RefusalCode; reason: string; retryAfterMs?: number };

/** Suggested wait before retrying a busy server, ms. */
export const BUSY_RETRY_MS = 2_000;

/**
 * Checks, in this order: protocol version, server state (closing / busy / memory), upload size,
 * filter chain. Returns the canonical filter text when the job is accepted.
 */
export function admit(hello: HelloMessage, state: AdmissionState): Admission {
  if (hello.version !== PROTOCOL_VERSION) {
    return {
      ok: false,
      code: "version-mismatch",
      reason:
        `this server speaks protocol version ${PROTOCOL_VERSION}, the client sent ${hello.version}`,
    };
  }
  if (state.closing) {
    return { ok: false, code: "server-busy", reason: "the server is shutting down" };
  }
  if (state.activeJobs >= state.maxJobs) {
    return {
      ok: false,
      code: "server-busy",
      reason:
        `the server is running ${state.activeJobs} jobs, its limit (--max-jobs ${state.maxJobs})`,
      retryAfterMs: BUSY_RETRY_MS,
    };
  }
  const memory = state.memory;
  if (memory && (memory.waiting ?? 0) > 0) {
    return {
      ok: false,
      code: "server-busy",
      reason: `${memory.waiting} job(s) are waiting for memory (--max-memory-mb ${
        Math.floor(memory.limitBytes / 1024 ** 2)
      }); they go first`,
      retryAfterMs: BUSY_RETRY_MS,
    };
  }
  if (memory && memory.reservedBytes + memory.jobBaseBytes > memory.limitBytes) {
    return {
      ok: false,
      code: "server-busy",
      reason: `running jobs hold ${formatBytes(memory.reservedBytes)} of the server's ${
        formatBytes(memory.limitBytes)
      } memory limit (--max-memory-mb); a job needs at least ${formatBytes(memory.jobBaseBytes)}`,
      retryAfterMs: BUSY_RETRY_MS,
    };
  }
  if (hello.size > state.maxUploadBytes) {
    return {
      ok: false,
      code: "too-large",
      reason:
        `the upload is ${hello.size} bytes; this server accepts at most ${state.maxUploadBytes}`,
    };
  }
  try {
    return { ok: true, filter: formatChain(parseChain(hello.filter)) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      code: error instanceof FilterChainError ? error.code : "bad-filter",
      reason: message.slice(0, 1000),
    };
  }
}

/**
 * Job slots (`--max-jobs`): a counter taken synchronously. Pure.
 */
export class JobSlots {
  readonly max: number;
  #used = 0;

  /** @throws RangeError when `max` is not an integer ≥ 1. */
  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(`max jobs must be an integer >= 1, got ${max}`);
    }
    this.max = max;
  }

  /** Slots taken now. */
  get used(): number {
    return this.#used;
  }

  /** Takes a slot if one is free; `undefined` when none is. */
  tryTake(): Release | undefined {
    if (this.#used >= this.max) return undefined;
    this.#used++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#used--;
    };
  }
}

/** What {@link admitAndReserve} checks against and takes from. */
export interface ServerResources {
  slots: JobSlots;
  /** The memory budget; the job's base share ({@link ServerResources.jobBaseBytes}) is taken. */
  memory?: MemoryBudget;
  jobBaseBytes: number;
  maxUploadBytes: number;
  closing: boolean;
}

/** An accepted job's reservation: give it back once, on every way out. */
export interface Reservation {
  /** Bytes of the memory budget held (the base share). */
  memoryBytes: number;
  /** Gives the slot and the memory back; idempotent. */
  release: Release;
}

/** {@link admitAndReserve}'s verdict: an accepted job comes with its reservation. */
export type ReservedAdmission =
  | { ok: true; filter: string; reservation: Reservation }
  | Extract<Admission, { ok: false }>;

/**
 * {@link admit}, then, when accepted, takes a job slot and the job's base memory in the same
 * synchronous step: no other session can run between the check and the reservation.
 */
export function admitAndReserve(hello: HelloMessage, r: ServerResources): ReservedAdmission {
  const verdict = admit(hello, {
    maxUploadBytes: r.maxUploadBytes,
    activeJobs: r.slots.used,
    maxJobs: r.slots.max,
    closing: r.closing,
    memory: r.memory
      ? {
        limitBytes: r.memory.limitBytes,
        reservedBytes: r.memory.reservedBytes,
        jobBaseBytes: r.jobBaseBytes,
        waiting: r.memory.waiting,
      }
      : undefined,
  });
  if (!verdict.ok) return verdict;
  const slot = r.slots.tryTake();
  const memory = r.memory ? r.memory.tryTake(r.jobBaseBytes) : () => {};
  if (!slot || !memory) {
    // Unreachable after admit() said yes in this same step; kept as a guard.
    slot?.();
    memory?.();
    return {
      ok: false,
      code: "server-busy",
      reason: "the server is full",
      retryAfterMs: BUSY_RETRY_MS,
    };
  }
  let released = false;
  return {
    ok: true,
    filter: verdict.filter,
    reservation: {
      memoryBytes: r.memory ? r.jobBaseBytes : 0,
      release: () => {
        if (released) return;
        released = true;
        slot();
        memory();
      },
    },
  };
}
