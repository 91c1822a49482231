/**
 * One thread of a FilterPool: a Deno Worker with its own FilterEngine. It posts `ready` once
 * the engine is loaded, then answers every `run` with `done` (the frame filtered in place and
 * transferred back) or `error`.
 */
import { FilterEngine } from "./engine.ts";
import { FilterChainError } from "./errors.ts";
import type { RunMessage, ThreadMessage } from "./pool_protocol.ts";

function send(message: ThreadMessage, transfer: Transferable[] = []): void {
  self.postMessage(message, { transfer });
}

function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // Deliberately blocking: simulates a kernel that does not return.
  }
}

let engine: FilterEngine | undefined;
try {
  engine = await FilterEngine.create();
} catch (e) {
  send({ type: "fatal", message: e instanceof Error ? e.message : String(e) });
}

if (engine) {
  const ready = engine;
  self.onmessage = (event: MessageEvent<RunMessage>) => {
    const msg = event.data;
    if (msg?.type !== "run") return;
    try {
      if (msg.busyMs) busyWait(msg.busyMs);
      const start = performance.now();
      ready.apply(msg.chain, msg.width, msg.height, msg.data, msg.data);
      const ms = performance.now() - start;
      send({ type: "done", id: msg.id, data: msg.data, ms }, [msg.data.buffer]);
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
  };
  send({ type: "ready" });
}
