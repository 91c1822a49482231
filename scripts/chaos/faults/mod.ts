/** Every fault of the chaos suite, in the order. */
import type { Fault } from "../suite.ts";
import { rstBurst } from "./rst_burst.ts";
import { helloFlood } from "./hello_flood.ts";
import { trickle } from "./trickle.ts";
import { memoryBomb } from "./memory_bomb.ts";
import { auth } from "./auth.ts";
import { noWorker } from "./no_worker.ts";
import { redisRestart } from "./redis_restart.ts";
import { workerKill } from "./worker_kill.ts";
import { clientKill } from "./client_kill.ts";
import { malformed } from "./malformed.ts";
import { concurrent } from "./concurrent.ts";
import { sigtermRedisDown } from "./sigterm_redis_down.ts";
import { ctrlC } from "./ctrl_c.ts";

export const FAULTS: Fault[] = [
  rstBurst,
  helloFlood,
  trickle,
  memoryBomb,
  auth,
  noWorker,
  redisRestart,
  workerKill,
  clientKill,
  malformed,
  concurrent,
  sigtermRedisDown,
  ctrlC,
];
