/**
 * The FrameQueue contract against the BullMQ backend: a real Redis, a fresh queue name per case,
 * and an in-process FrameWorker (the engine of `vframe worker`) consuming it; the workers of all
 * cases share one FilterPool (starting threads is the slow part under `deno test`). Real worker
 * processes are exercised by bullmq_test.ts, worker_kill_test.ts and worker_signals_test.ts.
 */
import { Redis } from "ioredis";
import { FilterPool } from "../../src/filters/pool.ts";
import { FrameWorker } from "../../src/queue/bullmq/frame_worker.ts";
import { BullmqQueue } from "../../src/queue/bullmq/queue.ts";
import { startRedis } from "../helpers/redis.ts";
import { FAULT, runContract } from "./contract.case.ts";

let cases = 0;

runContract({
  name: "bullmq",
  async setup() {
    const server = await startRedis();
    const inspect = new Redis(server.url);
    const pool = await FilterPool.create({ size: 2 });
    return {
      async open(policy) {
        const queueName = `vframe-contract-${++cases}`;
        const worker = await FrameWorker.start({
          redisUrl: server.url,
          queueName,
          fault: FAULT,
          pool,
        });
        let queue: BullmqQueue;
        try {
          queue = await BullmqQueue.create({ redisUrl: server.url, queueName, policy });
        } catch (err) {
          await worker.close({ timeoutMs: 0 });
          throw err;
        }
        return {
          queue,
          async leftovers() {
            const keys = [
              ...await inspect.keys("vframe:*"),
              ...await inspect.keys(`bull:${queueName}:vf.*`), // job hashes (and their locks)
            ];
            return keys.filter((k) => !k.endsWith(":cancelled")).sort();
          },
          async close() {
            await queue.close();
            await worker.close({ timeoutMs: 0 });
          },
        };
      },
      async teardown() {
        inspect.disconnect();
        await pool.close();
        await server.stop();
      },
    };
  },
});
