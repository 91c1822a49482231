/**
 * Loading wasm/filters.wasm (built from asm/ by `deno task build:wasm`) and the shape of its
 * exports. Pointers and sizes are byte offsets into the module's own memory.
 */

/** The exports of wasm/filters.wasm; see asm/*.ts for what each kernel computes. */
export interface FilterKernels {
  memory: WebAssembly.Memory;
  heapBase(): number;
  fill(p: number, value: number, n: number): void;
  copy(dst: number, src: number, n: number): void;
  copyPlane(src: number, ss: number, dst: number, ds: number, w: number, h: number): void;
  transpose(src: number, ss: number, dst: number, ds: number, w: number, h: number): void;
  boxV(
    src: number,
    ss: number,
    dst: number,
    ds: number,
    w: number,
    h: number,
    r: number,
    m: number,
    shift: number,
    rows: number,
  ): void;
  tap3V(src: number, ss: number, dst: number, ds: number, w: number, h: number, c1: number): void;
  invert(p: number, n: number): void;
  threshold(p: number, n: number, level: number): void;
  eqLinear(p: number, n: number, contrast: number, brightness: number): void;
  lut(p: number, n: number, table: number): void;
  chromaScale(p: number, n: number, c: number): void;
  unsharp(p: number, blurred: number, n: number, amount512: number): void;
  sepiaLuma(
    p: number,
    n: number,
    kR: number,
    kG: number,
    kB: number,
    wR: number,
    wG: number,
    wB: number,
    cap: number,
  ): void;
  sepiaChroma(
    y: number,
    u: number,
    v: number,
    w: number,
    h: number,
    kR: number,
    kG: number,
    kB: number,
    wR: number,
    wG: number,
    wB: number,
    cap: number,
    cU: number,
    cV: number,
  ): void;
  sobel(src: number, dst: number, w: number, h: number): void;
  emboss(src: number, dst: number, w: number, h: number): void;
  pixelate(p: number, w: number, h: number, block: number, sums: number): void;
  hflip(p: number, w: number, h: number): void;
  vflip(p: number, w: number, h: number): void;
}

/** Where the committed build lives, relative to this module (works inside `deno compile`). */
export const WASM_URL: URL = new URL("../../wasm/filters.wasm", import.meta.url);

let compiled: Promise<WebAssembly.Module> | undefined;

/** The bytes of wasm/filters.wasm: Deno.readFile for file: URLs, fetch otherwise. */
export async function readFilterWasm(url: URL = WASM_URL): Promise<Uint8Array> {
  if (url.protocol === "file:") return await Deno.readFile(url);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot load ${url.href}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** The compiled module, compiled once per process (or worker). */
export function filterModule(): Promise<WebAssembly.Module> {
  compiled ??= readFilterWasm().then((bytes) => WebAssembly.compile(bytes as BufferSource));
  compiled.catch(() => (compiled = undefined));
  return compiled;
}

/** A fresh instance of the kernels with its own memory. */
export async function instantiateKernels(): Promise<FilterKernels> {
  const instance = await WebAssembly.instantiate(await filterModule(), {
    env: {
      abort(_msg: number, _file: number, line: number, column: number) {
        throw new Error(`filters.wasm aborted at ${line}:${column}`);
      },
    },
  });
  return instance.exports as unknown as FilterKernels;
}
