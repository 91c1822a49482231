/**
 * Gives a byte array's memory back at once instead of at the next garbage collection: a frame of
 * 8K video is 50 MB, and V8 may keep dead frames for a long while after a job when nothing else
 * allocates. Only a view that spans the whole of a (non-shared, not yet detached) ArrayBuffer is
 * freed — a view into a larger or shared buffer is left alone. The caller must hold the only
 * reference that is still used.
 * @returns true when the memory was freed.
 */
export function freeBytes(data: Uint8Array): boolean {
  const buffer = data.buffer;
  if (!(buffer instanceof ArrayBuffer) || buffer.detached) return false;
  if (data.byteOffset !== 0 || data.byteLength !== buffer.byteLength || buffer.byteLength === 0) {
    return false;
  }
  buffer.transfer(0);
  return true;
}
