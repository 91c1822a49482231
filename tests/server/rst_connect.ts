/**
 * Test helper, run as its own process: opens `count` TCP connections to `host:port` one after the
 * other and closes each with a reset (SO_LINGER 0, via node:net's `resetAndDestroy`) as soon as
 * it is established. Prints `reset N` and exits 0; exits 1 when a connection fails.
 *
 * Run from a test with `outputSync()`, it makes the resets happen while the test's event loop —
 * and so the server's accept loop — is blocked: the connections are reset before they are
 * accepted, the way a client that gives up early does it on a busy server. The chaos suite's
 * rst-burst fault (scripts/chaos/faults/rst_burst.ts) runs it too.
 *
 *     deno run -A tests/server/rst_connect.ts 127.0.0.1 9090 50
 */
import net from "node:net";

const [host = "127.0.0.1", portText = "9090", countText = "1"] = Deno.args;
const port = Number(portText);
const count = Number(countText);

function resetOne(): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no connection to ${host}:${port} within 5 s`));
    }, 5_000);
    socket.once("connect", () => socket.resetAndDestroy());
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

let done = 0;
try {
  for (let i = 0; i < count; i++) {
    await resetOne();
    done++;
  }
  console.log(`reset ${done}`);
} catch (error) {
  console.log(`reset ${done}, then: ${error instanceof Error ? error.message : error}`);
  Deno.exit(1);
}
