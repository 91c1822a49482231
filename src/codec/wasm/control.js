/**
 * Indices into the Int32 counters a decoding worker shares with the main thread (plain
 * JavaScript because the worker imports it; see ring.js for why).
 */
export const CONTROL = Object.freeze({
  /** Frames the worker has posted. */
  POSTED: 0,
  /** Frames the main thread has handed to its consumer. */
  CONSUMED: 1,
  /** Set to 1 by the main thread to make the worker stop. */
  CANCELLED: 2,
});
