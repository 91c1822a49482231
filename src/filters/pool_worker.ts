/**
 * One thread of a FilterPool: a Deno Worker with its own FilterEngine. Its first message is
 * `init` with the compiled filters.wasm (compiled once by the pool); it posts `ready` once its
 * engine is instantiated, then answers every `run` with `done` (the frame filtered in place
 * and transferred back — or, for a chain that changes the frame size, a new buffer of the
 * output size) or `error`. Chains arrive encoded (chain_codec.ts).
 */
import { frameSize } from "../codec/frame.ts";
import { decodeChain } from "./chain_codec.ts";
import { chainOutputSize, chainResizes } from "./compile.ts";
import { FilterEngine } from "./engine.ts";
import { FilterChainError } from "./errors.ts";
import type { InitMessage, RunMessage, ThreadMessage } from "./pool_protocol.ts";

function send(message: ThreadMessage, transfer: Transferable[] = []): void {
  self.postMessage(message, { transfer });
}

/**
 * Blocks this thread for `ms` without using the CPU: the test stand-in for a kernel that does not
 * return. (A spinning loop would do too, but in Deno 2.9 Worker.terminate() does not interrupt a
 * thread that is computing, so it would keep a core busy after the pool gave up on it.)
 */
function block(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Filters one frame and answers with the result or the error. */
function run(engine: FilterEngine, msg: RunMessage): void {
  try {
    if (msg.busyMs) block(msg.busyMs);
    const start = performance.now();
    // decodeChain remembers recent chains: a job's chain is parsed once per thread.
    const chain = decodeChain(msg.chain);
    let data = msg.data;
    if (chainResizes(chain)) {
      const out = chainOutputSize(chain, msg.width, msg.height);
      if (out.width !== msg.width || out.height !== msg.height) {
        data = new Uint8Array(frameSize(out.width, out.height));
      }
    }
    engine.apply(chain, msg.width, msg.height, msg.data, data, {
      time: msg.time,
      index: msg.index,
    });
    const ms = performance.now() - start;
    send(
      { type: "done", id: msg.id, data, ms, memoryBytes: engine.memoryBytes },
      [data.buffer],
    );
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    send({
      type: "error",
      id: msg.id,
      name: err.name,
      message: err.message,
      position: err instanceof FilterChainError ? err.position : undefined,
    });
  }
}

let engine: FilterEngine | undefined;
self.onmessage = async (event: MessageEvent<InitMessage | RunMessage>) => {
  const msg = event.data;
  if (msg?.type === "run" && engine) {
    run(engine, msg);
  } else if (msg?.type === "init" && !engine) {
    try {
      engine = await FilterEngine.create({ module: msg.module });
      send({ type: "ready" });
    } catch (e) {
      send({ type: "fatal", message: e instanceof Error ? e.message : String(e) });
    }
  }
};
