/**
 * Run as its own process by the rst-burst fault: opens `count` TCP connections to `host:port`,
 * one after the other, and closes each with a reset (SO_LINGER 0, node:net's `resetAndDestroy`)
 * as soon as the handshake completes — before the server has accepted it when the server is
 * stopped or busy. Prints `reset N` and exits 0; exits 1 when a connection fails.
 *
 *     deno run -A scripts/chaos/rst_burst.ts 127.0.0.1 9090 100
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
