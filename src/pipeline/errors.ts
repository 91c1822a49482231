/** Errors of the frame pipeline. */
import { VframeError } from "../util/errors.ts";

/** A frame source yielded an index other than the next one (a decoder skipped or repeated). */
export class FrameOrderError extends VframeError {
  readonly code: string = "internal";
  override name = "FrameOrderError";
}
