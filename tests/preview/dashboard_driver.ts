/**
 * Drives the preview dashboard in headless Chromium and checks what a person would see: the
 * job appears, its progress climbs to done, both frames render, the output video plays and
 * seeks, nothing is logged as an error, and the layout fits a phone screen.
 * Shared by the browser tests (real pipeline, hand-fed registry).
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";

/** What the driver found, for the test to check further. */
export interface DashboardReport {
  /** Progress values (0..1) the job list showed, in order. */
  progress: number[];
  /** States the job list showed, in order, without repeats. */
  states: string[];
  /** Retry and fallback ticks drawn on the timeline strip. */
  retries: number;
  fallbacks: number;
  /** Points of the throughput line. */
  chartPoints: number;
  /** Frames-per-worker bars. */
  workerBars: number;
  /** Workers listed in the workers panel. */
  connectedWorkers: number;
  /** `naturalWidth` of the original and processed images. */
  imageWidths: [number, number];
  /** The video's duration (s) once its metadata loaded, and after playing and seeking. */
  videoDuration: number;
  /** Status codes of the output.mp4 responses (206s show range requests worked). */
  outputStatuses: number[];
  /** Whether the browser says it can play H.264 in MP4. */
  canPlayH264: string;
}

/** Options for {@link driveDashboard}. */
export interface DriveOptions {
  browser: Browser;
  url: string;
  /** Starts the job once the page is open and resolves to its id (may finish before or after). */
  startJob: () => Promise<string>;
  /** Where to save a screenshot of the finished dashboard (e.g. docs/preview.png). */
  screenshot?: string;
  /** Where to save a screenshot of the same page on a 390 px wide screen (default: none). */
  narrowScreenshot?: string;
  /** Time limit for the job to reach `done` in the page, ms (default 120_000). */
  timeoutMs?: number;
  /**
   * What the workers panel must show once the job is done: `"none"` (preview without a queue)
   * or `"drained"` (workers listed, 0 frames waiting). Default `"drained"`.
   */
  queue?: "none" | "drained";
}

/** Records every render of the job list (progress and state) inside the page. */
const RECORDER = `(() => {
  window.__seen = [];
  const record = () => {
    for (const li of document.querySelectorAll("#jobs li.job")) {
      const meta = li.querySelector(".job-meta");
      window.__seen.push({ id: li.dataset.id, state: li.dataset.state, progress: meta ? meta.dataset.progress : "" });
    }
  };
  new MutationObserver(record).observe(document.getElementById("jobs"), { childList: true });
})()`;

/**
 * Waits until `expression` is truthy in the page, checking every 100 ms. (page.waitForFunction
 * cannot do this here: it re-evaluates the expression with the page's own eval, which the
 * preview's Content-Security-Policy forbids, so it only succeeds when the first check passes.
 * page.evaluate goes through the debugging protocol, which the policy does not block.)
 * @throws Error after `timeoutMs`.
 */
export async function waitUntil(
  page: Page,
  expression: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for: ${expression}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Runs the scenario; throws an AssertionError on the first thing that is wrong. */
export async function driveDashboard(o: DriveOptions): Promise<DashboardReport> {
  const timeout = o.timeoutMs ?? 120_000;
  const context = await o.browser.newContext({
    viewport: { width: 1280, height: 1000 },
    colorScheme: "light",
  });
  const page = await context.newPage();
  const problems: string[] = [];
  const outputStatuses: number[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") {
      problems.push(`console ${m.type()}: ${m.text()}`);
    }
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => {
    // A media element may abort its own range requests when it seeks; that is not an error.
    if (!r.url().includes("/output.mp4")) {
      problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
    }
  });
  page.on("response", (r) => {
    if (r.url().includes("/output.mp4")) outputStatuses.push(r.status());
    else if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`);
  });
  try {
    await page.goto(o.url, { waitUntil: "load" });
    await page.waitForSelector('#conn[data-state="live"]', { timeout: 10_000 });
    await page.evaluate(RECORDER);
    const canPlayH264 = String(
      await page.evaluate(
        `document.createElement("video").canPlayType('video/mp4; codecs="avc1.42E01E"')`,
      ),
    );

    const id = await o.startJob();
    await page.waitForSelector(`#jobs li[data-id="${id}"]`, { timeout: 30_000 });
    await page.waitForSelector(`#jobs li[data-id="${id}"][data-state="done"]`, { timeout });
    await page.waitForSelector(`#detail[data-id="${id}"][data-state="done"]`, { timeout: 10_000 });
    const seen = (await page.evaluate("window.__seen")) as {
      id: string;
      state: string;
      progress: string;
    }[];
    const mine = seen.filter((s) => s.id === id);
    const progress = mine.map((s) => Number(s.progress)).filter((p) => Number.isFinite(p));
    const states = mine.map((s) => s.state).filter((s, i, a) => i === 0 || a[i - 1] !== s);

    // Both frames render (not broken, not empty).
    await waitUntil(
      page,
      `(() => { const a = document.getElementById("img-original"), b = document.getElementById("img-processed");
        return a.complete && b.complete && a.naturalWidth > 0 && b.naturalWidth > 0; })()`,
      10_000,
    );
    const imageWidths = (await page.evaluate(
      `[document.getElementById("img-original").naturalWidth, document.getElementById("img-processed").naturalWidth]`,
    )) as [number, number];

    // The output video: metadata, then play, then seek (range requests).
    await waitUntil(page, `document.getElementById("video").readyState >= 1`, 20_000);
    const played = (await page.evaluate(`(async () => {
      const v = document.getElementById("video");
      v.muted = true;
      await v.play();
      const t0 = performance.now();
      while (v.currentTime < 0.2 && performance.now() - t0 < 10000) await new Promise((r) => setTimeout(r, 50));
      const playedTo = v.currentTime;
      v.pause();
      const seekTo = v.duration * 0.75;
      await new Promise((resolve, reject) => {
        v.addEventListener("seeked", resolve, { once: true });
        v.addEventListener("error", () => reject(new Error("video error " + (v.error && v.error.code))), { once: true });
        v.currentTime = seekTo;
      });
      return { duration: v.duration, playedTo, seekedTo: v.currentTime, error: v.error ? v.error.code : null };
    })()`)) as { duration: number; playedTo: number; seekedTo: number; error: number | null };
    assert.equal(played.error, null, "the video element reports no error");
    assert.ok(played.playedTo >= 0.2, `the video played (currentTime ${played.playedTo})`);
    assert.ok(
      Math.abs(played.seekedTo - played.duration * 0.75) < 0.5,
      `seek landed near 75% (${played.seekedTo} of ${played.duration})`,
    );
    const download = await page.getAttribute("#download", "href");
    assert.equal(download, `/api/jobs/${encodeURIComponent(id)}/output.mp4?download=1`);

    const chart = (await page.evaluate(`(() => { const c = document.getElementById("chart").dataset;
      return [Number(c.retries), Number(c.fallbacks), Number(c.points)]; })()`)) as number[];
    const workerBars = Number(
      await page.evaluate(`document.querySelectorAll("#d-workers li").length`),
    );

    // The workers panel catches up with the queue (it refreshes about once a second).
    if ((o.queue ?? "drained") === "drained") {
      await waitUntil(
        page,
        `/^\\d+ (embedded pool threads|BullMQ workers online) · 0 frames waiting$/
          .test(document.getElementById("queue-line").textContent)`,
        10_000,
      );
    } else {
      const line = await page.textContent("#queue-line");
      assert.equal(line, "No queue attached.");
    }
    const connectedWorkers = Number(
      await page.evaluate(`document.querySelectorAll("#workers li").length`),
    );

    if (o.screenshot) {
      // Scroll the video back to its first frame so the picture is not black at the end.
      await page.evaluate(`(async () => { const v = document.getElementById("video");
        await new Promise((r) => { v.addEventListener("seeked", r, { once: true }); v.currentTime = Math.min(1, v.duration / 2); }); })()`);
      await page.screenshot({ path: o.screenshot, fullPage: true });
    }

    // A phone-sized screen: one column, nothing wider than the viewport.
    await page.setViewportSize({ width: 390, height: 844 });
    // Layout settles a frame or two after the resize.
    const fits = `document.documentElement.scrollWidth <= document.documentElement.clientWidth`;
    const settled = await waitUntil(page, fits, 3000).then(
      () => true,
      () => false,
    );
    if (!settled) {
      // Elements, or text running out of its element, past the right edge.
      const wide = await page.evaluate(`(() => {
        const edge = document.documentElement.clientWidth + 0.5;
        const name = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "");
        const out = [];
        for (const e of document.querySelectorAll("body *")) {
          if (e.getBoundingClientRect().right > edge) out.push(name(e));
          for (const n of e.childNodes) {
            if (n.nodeType !== 3) continue;
            const r = document.createRange();
            r.selectNodeContents(n);
            if (r.getBoundingClientRect().right > edge) out.push("text in " + name(e) + ": " + n.textContent.slice(0, 40));
          }
        }
        return out.slice(0, 8);
      })()`);
      const overflow = await page.evaluate(
        `document.documentElement.scrollWidth - document.documentElement.clientWidth`,
      );
      assert.fail(
        `horizontal scrolling on a 390 px screen (${overflow} px) from ${JSON.stringify(wide)}`,
      );
    }
    const columns = (await page.evaluate(
      `getComputedStyle(document.querySelector(".layout")).gridTemplateColumns.split(" ").length`,
    )) as number;
    assert.equal(columns, 1, "narrow layout has one column");
    if (o.narrowScreenshot) await page.screenshot({ path: o.narrowScreenshot, fullPage: true });

    assert.deepEqual(problems, [], "no console errors, failed requests or HTTP errors");
    return {
      progress,
      states,
      retries: chart[0],
      fallbacks: chart[1],
      chartPoints: chart[2],
      workerBars,
      connectedWorkers,
      imageWidths,
      videoDuration: played.duration,
      outputStatuses,
      canPlayH264,
    };
  } finally {
    await page.close();
    await context.close();
  }
}

/** Asserts the progress the page showed only went up and ended at 100 %. */
export function assertProgressClimbed(report: DashboardReport): void {
  const p = report.progress;
  assert.ok(p.length > 0, "the job list showed progress");
  for (let i = 1; i < p.length; i++) {
    assert.ok(p[i] >= p[i - 1], `progress never goes back (${p[i - 1]} → ${p[i]})`);
  }
  assert.equal(p.at(-1), 1, "progress ends at 100 %");
  assert.ok(
    report.states[0] !== "done" && report.states.at(-1) === "done",
    `the job was seen before it was done: states ${report.states.join(" → ")}`,
  );
  assert.ok(p.some((x) => x < 1), `intermediate progress was shown: ${p.join(", ")}`);
}
