import { runJob } from "../../src/pipeline/client.ts";
import { VframeServer } from "../../src/pipeline/server.ts";
import { EmbeddedQueue } from "../../src/queue/embedded.ts";
import { makeSampleVideo } from "../helpers/video.ts";
import { launchBrowser } from "../helpers/browser.ts";
Deno.test({ name: "probe", sanitizeOps: false, sanitizeResources: false, fn: async () => {
  const input = await makeSampleVideo({ width: 320, height: 180, fps: "24", seconds: 2, audio: true });
  const queue = await EmbeddedQueue.create({ threads: 2, policy: { attempts: 2, backoffMs: 10 }, ratePerSecond: 24, fault: "flaky=5;fail=20" });
  const server = await VframeServer.start({ host: "127.0.0.1", port: 0, previewPort: 0, queue });
  const dir = await Deno.makeTempDir();
  const browser = await launchBrowser();
  const page = await browser.newPage();
  await page.goto(server.previewUrl!);
  await page.evaluate(`(() => { window.__n = 0; new MutationObserver(() => window.__n++).observe(document.getElementById("queue-line"), { childList: true, characterData: true, subtree: true }); })()`);
  await runJob({ input, filter: "sepia", server: `127.0.0.1:${server.port}`, output: `${dir}/o.mp4` });
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    console.log(await page.evaluate(`document.getElementById("queue-line").textContent + " | " + document.getElementById("workers").textContent + " | mutations " + window.__n`));
    console.log(JSON.stringify((await (await fetch(new URL("/api/status", server.previewUrl))).json()).queue.depth));
  }
  await browser.close();
  await server.close(); await queue.close();
}});
