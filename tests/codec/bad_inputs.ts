/** Bad inputs for the codec and filter-command tests, made once per test process. */
import { execWasm } from "../../src/codec/wasm/exec.ts";
import { makeSampleVideo, sampleDir } from "../helpers/video.ts";

/** Paths of bad inputs, by name. */
export interface BadInputs {
  empty: string;
  text: string;
  garbage: string;
  /** A faststart MP4 cut at 60 %. */
  truncated: string;
  /** An MP4 with its index at the end, cut at 60 % (no moov left). */
  truncatedMoovAtEnd: string;
  png: string;
  audioOnly: string;
  missing: string;
  directory: string;
}

let made: Promise<BadInputs> | undefined;

async function cut(from: string, to: string, fraction: number): Promise<string> {
  const data = await Deno.readFile(from);
  await Deno.writeFile(to, data.subarray(0, Math.floor(data.length * fraction)));
  return to;
}

/** Makes the bad inputs (cached). */
export function badInputs(): Promise<BadInputs> {
  made ??= (async () => {
    const dir = sampleDir();
    const good = await makeSampleVideo({ width: 160, height: 120, seconds: 1, audio: true });
    const moovAtEnd = await makeSampleVideo({
      width: 160,
      height: 120,
      seconds: 1,
      faststart: false,
    });
    const png = `${dir}/bad-image.png`;
    const audioOnly = `${dir}/bad-audio.m4a`;
    await execWasm(["-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", "1", "/out/i.png"], {
      files: [{ path: "/out/i.png", host: png, write: true }],
    });
    await execWasm(["-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", "/out/a.m4a"], {
      files: [{ path: "/out/a.m4a", host: audioOnly, write: true }],
    });
    await Deno.writeFile(`${dir}/bad-empty.mp4`, new Uint8Array());
    await Deno.writeTextFile(
      `${dir}/bad-text.mp4`,
      "This is a text file, not a video.\n".repeat(20),
    );
    const garbage = new Uint8Array(50_000);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 2654435761) >>> 24;
    garbage[0] = 0;
    await Deno.writeFile(`${dir}/bad-garbage.bin`, garbage);
    await Deno.mkdir(`${dir}/bad-directory.mp4`, { recursive: true });
    return {
      empty: `${dir}/bad-empty.mp4`,
      text: `${dir}/bad-text.mp4`,
      garbage: `${dir}/bad-garbage.bin`,
      truncated: await cut(good, `${dir}/bad-truncated.mp4`, 0.6),
      truncatedMoovAtEnd: await cut(moovAtEnd, `${dir}/bad-truncated-moov-end.mp4`, 0.6),
      png,
      audioOnly,
      missing: `${dir}/does-not-exist.mp4`,
      directory: `${dir}/bad-directory.mp4`,
    };
  })();
  return made;
}

/** The reason each bad input must be refused with. */
export const EXPECTED_REASON: Record<keyof BadInputs, string> = {
  empty: "empty",
  text: "not-video",
  garbage: "not-video",
  truncated: "truncated",
  truncatedMoovAtEnd: "truncated",
  png: "image",
  audioOnly: "audio-only",
  missing: "unreadable",
  directory: "unreadable",
};
