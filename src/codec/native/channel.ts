/**
 * The byte channel between vframe and a native ffmpeg process for raw frames: a Unix domain
 * socket where ffmpeg and the system allow it, else the process's stdout/stdin pipe.
 *
 * Why a socket: ffmpeg's `unix:` protocol connects to a socket vframe listens on, and
 * `Deno.Conn.read`/`write` move bytes straight between the socket and vframe's own frame
 * buffers — no stream machinery, no 64 KiB chunk allocated per read, and a socket buffer ~3×
 * a pipe's, so fewer system calls and wake-ups per frame (measured in docs/benchmarks.md).
 *
 * Falling back: when listening fails (no writable temporary directory, a path too long for a
 * socket) the pipe is used. When ffmpeg exits before connecting and says "Protocol not found"
 * (an ffmpeg built without network protocols), the process is started again on the pipe and the
 * socket is not tried again in this process; for a byte-stream input (ffmpeg's stdin, which
 * cannot be replayed) the socket is used only once it is known to work.
 */
import { kill, type NativeProcess, spawn } from "./process.ts";

/** Reads bytes from ffmpeg. */
export interface ByteReader {
  /** Reads at most `into.length` bytes into `into`; resolves to the count, or null at the end. */
  read(into: Uint8Array): Promise<number | null>;
  /** Stops reading and releases the channel (idempotent). */
  cancel(): Promise<void>;
}

/** Writes bytes to ffmpeg. */
export interface ByteWriter {
  /** Resolves once every byte of `bytes` is handed to the system (back-pressure). */
  write(bytes: Uint8Array): Promise<void>;
  /** Ends the stream: ffmpeg reads end-of-file after the bytes written. */
  close(): Promise<void>;
  /** Drops the stream at once (idempotent). */
  abort(): Promise<void>;
}

/** Which transport the channel uses: the socket, or the process's pipe. */
export type ChannelKind = "socket" | "pipe";

/** What socket support is known in this process. */
let socketSupport: "unknown" | "works" | "unsupported" = Deno.build.os === "windows"
  ? "unsupported"
  : "unknown";

/** Longest socket path accepted everywhere (sockaddr_un holds 108 bytes on Linux, 104 on BSD). */
const MAX_SOCKET_PATH = 100;

/** Test hook: forget what was learned (`reset`) or force a transport. */
export function setSocketSupport(state: "unknown" | "works" | "unsupported"): void {
  socketSupport = state;
}

/** The transport a new channel would try first. */
export function preferredChannel(replayable: boolean): ChannelKind {
  if (socketSupport === "unsupported") return "pipe";
  if (!replayable && socketSupport !== "works") return "pipe";
  return "socket";
}

/** A listening socket in a private temporary directory. */
interface Listening {
  url: string;
  listener: Deno.Listener<Deno.UnixConn>;
  dir: string;
}

async function listen(): Promise<Listening | undefined> {
  let dir: string | undefined;
  try {
    dir = await Deno.makeTempDir({ prefix: "vframe-" });
    const path = `${dir}/ff.sock`;
    if (path.length > MAX_SOCKET_PATH) throw new Error("socket path too long");
    const listener = Deno.listen({ transport: "unix", path });
    return { url: `unix:${path}`, listener, dir };
  } catch {
    if (dir) await Deno.remove(dir, { recursive: true }).catch(() => {});
    return undefined;
  }
}

function closeListening(listening: Listening): Promise<void> {
  try {
    listening.listener.close();
  } catch {
    // already closed
  }
  return Deno.remove(listening.dir, { recursive: true }).catch(() => {});
}

/** A process with its frame channel to read from. */
export interface ReadingProcess extends NativeProcess {
  reader: ByteReader;
  kind: ChannelKind;
}

/** A process with its frame channel to write to. */
export interface WritingProcess extends NativeProcess {
  writer: ByteWriter;
  kind: ChannelKind;
}

/** A reader on a connected socket. */
function socketReader(conn: Deno.UnixConn): ByteReader {
  let closed = false;
  return {
    async read(into) {
      if (closed) return null;
      return await conn.read(into);
    },
    cancel() {
      if (!closed) {
        closed = true;
        try {
          conn.close();
        } catch {
          // already closed
        }
      }
      return Promise.resolve();
    },
  };
}

/** A reader on a pipe's stream: chunks are copied into the caller's buffer. */
export function streamReader(stream: ReadableStream<Uint8Array>): ByteReader {
  const reader = stream.getReader();
  let chunk: Uint8Array | null = null;
  return {
    async read(into) {
      if (into.length === 0) return 0;
      while (!chunk || chunk.length === 0) {
        const result = await reader.read();
        if (result.done) return null;
        chunk = result.value;
      }
      const n = Math.min(into.length, chunk.length);
      into.set(n === chunk.length ? chunk : chunk.subarray(0, n));
      chunk = n === chunk.length ? null : chunk.subarray(n);
      return n;
    },
    cancel: () => reader.cancel().catch(() => {}),
  };
}

/** A writer on a connected socket: loops over partial writes. */
function socketWriter(conn: Deno.UnixConn): ByteWriter {
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    try {
      conn.close();
    } catch {
      // already closed
    }
  };
  return {
    async write(bytes) {
      let at = 0;
      while (at < bytes.length) at += await conn.write(at === 0 ? bytes : bytes.subarray(at));
    },
    close() {
      close();
      return Promise.resolve();
    },
    abort() {
      close();
      return Promise.resolve();
    },
  };
}

/** A writer on the process's stdin. */
function pipeWriter(stream: WritableStream<Uint8Array>): ByteWriter {
  const writer = stream.getWriter();
  return {
    write: (bytes) => writer.write(bytes),
    close: () => writer.close(),
    abort: () => writer.abort().catch(() => {}),
  };
}

/** A reader that is at its end at once (ffmpeg exited before connecting: its stderr tells). */
const EMPTY_READER: ByteReader = {
  read: () => Promise.resolve(null),
  cancel: () => Promise.resolve(),
};

/** A writer whose writes fail (ffmpeg exited before connecting: its stderr tells). */
function failedWriter(): ByteWriter {
  return {
    write: () => Promise.reject(new Error("ffmpeg exited before reading its input")),
    close: () => Promise.reject(new Error("ffmpeg exited before reading its input")),
    abort: () => Promise.resolve(),
  };
}

/** Options of {@link spawnReading} and {@link spawnWriting}. */
export interface SpawnChannelOptions {
  /** ffmpeg's arguments for a channel URL (`unix:/…`, or `pipe:1` / `pipe:0`). */
  args: (url: string) => string[];
  /** Aborting it kills the process and stops waiting for it to connect. */
  signal?: AbortSignal;
  /** Whether ffmpeg could be started a second time (false when its stdin carries a stream). */
  replayable?: boolean;
  /**
   * Called with the process right after it is spawned, before it connects (e.g. to feed its
   * stdin: ffmpeg reads its input before it opens its output).
   */
  onSpawn?: (child: Deno.ChildProcess) => void;
}

type Io = { stdin: "piped" | "null"; stdout: "piped" | "null" };

/** Waits for a killed process and closes its stdin, so nothing of it outlives the call. */
async function release(process: NativeProcess, io: Io): Promise<void> {
  kill(process.child);
  if (io.stdin === "piped") await process.child.stdin.abort().catch(() => {});
  await Promise.allSettled([process.child.status, process.stderr]);
}
type Connected<T> = { process: NativeProcess & { kind: ChannelKind }; channel: T };

/**
 * Starts ffmpeg with its frame channel on a socket, falling back to the pipe (`pipeUrl`).
 * Resolves once ffmpeg connected (or exited first, or the socket was given up).
 */
async function spawnOnChannel<T>(
  options: SpawnChannelOptions,
  pipeUrl: "pipe:0" | "pipe:1",
  io: { socket: Io; pipe: Io },
  onSocket: (conn: Deno.UnixConn) => T,
  onPipe: (process: NativeProcess) => T,
  exitedEarly: T,
): Promise<Connected<T>> {
  const { signal } = options;
  signal?.throwIfAborted();
  const replayable = options.replayable !== false;
  if (preferredChannel(replayable) === "socket") {
    const listening = await listen();
    if (listening) {
      let process: NativeProcess | undefined;
      const onAbort = () => {
        if (process) kill(process.child);
        void closeListening(listening);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      try {
        signal?.throwIfAborted();
        process = spawn("ffmpeg", options.args(listening.url), io.socket);
        options.onSpawn?.(process.child);
        const accepting = listening.listener.accept();
        const first = await Promise.race([
          accepting.then((conn) => conn, () => undefined),
          process.child.status.then(() => undefined),
        ]);
        if (first) {
          socketSupport = "works";
          return { process: { ...process, kind: "socket" }, channel: onSocket(first) };
        }
        // A connection may still arrive after the exit was seen: close it.
        accepting.then((conn) => conn.close(), () => {});
        if (signal?.aborted) {
          await release(process, io.socket);
          throw signal.reason;
        }
        // ffmpeg exited before connecting: an ffmpeg without the unix protocol, or a failure its
        // stderr explains (a bad input, …).
        const stderr = await process.stderr;
        if (!(replayable && /Protocol not found/i.test(stderr))) {
          return {
            process: { ...process, stderr: Promise.resolve(stderr), kind: "socket" },
            channel: exitedEarly,
          };
        }
        socketSupport = "unsupported";
      } finally {
        signal?.removeEventListener("abort", onAbort);
        await closeListening(listening);
      }
    }
  }
  signal?.throwIfAborted();
  const process = spawn("ffmpeg", options.args(pipeUrl), io.pipe);
  options.onSpawn?.(process.child);
  return { process: { ...process, kind: "pipe" }, channel: onPipe(process) };
}

/**
 * Starts ffmpeg writing raw bytes to vframe (its output URL in `options.args`); `stdin` is
 * ffmpeg's stdin (piped when the caller feeds the input through it).
 * @throws the signal's reason when aborted while starting.
 */
export async function spawnReading(
  options: SpawnChannelOptions & { stdin?: "piped" | "null" },
): Promise<ReadingProcess> {
  const stdin = options.stdin ?? "null";
  const { process, channel } = await spawnOnChannel<ByteReader>(
    options,
    "pipe:1",
    { socket: { stdin, stdout: "null" }, pipe: { stdin, stdout: "piped" } },
    socketReader,
    (p) => streamReader(p.child.stdout),
    EMPTY_READER,
  );
  return { ...process, reader: channel };
}

/**
 * Starts ffmpeg reading raw bytes from vframe (its input URL in `options.args`).
 * @throws the signal's reason when aborted while starting.
 */
export async function spawnWriting(options: SpawnChannelOptions): Promise<WritingProcess> {
  const { process, channel } = await spawnOnChannel<ByteWriter>(
    options,
    "pipe:0",
    { socket: { stdin: "null", stdout: "null" }, pipe: { stdin: "piped", stdout: "null" } },
    socketWriter,
    (p) => pipeWriter(p.child.stdin),
    failedWriter(),
  );
  return { ...process, writer: channel };
}
