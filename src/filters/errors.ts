/**
 * Named errors of the filter engine.
 */
import { VframeError } from "../util/errors.ts";

/**
 * A filter chain that cannot be parsed or is not valid: unknown filter or parameter, a value out
 * of range, a malformed `name=key=value` part.
 */
export class FilterChainError extends VframeError {
  /**
   * 0-based character offset of the offending part in the chain text, or -1 when the chain did
   * not come from text (a {@link FilterChain} object that failed validation).
   */
  readonly position: number;
  /** True when the chain names a filter that does not exist (the rest are bad syntax or values). */
  readonly unknownFilter: boolean;
  /** `unknown-filter` or `bad-filter`, as the protocol's refusal codes say. */
  readonly code: "unknown-filter" | "bad-filter";

  constructor(message: string, position: number, options: { unknownFilter?: boolean } = {}) {
    super(message);
    this.name = "FilterChainError";
    this.position = position;
    this.unknownFilter = options.unknownFilter ?? false;
    this.code = this.unknownFilter ? "unknown-filter" : "bad-filter";
  }
}

/**
 * An encoded filter chain (src/filters/chain_codec.ts) written in an encoding version this build
 * does not speak, e.g. `v2:…` from a newer server. A {@link FilterChainError} (code `bad-filter`).
 */
export class FilterChainVersionError extends FilterChainError {
  /** The version the text carries, e.g. `v2`. */
  readonly seenVersion: string;
  /** The version this build reads and writes, e.g. `v1`. */
  readonly supportedVersion: string;

  constructor(seenVersion: string, supportedVersion: string) {
    super(
      `unsupported filter chain encoding ${seenVersion}: this build speaks ${supportedVersion}`,
      0,
    );
    this.name = "FilterChainVersionError";
    this.seenVersion = seenVersion;
    this.supportedVersion = supportedVersion;
  }
}

/**
 * A filter module (src/filters/defs/) that is not well formed: a bad name or parameter, a default
 * out of its range, two filters with one name, or a kernel the wasm build does not export. A
 * programming error, thrown when the module is loaded, never caused by user input.
 */
export class FilterDefinitionError extends VframeError {
  readonly code: string = "filter-definition";
  /** Name of the filter at fault (as written in its module). */
  readonly filter: string;

  constructor(filter: string, message: string) {
    super(`filter '${filter}': ${message}`);
    this.name = "FilterDefinitionError";
    this.filter = filter;
  }
}

/** A frame took longer than its time limit; the thread that ran it was terminated and replaced. */
export class FilterTimeoutError extends VframeError {
  readonly code: string = "filter-timeout";
  /** The limit that was exceeded, in milliseconds. */
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(`filter timed out after ${timeoutMs} ms`);
    this.name = "FilterTimeoutError";
    this.timeoutMs = timeoutMs;
  }
}

/** The pool was closed before the run could finish. */
export class FilterPoolClosedError extends VframeError {
  readonly code: string = "closed";
  constructor(message = "filter pool is closed") {
    super(message);
    this.name = "FilterPoolClosedError";
  }
}

/** A pool thread failed outside a filter (it crashed or could not start); it was replaced. */
export class FilterThreadError extends VframeError {
  readonly code: string = "filter-crashed";
  /** Index of the thread in the pool. */
  readonly thread: number;

  constructor(message: string, thread: number, options?: ErrorOptions) {
    super(message, options);
    this.name = "FilterThreadError";
    this.thread = thread;
  }
}
