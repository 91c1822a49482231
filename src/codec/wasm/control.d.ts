/** Indices into the Int32 counters a decoding worker shares with the main thread. */
export declare const CONTROL: {
  /** Frames the worker has posted. */
  readonly POSTED: 0;
  /** Frames the main thread has handed to its consumer. */
  readonly CONSUMED: 1;
  /** Set to 1 by the main thread to make the worker stop. */
  readonly CANCELLED: 2;
};
