/** `/api/events`: a Server-Sent Events stream of job summaries and the queue's status. */
import type { JobRegistry } from "../server/registry.ts";
import type { QueueStatus } from "./status.ts";
import { type JobSummary, summarizeJob } from "./summary.ts";

/** The payload of every `snapshot` event. */
export interface Snapshot {
  /** Every job the server knows, newest first. */
  jobs: JobSummary[];
  /** Ids of the jobs that changed since the previous event (all of them in the first event). */
  changed: string[];
  /** The queue, or null when the preview was started without one. */
  queue: QueueStatus | null;
  /** Server time, ISO 8601. */
  time: string;
}

/** Options for {@link eventStream}. */
export interface EventStreamOptions {
  registry: JobRegistry;
  /** Reads the queue's status (see QueueStatusCache); omitted → `queue: null`. */
  queueStatus?: () => Promise<QueueStatus>;
  /** Ends the stream (the preview aborts it on close). */
  signal?: AbortSignal;
  /** Shortest gap between two events caused by job changes, ms (default 250). */
  throttleMs?: number;
  /** Gap between periodic events (speed, ETA and workers move even without changes), ms (default 1000). */
  periodMs?: number;
}

/** Builds one `snapshot` event. */
export async function buildSnapshot(
  registry: JobRegistry,
  changed: Iterable<string> | "all",
  queueStatus?: () => Promise<QueueStatus>,
  now: number = Date.now(),
): Promise<Snapshot> {
  const records = registry.list();
  const jobs = records.map((r) => summarizeJob(r, now));
  const queue = queueStatus ? await queueStatus() : null;
  const ids = changed === "all" ? jobs.map((j) => j.id) : [...changed];
  return { jobs, changed: ids, queue, time: new Date(now).toISOString() };
}

/** Encodes one SSE message; `data` is JSON (one line, so no field splitting is needed). */
export function sseMessage(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * A `text/event-stream` body: a `snapshot` event at once, then one at most every `throttleMs`
 * after the registry changes, and one every `periodMs` regardless. Stops listening and clears
 * its timers when the client goes away or `signal` aborts.
 */
export function eventStream(options: EventStreamOptions): ReadableStream<Uint8Array> {
  const { registry, queueStatus, signal } = options;
  const throttleMs = options.throttleMs ?? 250;
  const periodMs = options.periodMs ?? 1000;
  const encoder = new TextEncoder();
  const changed = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let interval: ReturnType<typeof setInterval> | undefined;
  let closed = false;
  let sending = false;
  let first = true;
  let ctrl!: ReadableStreamDefaultController<Uint8Array>;

  const stop = () => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    clearInterval(interval);
    registry.removeEventListener("change", onChange);
    signal?.removeEventListener("abort", onAbort);
  };
  const onAbort = () => {
    stop();
    try {
      ctrl.close();
    } catch {
      // Already closed or errored by the client going away.
    }
  };
  const flush = async () => {
    timer = undefined;
    if (closed) return;
    if (sending) {
      // An event is being built; send this change right after it.
      timer = setTimeout(flush, throttleMs);
      return;
    }
    sending = true;
    try {
      const ids = first ? "all" : [...changed];
      first = false;
      changed.clear();
      const snapshot = await buildSnapshot(registry, ids, queueStatus);
      if (!closed) ctrl.enqueue(encoder.encode(sseMessage("snapshot", snapshot)));
    } catch {
      // The client went away while we were building the event.
      stop();
    } finally {
      sending = false;
    }
  };
  function onChange(event: Event) {
    const id = (event as CustomEvent<{ id: string }>).detail?.id;
    if (typeof id === "string") changed.add(id);
    if (timer === undefined && !closed) timer = setTimeout(flush, throttleMs);
  }

  return new ReadableStream<Uint8Array>({
    start(controller) {
      ctrl = controller;
      if (signal?.aborted) {
        closed = true;
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(`retry: 2000\n\n`));
      registry.addEventListener("change", onChange);
      signal?.addEventListener("abort", onAbort);
      interval = setInterval(flush, periodMs);
      flush();
    },
    cancel() {
      stop();
    },
  });
}
