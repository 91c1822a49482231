// @ts-check
/**
 * The dashboard's script (served as /assets/app.js): listens to /api/events (Server-Sent Events),
 * lists jobs with what they are doing, progress, speed and ETA, and the workers with their own
 * speed; for the selected job fetches /api/jobs/:id/live to show the latest (or a picked) original
 * and processed frame, the grid of sampled frames, a throughput chart (inline SVG) with retries
 * and fallbacks on a timeline strip, latency and frames per worker (live while it runs), and the
 * output video once done. A running job can be cancelled (POST /api/jobs/:id/cancel); the
 * server's token, when it asks for one, is typed once and kept in this tab's sessionStorage.
 *
 * Plain ES2020 in a classic script, no dependencies, no build step: the browser runs this file
 * as it is. Values from the server are put into the page with textContent and DOM properties only.
 *
 * `// @ts-check` makes `deno check src/` type-check it (JSDoc types; the API's shapes are the
 * server's own TypeScript types), and `deno lint` lints it. The DOM's types come from
 * ./browser.d.ts (see there why not from the global `dom` lib).
 */
"use strict";
(function () {
  /** @typedef {import("../summary.ts").JobSummary} JobSummary */
  /** @typedef {import("../summary.ts").JobLive} JobLive */
  /** @typedef {import("../events.ts").Snapshot} Snapshot */
  /** @typedef {import("../status.ts").QueueStatus} QueueStatus */
  /** @typedef {import("../../protocol/result.ts").JobResult} JobResult */
  /** @typedef {import("./browser.d.ts").HTMLElement} HTMLElement */
  /** @typedef {import("./browser.d.ts").HTMLButtonElement} HTMLButtonElement */
  /** @typedef {import("./browser.d.ts").HTMLImageElement} HTMLImageElement */
  /** @typedef {import("./browser.d.ts").HTMLVideoElement} HTMLVideoElement */
  /** @typedef {import("./browser.d.ts").HTMLAnchorElement} HTMLAnchorElement */
  /** @typedef {import("./browser.d.ts").HTMLInputElement} HTMLInputElement */
  /** @typedef {import("./browser.d.ts").SVGElement} SVGElement */

  const { document, history, location, sessionStorage } =
    /** @type {import("./browser.d.ts").BrowserGlobals} */ (/** @type {unknown} */ (globalThis));

  /** Where this tab keeps the server's token once the server accepted it (sessionStorage). */
  const TOKEN_KEY = "vframe-preview-token";

  const SVG = "http://www.w3.org/2000/svg";

  /**
   * How the workers panel names the workers of the queue backends it knows; any other backend's
   * are "<backend> workers", so a new backend needs no change here.
   */
  const WORKER_KINDS = new Map([
    ["bullmq", "BullMQ workers online"],
    ["embedded", "embedded pool threads"],
  ]);

  /**
   * @type {{
   *   jobs: JobSummary[];
   *   queue: QueueStatus | null;
   *   selected: string | null;
   *   pinned: boolean;
   *   live: JobLive | null;
   *   loading: boolean;
   *   again: boolean;
   *   shownSample: number | null;
   *   pickedSample: number | null;
   *   shownVideo: string | null;
   *   cancelFor: string | null;
   *   cancelling: boolean;
   * }}
   */
  const state = {
    jobs: [],
    queue: null,
    selected: null,
    pinned: false,
    live: null,
    loading: false,
    again: false,
    shownSample: null,
    pickedSample: null,
    shownVideo: null,
    cancelFor: null,
    cancelling: false,
  };

  /**
   * The page's element with this id (index.html has every id this script asks for).
   * @param {string} id
   * @returns {HTMLElement}
   */
  function $(id) {
    const e = document.getElementById(id);
    if (!e) throw new Error("the page has no element #" + id);
    return e;
  }

  /**
   * @param {string} tag
   * @param {string} [cls]
   * @param {string | number | null} [text]
   * @returns {HTMLElement}
   */
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  /**
   * @param {string} tag
   * @param {Record<string, string | number>} attrs
   * @returns {SVGElement}
   */
  function svg(tag, attrs) {
    const e = document.createElementNS(SVG, tag);
    for (const k in attrs) e.setAttribute(k, String(attrs[k]));
    return e;
  }

  /**
   * @param {number | null | undefined} n
   * @param {number} digits
   */
  function fmtNum(n, digits) {
    if (n === null || n === undefined || !isFinite(n)) return "–";
    return Number(n).toFixed(digits);
  }

  /** @param {number | null | undefined} s */
  function fmtSeconds(s) {
    if (s === null || s === undefined || !isFinite(s)) return "–";
    if (s < 60) return fmtNum(s, s < 10 ? 1 : 0) + " s";
    const m = Math.floor(s / 60);
    const r = Math.round(s - m * 60);
    return m + " min " + (r < 10 ? "0" : "") + r + " s";
  }

  /** @param {number | null | undefined} ms */
  function fmtMs(ms) {
    if (ms === null || ms === undefined || !isFinite(ms)) return "–";
    return ms < 1000 ? Math.round(ms) + " ms" : fmtNum(ms / 1000, 2) + " s";
  }

  /** @param {number} b */
  function fmtBytes(b) {
    if (!isFinite(b)) return "";
    if (b < 1024) return b + " B";
    if (b < 1048576) return fmtNum(b / 1024, 1) + " KiB";
    return fmtNum(b / 1048576, 1) + " MiB";
  }

  /** @param {JobSummary} summary */
  function pct(summary) {
    return summary.progress === null ? "–" : Math.floor(summary.progress * 100) + "%";
  }

  /** @param {string} id */
  function jobUrl(id) {
    return "/api/jobs/" + encodeURIComponent(id);
  }

  /**
   * @param {string} s
   * @param {string} text
   */
  function setConn(s, text) {
    const c = $("conn");
    c.dataset.state = s;
    c.textContent = text;
  }

  // ---- job list -----------------------------------------------------------------------------
  /** @param {JobSummary} j */
  function metaLine(j) {
    const parts = [pct(j), j.done + "/" + (j.total || "?") + " frames"];
    if (j.state === "running") {
      parts.push(j.stageLabel);
      parts.push(fmtNum(j.fps, 1) + " fps");
      parts.push("ETA " + fmtSeconds(j.etaSeconds));
    } else if (j.state === "done") {
      parts.push(fmtNum(j.fps, 1) + " fps");
    }
    if (j.fallback) parts.push(j.fallback + " fallback");
    return parts.join(" · ");
  }

  function renderJobs() {
    const list = $("jobs");
    list.replaceChildren();
    $("no-jobs").hidden = state.jobs.length > 0;
    state.jobs.forEach(function (j) {
      const li = el("li", "job state-" + j.state);
      li.dataset.id = j.id;
      li.dataset.state = j.state;
      if (j.id === state.selected) li.classList.add("selected");
      const b = /** @type {HTMLButtonElement} */ (el("button"));
      b.type = "button";
      b.setAttribute("aria-pressed", j.id === state.selected ? "true" : "false");
      const line = el("span", "job-line");
      line.append(
        el("span", "job-name", j.fileName),
        el("span", "badge state-" + j.state, j.state),
      );
      const bar = el("span", "bar");
      const fill = el("span", "fill");
      fill.style.width = (j.progress === null ? 0 : j.progress * 100) + "%";
      bar.append(fill);
      const meta = el("span", "job-meta", metaLine(j));
      meta.dataset.progress = j.progress === null ? "" : String(j.progress);
      b.append(line, bar, meta);
      b.addEventListener("click", function () {
        select(j.id, true);
      });
      li.append(b);
      list.append(li);
    });
  }

  /** @param {QueueStatus | null} q */
  function renderQueue(q) {
    const line = $("queue-line");
    const list = $("workers");
    list.replaceChildren();
    if (!q) {
      line.textContent = "No queue attached.";
      return;
    }
    if (!q.up) {
      line.textContent = q.backend + " queue not answering";
      return;
    }
    // Only live workers count; those whose heartbeat stopped are listed apart for a while.
    const offline = q.offline || [];
    const kind = WORKER_KINDS.get(q.backend) ?? q.backend + " workers";
    line.textContent = q.workers.length + " " + kind +
      (offline.length ? " · " + offline.length + " offline" : "") + " · " + q.depth +
      " frames waiting";
    line.dataset.live = String(q.workers.length);
    line.dataset.offline = String(offline.length);
    q.workers.forEach(function (w) {
      const li = el("li", "online");
      li.dataset.state = "online";
      li.dataset.worker = w.id;
      li.dataset.fps = w.fps === null ? "" : String(w.fps);
      li.append(
        el("span", "", w.id),
        el(
          "span",
          "muted",
          "online · " + fmtNum(w.fps, 1) + " fps · " + w.processed + " done · " + w.busy + " busy",
        ),
      );
      list.append(li);
    });
    offline.forEach(function (w) {
      const li = el("li", "offline");
      li.dataset.state = "offline";
      li.dataset.worker = w.id;
      li.dataset.fps = "0";
      li.append(
        el("span", "", w.id),
        el(
          "span",
          "muted",
          "offline · last seen " + fmtSeconds(w.lastSeenMs / 1000) + " ago · " +
            w.processed + " done",
        ),
      );
      list.append(li);
    });
  }

  // ---- selection and detail ------------------------------------------------------------------
  /**
   * @param {string} id
   * @param {boolean} pinned
   */
  function select(id, pinned) {
    if (pinned) state.pinned = true;
    if (state.selected === id) return;
    state.selected = id;
    state.live = null;
    state.shownSample = null;
    state.pickedSample = null;
    closeCancel();
    if (id && history.replaceState) {
      history.replaceState(null, "", "#job=" + encodeURIComponent(id));
    }
    renderJobs();
    loadLive();
  }

  function autoSelect() {
    const running = state.jobs.filter(function (j) {
      return j.state === "running";
    });
    const current = state.jobs.filter(function (j) {
      return j.id === state.selected;
    })[0];
    if (current) {
      // Follow the newest running job unless the person picked one.
      if (state.pinned || current.state === "running" || !running.length) return;
    } else if (state.pinned) {
      state.pinned = false;
    }
    const pick = running.length ? running[0] : state.jobs[0];
    if (pick) select(pick.id, false);
    else {
      state.selected = null;
      $("detail").hidden = true;
    }
  }

  function loadLive() {
    const id = state.selected;
    if (!id) return;
    if (state.loading) {
      state.again = true;
      return;
    }
    state.loading = true;
    fetch(jobUrl(id) + "/live", { cache: "no-store" })
      .then(function (r) {
        return r.ok ? r.json() : null;
      })
      .then(/** @param {JobLive | null} live */ function (live) {
        if (live && id === state.selected) {
          state.live = live;
          renderDetail(live);
        }
      })
      .catch(function () {
        // The next event retries.
      })
      .finally(function () {
        state.loading = false;
        if (state.again) {
          state.again = false;
          loadLive();
        }
      });
  }

  /**
   * @param {HTMLElement} dl
   * @param {string} name
   * @param {string} value
   */
  function stat(dl, name, value) {
    const d = el("div");
    d.append(el("dt", "", name), el("dd", "", value));
    d.dataset.stat = name;
    dl.append(d);
  }

  /** @param {JobLive} live */
  function renderDetail(live) {
    const s = live.summary;
    const r = live.result;
    $("detail").hidden = false;
    $("detail").dataset.id = s.id;
    $("detail").dataset.state = s.state;
    $("d-title").textContent = s.fileName;
    const badge = $("d-state");
    badge.className = "badge state-" + s.state;
    badge.textContent = s.state;
    const cancellable = s.state === "running" || s.state === "queued";
    $("d-cancel").hidden = !cancellable;
    if (!cancellable && state.cancelFor === s.id) closeCancel();
    $("d-sub").textContent = s.filter + " · " + s.width + "×" + s.height + " · " +
      fmtNum(r.input.fps, 2) + " fps input · " + r.backend.queue + " queue · " + r.backend.codec +
      " codec · job " + s.id;
    const fill = $("d-fill");
    fill.style.width = (s.progress === null ? 0 : s.progress * 100) + "%";
    fill.classList.toggle("done", s.state === "done");
    const err = $("d-error");
    err.hidden = !s.error;
    err.textContent = s.error || "";
    const warnings = r.warnings || [];
    const warn = $("d-warnings");
    warn.hidden = warnings.length === 0;
    warn.textContent = warnings.join(" · ");

    const dl = $("d-stats");
    dl.replaceChildren();
    stat(dl, "progress", pct(s));
    stat(dl, "stage", s.stageLabel);
    stat(dl, "frames", s.done + " / " + (s.total || "?"));
    stat(dl, s.state === "running" ? "speed" : "throughput", fmtNum(s.fps, 1) + " fps");
    stat(dl, "ETA", s.state === "running" ? fmtSeconds(s.etaSeconds) : "–");
    stat(dl, "retried", String(r.frames.retried));
    stat(dl, "fallback", String(r.frames.fallback));
    stat(dl, "latency p50/p95", fmtMs(r.latencyMs.p50) + " / " + fmtMs(r.latencyMs.p95));
    if (s.state === "done") {
      stat(dl, "decode", fmtMs(r.timings.decode));
      stat(dl, "process", fmtMs(r.timings.process));
      stat(dl, "encode", fmtMs(r.timings.encode));
      stat(dl, "total", fmtMs(r.timings.total));
    }

    renderFrames(s, live);
    renderSamples(live);
    renderChart(live);
    renderPerWorker(r.framesPerWorker || {});
    renderOutput(s, r);
  }

  /**
   * Never change an image's src while it is still loading: the browser would abort that
   * request. The newest URL waits until the current one has loaded (or failed).
   * @param {HTMLImageElement} img
   * @param {string} url
   */
  function setFrameSrc(img, url) {
    if (!img.dataset.queued) {
      img.dataset.queued = "1";
      const next = function () {
        const pending = img.dataset.next;
        if (pending) {
          delete img.dataset.next;
          img.src = pending;
        }
      };
      img.addEventListener("load", next);
      img.addEventListener("error", next);
    }
    if (img.getAttribute("src") && !img.complete) img.dataset.next = url;
    else img.src = url;
  }

  /**
   * @param {JobSummary} s
   * @param {JobLive} live
   */
  function renderFrames(s, live) {
    const picked = state.pickedSample;
    const keptPicked = live.samples.some(function (x) {
      return x.index === picked && x.processed;
    });
    if (picked !== null && !keptPicked) state.pickedSample = null;
    const idx = state.pickedSample !== null ? state.pickedSample : live.latestSample;
    $("no-frames").hidden = idx !== null;
    if (idx === null || idx === state.shownSample) return;
    state.shownSample = idx;
    const info = live.samples.filter(function (x) {
      return x.index === idx;
    })[0];
    const base = jobUrl(s.id) + "/frames/" + idx + "?variant=";
    ["original", "processed"].forEach(function (v) {
      const img = /** @type {HTMLImageElement} */ ($("img-" + v));
      img.style.aspectRatio = s.width + " / " + s.height;
      setFrameSrc(img, base + v);
      const cap = $("cap-" + v);
      cap.textContent = "frame " + idx;
      if (v === "processed" && info && info.fallback) {
        cap.textContent = "frame " + idx + " (fallback: original used)";
        cap.className = "fallback";
      } else {
        cap.className = "muted";
      }
    });
  }

  /**
   * The grid of sampled frames: one cell per kept frame, filtered (or fallen back) or still
   * waiting; clicking a ready one shows it above, clicking it again follows the newest again.
   * @param {JobLive} live
   */
  function renderSamples(live) {
    const grid = $("d-samples");
    grid.replaceChildren();
    $("d-no-samples").hidden = live.samples.length > 0;
    grid.dataset.count = String(live.samples.length);
    live.samples.forEach(function (x) {
      const li = el("li");
      const kind = !x.processed ? "waiting" : x.fallback ? "fallback" : "filtered";
      li.dataset.index = String(x.index);
      li.dataset.state = kind;
      const b = /** @type {HTMLButtonElement} */ (el("button", "sample " + kind, x.index));
      b.type = "button";
      b.title = "frame " + x.index + ": " + (kind === "waiting" ? "not filtered yet" : kind);
      b.disabled = !x.processed;
      b.setAttribute("aria-pressed", state.pickedSample === x.index ? "true" : "false");
      b.addEventListener("click", function () {
        state.pickedSample = state.pickedSample === x.index ? null : x.index;
        if (state.live) renderDetail(state.live);
      });
      li.append(b);
      grid.append(li);
    });
  }

  // ---- cancel ---------------------------------------------------------------------------------
  /** The token this tab keeps, if any (sessionStorage can be unavailable: then none). */
  function storedToken() {
    try {
      return sessionStorage.getItem(TOKEN_KEY);
    } catch {
      return null;
    }
  }

  /** @param {string | null} token */
  function keepToken(token) {
    try {
      if (token) sessionStorage.setItem(TOKEN_KEY, token);
      else sessionStorage.removeItem(TOKEN_KEY);
    } catch {
      // Not kept: the page asks again next time.
    }
  }

  /**
   * @param {string} kind
   * @param {string} text
   */
  function cancelMessage(kind, text) {
    const m = $("cancel-msg");
    m.dataset.state = kind;
    m.className = kind === "error" || kind === "token" ? "error" : "muted";
    m.textContent = text;
  }

  function openCancel() {
    const id = state.selected;
    if (!id) return;
    state.cancelFor = id;
    $("cancel-form").hidden = false;
    $("cancel-question").textContent = "Stop this job? Its frames are dropped everywhere, its " +
      "client gets “cancelled” and no output is kept.";
    $("cancel-token-row").hidden = true;
    cancelMessage("", "");
  }

  function closeCancel() {
    state.cancelFor = null;
    $("cancel-form").hidden = true;
    /** @type {HTMLInputElement} */ ($("cancel-token")).value = "";
  }

  /** Sends the cancel: with the kept token, or the one typed; asks for one on 401. */
  function sendCancel() {
    const id = state.cancelFor;
    if (!id || state.cancelling) return;
    const input = /** @type {HTMLInputElement} */ ($("cancel-token"));
    const typed = input.value.trim();
    const token = typed || storedToken();
    /** @type {Record<string, string>} */
    const headers = {};
    if (token) headers.authorization = "Bearer " + token;
    state.cancelling = true;
    /** @type {HTMLButtonElement} */ ($("cancel-confirm")).disabled = true;
    cancelMessage("sending", "Cancelling…");
    fetch(jobUrl(id) + "/cancel", { method: "POST", headers: headers, cache: "no-store" })
      .then(function (r) {
        return r.json().catch(function () {
          return {};
        }).then(/** @param {{ error?: string }} body */ function (body) {
          if (r.status === 202) {
            if (typed) keepToken(typed);
            input.value = "";
            $("cancel-token-row").hidden = true;
            cancelMessage("sent", "Cancel sent: the job stops in a moment.");
          } else if (r.status === 401) {
            keepToken(null);
            $("cancel-token-row").hidden = false;
            cancelMessage(
              "token",
              (typed ? "The server refused this token. " : "This server needs its token. ") +
                "Paste the server's token (its --token, VFRAME_TOKEN or " +
                "~/.config/vframe/token); this tab keeps it until you close it.",
            );
            input.focus();
          } else {
            cancelMessage("error", body.error || "The preview answered HTTP " + r.status + ".");
          }
        });
      })
      .catch(function () {
        cancelMessage("error", "The preview did not answer; try again.");
      })
      .finally(function () {
        state.cancelling = false;
        /** @type {HTMLButtonElement} */ ($("cancel-confirm")).disabled = false;
      });
  }

  /**
   * Frames per second between points of the series at least 400 ms apart (and up to the last).
   * @param {[number, number][]} series `[msSinceStart, framesDone]`
   * @returns {[number, number][]} `[msSinceStart, fps]`
   */
  function fpsSeries(series) {
    /** @type {[number, number][]} */
    const out = [];
    if (!series.length) return out;
    /** @type {[number, number]} */
    let base = [0, 0];
    for (let i = 0; i < series.length; i++) {
      const p = series[i];
      const dt = p[0] - base[0];
      if (dt >= 400 || (i === series.length - 1 && dt > 0)) {
        out.push([p[0], (p[1] - base[1]) * 1000 / dt]);
        base = p;
      }
    }
    return out;
  }

  /** @param {JobLive} live */
  function renderChart(live) {
    const W = 600, H = 220, L = 62, R = 10, T = 10, B = 48;
    const box = $("chart");
    const pts = fpsSeries(live.series);
    const events = live.timeline;
    let tMax = 1;
    if (live.series.length) tMax = Math.max(tMax, live.series[live.series.length - 1][0]);
    if (events.length) tMax = Math.max(tMax, events[events.length - 1].t);
    let fMax = 1;
    pts.forEach(function (p) {
      fMax = Math.max(fMax, p[1]);
    });
    fMax = Math.ceil(fMax * 1.15);
    const plotH = H - T - B;
    /** @param {number} t */
    const x = function (t) {
      return L + (W - L - R) * t / tMax;
    };
    /** @param {number} f */
    const y = function (f) {
      return T + plotH - plotH * f / fMax;
    };
    const root = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img" });
    const title = svg("title", {});
    title.textContent = "Frames per second over time, with retries and fallbacks marked";
    root.append(title);
    [0.5, 1].forEach(function (f) {
      root.append(
        svg("line", { class: "grid", x1: L, x2: W - R, y1: y(fMax * f), y2: y(fMax * f) }),
      );
    });
    root.append(svg("line", { class: "axis", x1: L, x2: L, y1: T, y2: T + plotH }));
    root.append(svg("line", { class: "axis", x1: L, x2: W - R, y1: T + plotH, y2: T + plotH }));
    /**
     * @param {string} text
     * @param {number} xx
     * @param {number} yy
     * @param {"start" | "end"} anchor
     */
    const label = function (text, xx, yy, anchor) {
      const t = svg("text", { x: xx, y: yy, "text-anchor": anchor });
      t.textContent = text;
      root.append(t);
    };
    label(String(fMax), L - 6, T + 10, "end");
    label("0", L - 6, T + plotH, "end");
    label("0 s", L, T + plotH + 14, "start");
    label(fmtNum(tMax / 1000, 1) + " s", W - R, T + plotH + 14, "end");
    label("fps", L - 6, T + plotH / 2, "end");
    if (pts.length) {
      const line = [[x(0), y(pts[0][1])]].concat(pts.map(function (p) {
        return [x(p[0]), y(p[1])];
      }));
      const d = line.map(function (p) {
        return fmtNum(p[0], 1) + "," + fmtNum(p[1], 1);
      }).join(" ");
      const area = fmtNum(x(0), 1) + "," + fmtNum(y(0), 1) + " " + d + " " +
        fmtNum(line[line.length - 1][0], 1) + "," + fmtNum(y(0), 1);
      root.append(svg("polygon", { class: "area", points: area }));
      root.append(svg("polyline", { class: "fps", points: d }));
    }
    // Timeline strip under the axis: one tick per retry (upper row) or fallback (lower row).
    const stripY = T + plotH + 22;
    label("retry", L - 6, stripY + 7, "end");
    label("fallback", L - 6, stripY + 21, "end");
    let retries = 0, fallbacks = 0;
    events.forEach(function (ev) {
      const fb = ev.kind === "fallback";
      if (fb) fallbacks++;
      else retries++;
      const yy = fb ? stripY + 14 : stripY;
      const tick = svg("line", {
        class: fb ? "fallback" : "retry",
        x1: x(ev.t),
        x2: x(ev.t),
        y1: yy,
        y2: yy + 9,
      });
      const tip = svg("title", {});
      tip.textContent = ev.kind + " frame " + ev.index + (ev.reason ? ": " + ev.reason : "");
      tick.append(tip);
      root.append(tick);
    });
    box.dataset.retries = String(retries);
    box.dataset.fallbacks = String(fallbacks);
    box.dataset.points = String(pts.length);
    box.replaceChildren(root);
  }

  /** @param {Record<string, number>} per frames done per worker id */
  function renderPerWorker(per) {
    const list = $("d-workers");
    list.replaceChildren();
    const names = Object.keys(per).sort();
    $("d-no-workers").hidden = names.length > 0;
    let max = 1;
    names.forEach(function (n) {
      max = Math.max(max, per[n]);
    });
    names.forEach(function (n) {
      const li = el("li");
      li.dataset.worker = n;
      const bar = el("span", "bar");
      const fill = el("span", "fill");
      fill.style.width = (per[n] / max * 100) + "%";
      bar.append(fill);
      li.append(el("span", "name", n), bar, el("span", "", per[n]));
      list.append(li);
    });
  }

  /**
   * @param {JobSummary} s
   * @param {JobResult} r
   */
  function renderOutput(s, r) {
    const box = $("d-output");
    box.hidden = !s.hasOutput;
    if (!s.hasOutput) return;
    const url = jobUrl(s.id) + "/output.mp4";
    if (state.shownVideo !== url) {
      state.shownVideo = url;
      const video = /** @type {HTMLVideoElement} */ ($("video"));
      const download = /** @type {HTMLAnchorElement} */ ($("download"));
      video.src = url;
      download.href = url + "?download=1";
    }
    $("d-bytes").textContent = r.outputBytes ? "(" + fmtBytes(r.outputBytes) + ")" : "";
  }

  // ---- live updates --------------------------------------------------------------------------
  /** @param {Snapshot} snap */
  function onSnapshot(snap) {
    state.jobs = snap.jobs;
    state.queue = snap.queue;
    renderQueue(snap.queue);
    autoSelect();
    renderJobs();
    const id = state.selected;
    if (!id) return;
    const summary = snap.jobs.filter(function (j) {
      return j.id === id;
    })[0];
    const running = summary && summary.state === "running";
    if (!state.live || snap.changed.indexOf(id) >= 0 || running) loadLive();
  }

  function connect() {
    $("d-cancel").addEventListener("click", openCancel);
    $("cancel-dismiss").addEventListener("click", closeCancel);
    $("cancel-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      sendCancel();
    });
    const m = /^#job=(.+)$/.exec(location.hash);
    if (m) {
      state.selected = decodeURIComponent(m[1]);
      state.pinned = true;
    }
    const es = new EventSource("/api/events");
    es.addEventListener("snapshot", function (ev) {
      setConn("live", "live");
      onSnapshot(/** @type {Snapshot} */ (JSON.parse(ev.data)));
    });
    es.addEventListener("error", function () {
      setConn("reconnecting", "reconnecting…");
    });
  }

  connect();
})();
