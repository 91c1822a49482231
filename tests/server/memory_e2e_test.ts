/**
 * Memory admission end to end: a 99 KB upload of ten black 7680×4320 frames (50 MB each decoded)
 * against a server in its own process, whose resident memory the test reads from /proc. Over the
 * limit, the job is refused with its estimate; under it, the job runs with its frames in flight
 * capped, and the server's memory stays bounded and comes back after the job.
 */
import { makeBlack8k } from "../helpers/video.ts";
import assert from "node:assert/strict";
import { runJob } from "../../src/client/client.ts";
import { planeLayout } from "../../src/codec/frame.ts";
import { DECODER_FRAMES, FRAME_COPIES, SAMPLE_FRAMES } from "../../src/server/memory.ts";

const MiB = 1024 * 1024;
const SERVER = new URL("./memory_server.ts", import.meta.url).pathname;
const FRAME_8K = planeLayout(7680, 4320).total;
/**
 * What may stay after a job: allocator slack. (A filter thread's WebAssembly memory, grown to hold
 * an 8K frame in and out, never shrinks: the pool replaces such threads once idle.)
 */
const AFTER_SLACK = 64 * MiB;
/** Garbage not yet collected, pipes, the V8 heap. */
const PEAK_SLACK = 250 * MiB;

/** Ten black 8K frames, H.264: about 100 KB. */
function black8k(dir: string): Promise<string> {
  return makeBlack8k(`${dir}/black8k.mp4`);
}

/** The server process, its port, and its memory as /proc sees it. */
class ServerProcess {
  readonly child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #lines: string[] = [];
  #waiters: (() => void)[] = [];
  stderr = "";
  #stderrDone: Promise<void>;
  #stdoutDone: Promise<void>;

  constructor(options: Record<string, unknown>) {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--v8-flags=--expose-gc", SERVER, JSON.stringify(options)],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.child = child;
    this.#writer = child.stdin.getWriter();
    this.#stdoutDone = (async () => {
      let buf = "";
      for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          this.#lines.push(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
          for (const w of this.#waiters.splice(0)) w();
        }
      }
      for (const w of this.#waiters.splice(0)) w();
    })();
    this.#stderrDone = (async () => {
      for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
        this.stderr += chunk;
      }
    })();
  }

  /** The next stdout line matching `re` (waits at most 60 s). */
  async line(re: RegExp): Promise<RegExpExecArray> {
    const end = Date.now() + 60_000;
    while (true) {
      const i = this.#lines.findIndex((l) => re.test(l));
      if (i >= 0) return re.exec(this.#lines.splice(i, 1)[0])!;
      if (Date.now() > end) throw new Error(`no line ${re} from the server:\n${this.stderr}`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((r) => {
        this.#waiters.push(r);
        timer = setTimeout(r, 1000);
      });
      clearTimeout(timer);
    }
  }

  /** Resident memory now, bytes (VmRSS). */
  rss(): number {
    const status = Deno.readTextFileSync(`/proc/${this.child.pid}/status`);
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
  }

  /** Resident memory after the server collected its garbage, and what it still reserves. */
  async settled(): Promise<{ rss: number; slots: number; reserved: number }> {
    await this.#writer.write(new TextEncoder().encode("gc\n"));
    const m = await this.line(/^rss (\d+) slots=(\d+) reserved=(\d+)/);
    return { rss: Number(m[1]), slots: Number(m[2]), reserved: Number(m[3]) };
  }

  async close(): Promise<void> {
    await this.#writer.close().catch(() => {});
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 20_000);
    await this.child.status;
    clearTimeout(timer);
    await this.#stdoutDone;
    await this.#stderrDone;
  }
}

/** Runs `fn` while sampling the server's RSS every 25 ms; returns the peak. */
async function peakDuring<T>(server: ServerProcess, fn: () => Promise<T>): Promise<[T, number]> {
  let peak = server.rss();
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, server.rss());
    } catch { /* exited */ }
  }, 25);
  try {
    const value = await fn();
    return [value, Math.max(peak, server.rss())];
  } finally {
    clearInterval(timer);
  }
}

const mb = (bytes: number) => `${Math.round(bytes / MiB)} MiB`;

Deno.test({
  name: "memory: an 8K job over --max-memory-mb is refused with its estimate; memory comes back",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "vframe-mem-" });
    const server = new ServerProcess({ codec: "native", maxMemoryBytes: 1024 * MiB });
    try {
      const input = await black8k(dir);
      const port = Number((await server.line(/^ready (\d+) gc=true/))[1]);
      const idle = (await server.settled()).rss;
      const [error, peak] = await peakDuring(server, () =>
        runJob({
          input,
          filter: "invert",
          server: `127.0.0.1:${port}`,
          output: `${dir}/out.mp4`,
          readTimeoutMs: 60_000,
        }).then(() => undefined, (e: Error) => e));
      assert.ok(error, "the job is refused");
      assert.match(
        error.message,
        /server refused the job \(too-large\): 7680x4320 frames need about \d+\.\d GiB \(.*\), more than this server's memory limit of 1\.0 GiB \(--max-memory-mb 1024\)/,
      );
      assert.match(server.stderr, /refused: too-large/);
      // Before the refusal only the decoder's read-ahead and frame 0 exist.
      const bound = FRAME_8K * (DECODER_FRAMES + 1) + PEAK_SLACK;
      const after = await server.settled();
      console.log(`refused 8K job: idle ${mb(idle)}, peak ${mb(peak)}, after ${mb(after.rss)}`);
      assert.ok(peak - idle < bound, `peak ${mb(peak)}, idle ${mb(idle)}, bound +${mb(bound)}`);
      assert.ok(after.rss - idle < AFTER_SLACK, `after ${mb(after.rss)}, idle ${mb(idle)}`);
      assert.deepEqual([after.slots, after.reserved], [0, 0]);
    } finally {
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "memory: an 8K job under the limit runs with frames in flight capped; RSS bounded, returned",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "vframe-mem-" });
    // 160 MiB of frames in flight, copies included: one 47.5 MiB frame (× 3 copies).
    const server = new ServerProcess({
      codec: "native",
      maxMemoryBytes: 4096 * MiB,
      inFlightBudgetBytes: 160 * MiB,
    });
    try {
      const input = await black8k(dir);
      const port = Number((await server.line(/^ready (\d+) gc=true/))[1]);
      const idle = (await server.settled()).rss;
      const [result, peak] = await peakDuring(server, () =>
        runJob({
          input,
          filter: "invert",
          server: `127.0.0.1:${port}`,
          output: `${dir}/out.mp4`,
          readTimeoutMs: 120_000,
        }));
      assert.equal(result.state, "done");
      assert.equal(result.frames.total, 10);
      assert.equal(result.frames.processed, 10);
      assert.match(server.stderr, /7680x4320 frames, 1 in flight \(memory estimate \d+ MiB\)/);
      // In this process: the decoder's read-ahead, one frame in flight with its copies, the
      // preview sample's copies (the encoder is its own process).
      const bound = FRAME_8K * (DECODER_FRAMES + FRAME_COPIES * 1 + SAMPLE_FRAMES) + PEAK_SLACK;
      // After the job: the frames are gone; the preview keeps ten small samples, not 1 GB.
      const after = await server.settled();
      console.log(`bounded 8K job: idle ${mb(idle)}, peak ${mb(peak)}, after ${mb(after.rss)}`);
      assert.ok(peak - idle < bound, `peak ${mb(peak)}, idle ${mb(idle)}, bound +${mb(bound)}`);
      assert.ok(after.rss - idle < AFTER_SLACK, `after ${mb(after.rss)}, idle ${mb(idle)}`);
      assert.deepEqual([after.slots, after.reserved], [0, 0]);
    } finally {
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
