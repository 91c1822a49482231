/**
 * Prepares a byte-stream input for decoding. The first bytes are looked at: an empty stream, an
 * image or a text file is refused at once. An MP4 whose index (`moov`) comes after its samples
 * (`mdat`) cannot be decoded front to back, so it is spooled to a temporary file (on disk, never
 * in memory) and decoded from there; everything else is decoded as it streams in.
 */
import { InvalidInputError } from "./errors.ts";
import type { DecodeSource } from "./raw_codec.ts";
import { isIsoBmff, mp4StreamLayout, sniffHead } from "./sniff.ts";
import { concatBytes } from "../util/bytes.ts";

/** Bytes looked at before deciding (more are read only for an undecided MP4). */
const HEAD_BYTES = 64 * 1024;
/** An MP4 still undecided after this many bytes is spooled. */
const MP4_DECIDE_BYTES = 16 * 1024 * 1024;

/** A prepared stream input. */
export interface PreparedStream {
  source: DecodeSource;
  /** Removes the temporary file, if any. */
  cleanup(): Promise<void>;
}

/**
 * Reads the head of `stream` and decides how to decode it.
 * @param name the input's name for messages (default `<stream>`).
 * @throws InvalidInputError for an empty stream, an image or text.
 */
export async function prepareStream(
  stream: ReadableStream<Uint8Array>,
  name = "<stream>",
): Promise<PreparedStream> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let ended = false;
  const readMore = async () => {
    const { done, value } = await reader.read();
    if (done) ended = true;
    else if (value.length > 0) {
      chunks.push(value);
      total += value.length;
    }
  };
  try {
    while (!ended && total < HEAD_BYTES) await readMore();
    let head = concatBytes(chunks);
    const kind = sniffHead(head);
    if (kind.kind === "empty") {
      throw new InvalidInputError("empty", name, "the stream is empty (0 bytes); send a video");
    }
    if (kind.kind === "image") {
      throw new InvalidInputError("image", name, `is a ${kind.format} image, not a video`);
    }
    if (kind.kind === "text") {
      throw new InvalidInputError("not-video", name, "is text, not a video; send a video file");
    }
    let layout: ReturnType<typeof mp4StreamLayout> = "stream";
    if (isIsoBmff(head)) {
      layout = mp4StreamLayout(head);
      while (layout === "need-more" && !ended && total < MP4_DECIDE_BYTES) {
        await readMore();
        head = concatBytes(chunks);
        layout = mp4StreamLayout(head);
      }
    }
    if (layout === "stream") {
      const pending = [head];
      const replay = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const next = pending.shift();
          if (next) return controller.enqueue(next);
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        },
        cancel: (reason) => reader.cancel(reason),
      }, { highWaterMark: 0 });
      return {
        source: { kind: "stream", stream: replay },
        cleanup: async () => {},
      };
    }
    const path = await Deno.makeTempFile({ prefix: "vframe-spool-", suffix: ".mp4" });
    try {
      using file = await Deno.open(path, { write: true });
      for (const chunk of chunks) await writeAll(file, chunk);
      while (!ended) {
        const { done, value } = await reader.read();
        if (done) break;
        await writeAll(file, value);
      }
    } catch (error) {
      await Deno.remove(path).catch(() => {});
      throw error;
    }
    return {
      source: { kind: "file", path },
      cleanup: () => Deno.remove(path).catch(() => {}),
    };
  } catch (error) {
    await reader.cancel().catch(() => {});
    throw error;
  }
}

async function writeAll(file: Deno.FsFile, data: Uint8Array): Promise<void> {
  let at = 0;
  while (at < data.length) at += await file.write(data.subarray(at));
}
