/**
 * The small part of the Emscripten runtime of `@ffmpeg/core` that vframe uses, typed, plus
 * helpers that build file-system nodes streaming to and from the outside world without holding
 * a file in wasm memory. Runs inside the ffmpeg.wasm worker.
 */

/** Emscripten's stream object passed to device callbacks. */
export interface EmStream {
  position: number;
  seekable: boolean;
  node: EmNode;
}

/** Emscripten's file-system node. */
export interface EmNode {
  mode: number;
  usedBytes: number;
  stream_ops: EmStreamOps;
}

/** Callbacks of a device or file node. `buffer` is the wasm heap (an Int8Array). */
export interface EmStreamOps {
  open?(stream: EmStream): void;
  close?(stream: EmStream): void;
  read?(
    stream: EmStream,
    buffer: Int8Array,
    offset: number,
    length: number,
    position: number,
  ): number;
  write?(
    stream: EmStream,
    buffer: Int8Array,
    offset: number,
    length: number,
    position: number,
  ): number;
  llseek?(stream: EmStream, offset: number, whence: number): number;
}

/** Emscripten's FS object (the members vframe calls). */
export interface EmFS {
  mkdir(path: string): void;
  writeFile(path: string, data: Uint8Array): void;
  lookupPath(path: string): { node: EmNode };
  makedev(major: number, minor: number): number;
  registerDevice(dev: number, ops: EmStreamOps): void;
  mkdev(path: string, dev: number): void;
  ErrnoError: new (errno: number) => Error;
}

/** The loaded core (`createFFmpegCore()`'s result), the members vframe calls. */
export interface FFmpegCore {
  FS: EmFS;
  exec(...args: string[]): number;
  ffprobe(...args: string[]): number;
  setLogger(logger: (entry: { type: "stdout" | "stderr"; message: string }) => void): void;
  reset(): void;
  ret: number;
}

/** errno values (Emscripten's numbering). */
export const ERRNO = { EIO: 29, EBADF: 8 } as const;

/** A view of `length` heap bytes at `offset`, as Uint8Array. */
export function heapView(buffer: Int8Array, offset: number, length: number): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset + offset, length);
}

/** Creates every missing directory of `path`'s parent. */
export function ensureParent(fs: EmFS, path: string): void {
  const parts = path.split("/").filter(Boolean).slice(0, -1);
  let dir = "";
  for (const part of parts) {
    dir += "/" + part;
    try {
      fs.mkdir(dir);
    } catch {
      // exists already
    }
  }
}

/**
 * Makes `path` a regular file whose bytes live in the host file `host`, read and written on
 * demand through Deno's synchronous file API (this worker blocks in `exec` anyway). ffmpeg sees a
 * seekable file of the right size, so MP4 demuxing (`moov` at the end) and muxing with
 * `+faststart` (which re-reads the output) work with a file of any size in bounded memory.
 * @returns the host file handle; close it after the job.
 */
export function mountHostFile(fs: EmFS, path: string, host: string, write: boolean): Deno.FsFile {
  const file = write
    ? Deno.openSync(host, { read: true, write: true, create: true, truncate: true })
    : Deno.openSync(host, { read: true });
  ensureParent(fs, path);
  fs.writeFile(path, new Uint8Array(0));
  const node = fs.lookupPath(path).node;
  node.usedBytes = write ? 0 : file.statSync().size;
  const memfsOps = node.stream_ops;
  node.stream_ops = {
    llseek: memfsOps.llseek,
    read(_stream, buffer, offset, length, position) {
      const n = Math.min(length, node.usedBytes - position);
      if (n <= 0) return 0;
      file.seekSync(position, Deno.SeekMode.Start);
      const view = heapView(buffer, offset, n);
      let done = 0;
      while (done < n) {
        const got = file.readSync(view.subarray(done));
        if (got === null || got === 0) break;
        done += got;
      }
      return done;
    },
    write(_stream, buffer, offset, length, position) {
      if (!write) throw new fs.ErrnoError(ERRNO.EBADF);
      file.seekSync(position, Deno.SeekMode.Start);
      const view = heapView(buffer, offset, length);
      let done = 0;
      while (done < length) done += file.writeSync(view.subarray(done));
      node.usedBytes = Math.max(node.usedBytes, position + length);
      return length;
    },
  };
  return file;
}

let nextMajor = 64;

/**
 * Makes `path` a character device with the given callbacks (non-seekable: ffmpeg must be told
 * `-seekable 0` for inputs).
 */
export function mountDevice(fs: EmFS, path: string, ops: EmStreamOps): void {
  const dev = fs.makedev(nextMajor++, 0);
  fs.registerDevice(dev, {
    open(stream) {
      stream.seekable = false;
    },
    ...ops,
  });
  ensureParent(fs, path);
  fs.mkdev(path, dev);
}
