/**
 * The FrameQueue contract against the embedded backend (a thread pool in this process). The
 * cases share one FilterPool: starting pool threads is the slow part under `deno test`.
 */
import { FilterPool } from "../../src/filters/pool.ts";
import { EmbeddedQueue } from "../../src/queue/embedded.ts";
import { FAULT, runContract } from "./contract.case.ts";

runContract({
  name: "embedded",
  async setup() {
    const pool = await FilterPool.create({ size: 2 });
    return {
      async open(policy) {
        const queue = await EmbeddedQueue.create({ pool, fault: FAULT, policy });
        return { queue, leftovers: () => Promise.resolve([]), close: () => queue.close() };
      },
      teardown: () => pool.close(),
    };
  },
});
