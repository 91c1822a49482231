/**
 * The ffmpeg.wasm worker: receives requests `{ module, job }` (see protocol.ts) one at a time,
 * instantiates `@ffmpeg/core` from the precompiled module on the first one (later jobs reuse the
 * loaded core and its grown memory), mounts host files and streaming devices, runs the command
 * (which blocks this thread), unmounts, and posts `done`.
 *
 * Decoded frames leave through a YUV4MPEG2 device: each whole frame is copied once out of the wasm
 * heap into its own ArrayBuffer and transferred to the main thread; before posting, the worker
 * waits (`Atomics.wait`) while `maxBuffered` frames are still unconsumed — this is the decoder's
 * back-pressure. Bytes going in (frames to encode, a byte-stream input) come through a ByteRing,
 * since a worker blocked in `exec` cannot receive messages.
 *
 * Plain JavaScript, importing only JavaScript: under `deno test`, a worker whose module graph
 * holds TypeScript is type-checked every time it starts (~1.4 s each); this graph has none.
 */
import createFFmpegCore from "@ffmpeg/core";
import { ByteRing } from "../ring.js";
import { Y4mParser } from "../y4m.js";
import { CONTROL } from "./control.js";
import { ERRNO, heapView, mountDevice, mountHostFile } from "./emscripten.js";

const STDERR_LINES = 60;

// The Emscripten glue reads self.location.href to find its directory.
if (!self.location) self.location = { href: import.meta.url };

/**
 * @param {object} message a WorkerMessage (protocol.ts)
 * @param {Transferable[]} [transfer]
 */
function post(message, transfer = []) {
  self.postMessage(message, transfer);
}

/** The loaded core, kept for the next job. */
let core;
/** The core's wasm memory. */
let memory;
/** Where the core's log lines go during the current job. */
let log = (_entry) => {};

/** @param {WebAssembly.Module} module */
async function loadCore(module) {
  if (!core) {
    core = await createFFmpegCore({
      instantiateWasm(imports, receive) {
        WebAssembly.instantiate(module, imports).then((instance) => {
          memory = Object.values(instance.exports).find((e) => e instanceof WebAssembly.Memory);
          receive(instance, module);
        });
        return {};
      },
    });
    core.setLogger((entry) => log(entry));
  }
  return core;
}

/** @param {{ module: WebAssembly.Module, job: any }} request */
async function run({ module, job }) {
  const ffmpeg = await loadCore(module);
  /** @type {string[]} */
  const stdout = [];
  /** @type {string[]} */
  const stderr = [];
  log = ({ type, message }) => {
    if (type === "stdout") stdout.push(message);
    else {
      stderr.push(message);
      if (stderr.length > STDERR_LINES) stderr.shift();
    }
  };
  const fs = ffmpeg.FS;
  /** @type {Deno.FsFile[]} */
  const files = [];
  /** @type {string[]} */
  const mounted = [];
  /** @type {string | undefined} */
  let failure;
  try {
    for (const mount of job.files ?? []) {
      files.push(mountHostFile(fs, mount.path, mount.host, mount.write === true));
      mounted.push(mount.path);
    }
    for (const mount of job.ringInputs ?? []) {
      const ring = ByteRing.attach(mount.buffer);
      mounted.push(mount.path);
      mountDevice(fs, mount.path, {
        read(_stream, buffer, offset, length) {
          try {
            return ring.readBlocking(heapView(buffer, offset, length));
          } catch (error) {
            failure ??= `input stream: ${error.message}`;
            throw new fs.ErrnoError(ERRNO.EIO);
          }
        },
      });
    }
    if (job.y4mOutput) {
      const { path, maxBuffered } = job.y4mOutput;
      mounted.push(path);
      const control = new Int32Array(job.y4mOutput.control);
      let posted = 0;
      const parser = new Y4mParser({ onHeader: (header) => post({ type: "header", header }) });
      /** @param {Uint8Array} frame */
      const onFrame = (frame) => {
        while (true) {
          if (Atomics.load(control, CONTROL.CANCELLED) === 1) throw new Error("cancelled");
          const consumed = Atomics.load(control, CONTROL.CONSUMED);
          if (posted - consumed < maxBuffered) break;
          Atomics.wait(control, CONTROL.CONSUMED, consumed, 1000);
        }
        post({ type: "frame", data: frame.buffer }, [frame.buffer]);
        posted++;
        Atomics.store(control, CONTROL.POSTED, posted);
      };
      mountDevice(fs, path, {
        write(_stream, buffer, offset, length) {
          try {
            parser.push(heapView(buffer, offset, length), onFrame);
            return length;
          } catch (error) {
            failure ??= `frame output: ${error.message}`;
            throw new fs.ErrnoError(ERRNO.EIO);
          }
        },
        close() {
          try {
            parser.finish();
          } catch (error) {
            failure ??= `frame output: ${error.message}`;
          }
        },
      });
    }
    const exitCode = job.tool === "ffprobe"
      ? ffmpeg.ffprobe(...job.args)
      : ffmpeg.exec(...job.args);
    ffmpeg.reset();
    post({
      type: "done",
      exitCode,
      stdout: stdout.join("\n"),
      stderr: stderr.join("\n"),
      error: failure,
      memoryBytes: memory?.buffer.byteLength ?? 0,
    });
  } catch (error) {
    post({
      type: "done",
      exitCode: -1,
      stdout: stdout.join("\n"),
      stderr: stderr.join("\n"),
      error: failure ?? String(error?.stack ?? error),
    });
  } finally {
    for (const file of files) {
      try {
        file.close();
      } catch {
        // already closed
      }
    }
    for (const path of mounted) {
      try {
        fs.unlink(path);
      } catch {
        // not created
      }
    }
  }
}

self.onmessage = (event) => {
  run(event.data).catch((error) => {
    post({
      type: "done",
      exitCode: -1,
      stdout: "",
      stderr: "",
      error: String(error?.stack ?? error),
    });
  });
};
