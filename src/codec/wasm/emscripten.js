/**
 * File-system nodes for the Emscripten runtime of `@ffmpeg/core` that stream to and from the
 * outside world without holding a file in wasm memory. Runs inside the ffmpeg.wasm worker
 * (plain JavaScript: see ../ring.js for why).
 *
 * Emscripten shapes used here: `FS` (mkdir, writeFile, lookupPath, makedev, registerDevice,
 * mkdev, ErrnoError), nodes (`mode`, `usedBytes`, `stream_ops`), and stream callbacks
 * `read/write(stream, heap: Int8Array, offset, length, position)` and `llseek(stream, offset,
 * whence)`.
 */

/** errno values (Emscripten's numbering). */
export const ERRNO = Object.freeze({ EIO: 29, EBADF: 8 });

/**
 * A view of `length` heap bytes at `offset`, as Uint8Array.
 * @param {Int8Array} buffer
 * @param {number} offset
 * @param {number} length
 */
export function heapView(buffer, offset, length) {
  return new Uint8Array(buffer.buffer, buffer.byteOffset + offset, length);
}

/**
 * Creates every missing directory of `path`'s parent.
 * @param {any} fs Emscripten FS
 * @param {string} path
 */
export function ensureParent(fs, path) {
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
 * @param {any} fs Emscripten FS
 * @param {string} path path inside wasm
 * @param {string} host host path
 * @param {boolean} write create/truncate and allow writes
 * @returns {Deno.FsFile} the host file; close it after the job
 */
export function mountHostFile(fs, path, host, write) {
  const file = write
    ? Deno.openSync(host, { read: true, write: true, create: true, truncate: true })
    : Deno.openSync(host, { read: true });
  ensureParent(fs, path);
  fs.writeFile(path, new Uint8Array(0));
  const node = fs.lookupPath(path).node;
  node.usedBytes = write ? 0 : file.statSync().size;
  const memfsOps = node.stream_ops;
  node.stream_ops = {
    // MEMFS's llseek resolves SEEK_END with node.usedBytes, which is kept as the host size.
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
 * @param {any} fs Emscripten FS
 * @param {string} path
 * @param {object} ops stream callbacks (read, write, close)
 */
export function mountDevice(fs, path, ops) {
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
