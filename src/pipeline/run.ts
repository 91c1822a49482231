/**
 * The offline frame pipeline: frames from a source, each through a processor (several at once,
 * finishing in any order), into a sink in index order.
 *
 * - Bounded: each frame holds a permit of every in-flight semaphore from the moment it is pulled
 *   until it is written, so frames waiting for an earlier one count too and memory stays bounded;
 *   with no permit free the source is not pulled (back-pressure).
 * - In order: results pass a {@link ReorderBuffer}; the sink is written by one async chain only
 *   (the "lock around the output writer").
 * - One outcome: the first error (source, processor, sink, a callback) stops the run, aborts the
 *   signal every part was given, returns every permit, calls `sink.abort()` and is rethrown.
 *   Cancelling via `signal` does the same and rethrows `signal.reason`. `sink.close()` is called
 *   only when every frame was written.
 * - Nothing outlives a run but abandoned processors: it waits for the write in progress and for a
 *   frame the source is producing (a source made from the signal must end soon after it aborts);
 *   processors are raced against the signal and their late results dropped.
 */
import type { Frame } from "../codec/frame.ts";
import { ReorderBuffer } from "../util/reorder.ts";
import { acquireAll, type Release, Semaphore } from "../util/semaphore.ts";
import { raceAbort } from "./abort.ts";
import { FrameOrderError } from "./errors.ts";
import type { FrameProcessor, FrameSink, FrameSource } from "./types.ts";

/** Default bound on frames in flight: 8. */
export const DEFAULT_IN_FLIGHT = 8;

/** Options of {@link runPipeline}. */
export interface PipelineOptions<R> {
  /** The decoded frames, indices 0, 1, 2, … */
  frames: FrameSource;
  /** Turns each frame into its result. */
  process: FrameProcessor<R>;
  /** Receives the results in index order. */
  sink: FrameSink<R>;
  /**
   * Frames in flight, from pulled to written: a number (a bound of this run alone), or semaphores
   * shared with other runs, acquired in the order given (e.g. per job, then per server). Default
   * {@link DEFAULT_IN_FLIGHT}.
   */
  inFlight?: number | readonly Semaphore[];
  /** Aborting it cancels the run. */
  signal?: AbortSignal;
  /** A frame was pulled from the source and holds its permits. */
  onDecoded?: (frame: Frame) => void;
  /** A frame's result arrived (any order; not called once the run is stopping). */
  onProcessed?: (frame: Frame, result: R) => void;
  /** A frame was written to the sink (index order). */
  onWritten?: (frame: Frame, result: R) => void;
}

/** What a finished run did. */
export interface PipelineStats {
  /** Frames written to the sink. */
  frames: number;
}

/**
 * Runs the pipeline to its end; see the module documentation.
 * @throws RangeError when `inFlight` is not an integer ≥ 1 or an empty list; FrameOrderError when
 *   the source skips or repeats an index; otherwise the first error of a part, or `signal.reason`.
 */
export async function runPipeline<R>(options: PipelineOptions<R>): Promise<PipelineStats> {
  let run: PipelineRun<R>;
  try {
    run = new PipelineRun(options);
  } catch (error) {
    await settleQuietly(() => options.sink.abort?.()); // e.g. an encoder the caller opened
    throw error;
  }
  return await run.run();
}

interface Item<R> {
  frame: Frame;
  result: R;
  release: Release;
}

function semaphoresFor(inFlight: number | readonly Semaphore[] = DEFAULT_IN_FLIGHT): Semaphore[] {
  if (typeof inFlight === "number") return [new Semaphore(inFlight)];
  if (!Array.isArray(inFlight) || inFlight.length === 0) {
    throw new RangeError(`inFlight needs a number or at least one semaphore, got ${inFlight}`);
  }
  return [...inFlight];
}

class PipelineRun<R> {
  readonly #o: PipelineOptions<R>;
  readonly #semaphores: Semaphore[];
  readonly #stop = new AbortController();
  readonly #signal: AbortSignal;
  readonly #reorder = new ReorderBuffer<Item<R>>();
  readonly #processing = new Set<Promise<void>>();
  readonly #held = new Set<Release>();
  #writing: Promise<void> = Promise.resolve();
  #failure?: { error: unknown };
  #pulled = 0;
  #written = 0;

  constructor(options: PipelineOptions<R>) {
    this.#o = options;
    this.#semaphores = semaphoresFor(options.inFlight);
    this.#signal = options.signal
      ? AbortSignal.any([options.signal, this.#stop.signal])
      : this.#stop.signal;
  }

  async run(): Promise<PipelineStats> {
    const { frames } = this.#o;
    let source: AsyncIterator<Frame> | undefined;
    let pulling: Promise<IteratorResult<Frame>> | undefined;
    try {
      source = (typeof frames === "function" ? frames(this.#signal) : frames)
        [Symbol.asyncIterator]();
      while (true) {
        this.#signal.throwIfAborted();
        pulling = source.next();
        const next = await raceAbort(pulling, this.#signal);
        pulling = undefined;
        if (next.done) break;
        await this.#submit(next.value);
      }
      await this.#settle();
      if (this.#failure) throw this.#failure.error;
      this.#signal.throwIfAborted();
      await this.#o.sink.close?.();
      return { frames: this.#written };
    } catch (error) {
      this.#fail(error);
      await this.#teardown(source, pulling);
      throw this.#failure ? this.#failure.error : this.#o.signal?.reason;
    }
  }

  async #submit(frame: Frame): Promise<void> {
    if (frame.index !== this.#pulled) {
      throw new FrameOrderError(
        `frames must arrive in index order: expected frame ${this.#pulled}, got ${frame.index}`,
      );
    }
    const release = this.#hold(await acquireAll(this.#semaphores, this.#signal));
    this.#pulled++;
    this.#o.onDecoded?.(frame);
    let processing: Promise<R>;
    try {
      processing = this.#o.process(frame, this.#signal);
    } catch (error) {
      processing = Promise.reject(error);
    }
    const task = raceAbort(processing, this.#signal)
      .then(
        (result) => this.#processed(frame, result, release),
        (error) => {
          release();
          this.#fail(error);
        },
      )
      .finally(() => this.#processing.delete(task));
    this.#processing.add(task);
  }

  #processed(frame: Frame, result: R, release: Release): void {
    if (this.#signal.aborted) {
      release();
      return;
    }
    try {
      this.#o.onProcessed?.(frame, result);
      for (const item of this.#reorder.push(frame.index, { frame, result, release })) {
        this.#writing = this.#writing.then(() => this.#write(item));
      }
    } catch (error) {
      release();
      this.#fail(error);
    }
  }

  /** The only code that touches the sink: runs on one promise chain, in index order. */
  async #write(item: Item<R>): Promise<void> {
    try {
      if (this.#signal.aborted) return;
      await this.#o.sink.write(item.frame, item.result, this.#signal);
      this.#written++;
      this.#o.onWritten?.(item.frame, item.result);
    } catch (error) {
      this.#fail(error);
    } finally {
      item.release();
    }
  }

  /** Waits for every frame in flight and every write. */
  async #settle(): Promise<void> {
    while (this.#processing.size > 0) await Promise.all([...this.#processing]);
    await this.#writing;
  }

  /** Records the first error and stops every part; errors after a stop are its consequences. */
  #fail(error: unknown): void {
    if (this.#failure || this.#signal.aborted) return;
    this.#failure = { error };
    this.#stop.abort(error);
  }

  /** A release that also forgets the permits, so a teardown can return whatever is still held. */
  #hold(release: Release): Release {
    const tracked = () => {
      this.#held.delete(tracked);
      release();
    };
    this.#held.add(tracked);
    return tracked;
  }

  async #teardown(
    source: AsyncIterator<Frame> | undefined,
    pulling: Promise<IteratorResult<Frame>> | undefined,
  ): Promise<void> {
    // Processing is raced against the (now aborted) signal: this settles at once.
    await Promise.allSettled([...this.#processing]);
    await this.#writing;
    this.#reorder.clear();
    for (const release of [...this.#held]) release();
    await settleQuietly(() => this.#o.sink.abort?.());
    // A source still producing a frame was given the aborted signal: let it end (a decoder stops
    // its ffmpeg), then close it, so nothing of this run outlives it.
    if (pulling) await settleQuietly(() => pulling);
    await settleQuietly(() => source?.return?.());
  }
}

async function settleQuietly(f: () => Promise<unknown> | undefined): Promise<void> {
  try {
    await f();
  } catch {
    // teardown: the run's own error is what the caller gets
  }
}
