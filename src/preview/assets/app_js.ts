/**
 * The dashboard's script (served as /assets/app.js): listens to /api/events (Server-Sent Events),
 * lists jobs with progress, speed and ETA, and for the selected job fetches /api/jobs/:id/live to
 * show the latest original and processed frames, a throughput chart (inline SVG) with retries
 * and fallbacks on a timeline strip, frames per worker, and the output video once done.
 * Plain ES2020 with no dependencies; it contains no backquotes, backslashes or dollar-brace
 * sequences, so it sits verbatim in this template string (a test checks that it parses).
 */
export const APP_JS =
  `// vframe preview dashboard. Plain ES2020, no dependencies. Values from the server are put into
// the page with textContent and DOM properties only.
"use strict";
(function () {
  var SVG = "http://www.w3.org/2000/svg";
  var state = {
    jobs: [],
    queue: null,
    selected: null,
    pinned: false,
    live: null,
    loading: false,
    again: false,
    shownSample: null,
    shownVideo: null,
  };

  function $(id) {
    return document.getElementById(id);
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function svg(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) e.setAttribute(k, String(attrs[k]));
    return e;
  }

  function fmtNum(n, digits) {
    if (n === null || n === undefined || !isFinite(n)) return "–";
    return Number(n).toFixed(digits);
  }

  function fmtSeconds(s) {
    if (s === null || s === undefined || !isFinite(s)) return "–";
    if (s < 60) return fmtNum(s, s < 10 ? 1 : 0) + " s";
    var m = Math.floor(s / 60);
    var r = Math.round(s - m * 60);
    return m + " min " + (r < 10 ? "0" : "") + r + " s";
  }

  function fmtMs(ms) {
    if (ms === null || ms === undefined || !isFinite(ms)) return "–";
    return ms < 1000 ? Math.round(ms) + " ms" : fmtNum(ms / 1000, 2) + " s";
  }

  function fmtBytes(b) {
    if (!isFinite(b)) return "";
    if (b < 1024) return b + " B";
    if (b < 1048576) return fmtNum(b / 1024, 1) + " KiB";
    return fmtNum(b / 1048576, 1) + " MiB";
  }

  function pct(summary) {
    return summary.progress === null ? "–" : Math.floor(summary.progress * 100) + "%";
  }

  function jobUrl(id) {
    return "/api/jobs/" + encodeURIComponent(id);
  }

  function setConn(s, text) {
    var c = $("conn");
    c.dataset.state = s;
    c.textContent = text;
  }

  // ---- job list -----------------------------------------------------------------------------
  function metaLine(j) {
    var parts = [pct(j), j.done + "/" + (j.total || "?") + " frames"];
    if (j.state === "running") {
      parts.push(fmtNum(j.fps, 1) + " fps");
      parts.push("ETA " + fmtSeconds(j.etaSeconds));
    } else if (j.state === "done") {
      parts.push(fmtNum(j.fps, 1) + " fps");
    }
    if (j.fallback) parts.push(j.fallback + " fallback");
    return parts.join(" · ");
  }

  function renderJobs() {
    var list = $("jobs");
    list.replaceChildren();
    $("no-jobs").hidden = state.jobs.length > 0;
    state.jobs.forEach(function (j) {
      var li = el("li", "job state-" + j.state);
      li.dataset.id = j.id;
      li.dataset.state = j.state;
      if (j.id === state.selected) li.classList.add("selected");
      var b = el("button");
      b.type = "button";
      b.setAttribute("aria-pressed", j.id === state.selected ? "true" : "false");
      var line = el("span", "job-line");
      line.append(el("span", "job-name", j.fileName), el("span", "badge state-" + j.state, j.state));
      var bar = el("span", "bar");
      var fill = el("span", "fill");
      fill.style.width = (j.progress === null ? 0 : j.progress * 100) + "%";
      bar.append(fill);
      var meta = el("span", "job-meta", metaLine(j));
      meta.dataset.progress = j.progress === null ? "" : String(j.progress);
      b.append(line, bar, meta);
      b.addEventListener("click", function () {
        select(j.id, true);
      });
      li.append(b);
      list.append(li);
    });
  }

  function renderQueue(q) {
    var line = $("queue-line");
    var list = $("workers");
    list.replaceChildren();
    if (!q) {
      line.textContent = "No queue attached.";
      return;
    }
    if (!q.up) {
      line.textContent = q.backend + " queue not answering";
      return;
    }
    var kind = q.backend === "bullmq" ? "BullMQ workers connected" : "embedded pool threads";
    line.textContent = q.workers.length + " " + kind + " · " + q.depth + " frames waiting";
    q.workers.forEach(function (w) {
      var li = el("li");
      li.append(el("span", "", w.id), el("span", "muted", w.processed + " done · " + w.busy + " busy"));
      list.append(li);
    });
  }

  // ---- selection and detail ------------------------------------------------------------------
  function select(id, pinned) {
    if (pinned) state.pinned = true;
    if (state.selected === id) return;
    state.selected = id;
    state.live = null;
    state.shownSample = null;
    if (id && history.replaceState) history.replaceState(null, "", "#job=" + encodeURIComponent(id));
    renderJobs();
    loadLive();
  }

  function autoSelect() {
    var running = state.jobs.filter(function (j) {
      return j.state === "running";
    });
    var current = state.jobs.filter(function (j) {
      return j.id === state.selected;
    })[0];
    if (current) {
      // Follow the newest running job unless the person picked one.
      if (state.pinned || current.state === "running" || !running.length) return;
    } else if (state.pinned) {
      state.pinned = false;
    }
    var pick = running.length ? running[0] : state.jobs[0];
    if (pick) select(pick.id, false);
    else {
      state.selected = null;
      $("detail").hidden = true;
    }
  }

  function loadLive() {
    var id = state.selected;
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
      .then(function (live) {
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

  function stat(dl, name, value) {
    var d = el("div");
    d.append(el("dt", "", name), el("dd", "", value));
    d.dataset.stat = name;
    dl.append(d);
  }

  function renderDetail(live) {
    var s = live.summary;
    var r = live.result;
    $("detail").hidden = false;
    $("detail").dataset.id = s.id;
    $("detail").dataset.state = s.state;
    $("d-title").textContent = s.fileName;
    var badge = $("d-state");
    badge.className = "badge state-" + s.state;
    badge.textContent = s.state;
    $("d-sub").textContent = s.filter + " · " + s.width + "×" + s.height + " · " +
      fmtNum(r.input.fps, 2) + " fps input · " + r.backend.queue + " queue · " + r.backend.codec +
      " codec · job " + s.id;
    var fill = $("d-fill");
    fill.style.width = (s.progress === null ? 0 : s.progress * 100) + "%";
    fill.classList.toggle("done", s.state === "done");
    var err = $("d-error");
    err.hidden = !s.error;
    err.textContent = s.error || "";

    var dl = $("d-stats");
    dl.replaceChildren();
    stat(dl, "progress", pct(s));
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
    renderChart(live);
    renderPerWorker(r.framesPerWorker || {});
    renderOutput(s, r);
  }

  // Never change an image's src while it is still loading: the browser would abort that
  // request. The newest URL waits until the current one has loaded (or failed).
  function setFrameSrc(img, url) {
    if (!img.dataset.queued) {
      img.dataset.queued = "1";
      var next = function () {
        var pending = img.dataset.next;
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

  function renderFrames(s, live) {
    var idx = live.latestSample;
    $("no-frames").hidden = idx !== null;
    if (idx === null || idx === state.shownSample) return;
    state.shownSample = idx;
    var info = live.samples.filter(function (x) {
      return x.index === idx;
    })[0];
    var base = jobUrl(s.id) + "/frames/" + idx + "?variant=";
    ["original", "processed"].forEach(function (v) {
      var img = $("img-" + v);
      img.style.aspectRatio = s.width + " / " + s.height;
      setFrameSrc(img, base + v);
      var cap = $("cap-" + v);
      cap.textContent = "frame " + idx;
      if (v === "processed" && info && info.fallback) {
        cap.textContent = "frame " + idx + " (fallback: original used)";
        cap.className = "fallback";
      } else {
        cap.className = "muted";
      }
    });
  }

  function fpsSeries(series) {
    var out = [];
    if (!series.length) return out;
    var base = [0, 0];
    for (var i = 0; i < series.length; i++) {
      var p = series[i];
      var dt = p[0] - base[0];
      if (dt >= 400 || (i === series.length - 1 && dt > 0)) {
        out.push([p[0], (p[1] - base[1]) * 1000 / dt]);
        base = p;
      }
    }
    return out;
  }

  function renderChart(live) {
    var W = 600, H = 220, L = 62, R = 10, T = 10, B = 48;
    var box = $("chart");
    var pts = fpsSeries(live.series);
    var events = live.timeline;
    var tMax = 1;
    if (live.series.length) tMax = Math.max(tMax, live.series[live.series.length - 1][0]);
    if (events.length) tMax = Math.max(tMax, events[events.length - 1].t);
    var fMax = 1;
    pts.forEach(function (p) {
      fMax = Math.max(fMax, p[1]);
    });
    fMax = Math.ceil(fMax * 1.15);
    var plotH = H - T - B;
    var x = function (t) {
      return L + (W - L - R) * t / tMax;
    };
    var y = function (f) {
      return T + plotH - plotH * f / fMax;
    };
    var root = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img" });
    root.append(svg("title", {}));
    root.firstChild.textContent = "Frames per second over time, with retries and fallbacks marked";
    [0.5, 1].forEach(function (f) {
      root.append(svg("line", { class: "grid", x1: L, x2: W - R, y1: y(fMax * f), y2: y(fMax * f) }));
    });
    root.append(svg("line", { class: "axis", x1: L, x2: L, y1: T, y2: T + plotH }));
    root.append(svg("line", { class: "axis", x1: L, x2: W - R, y1: T + plotH, y2: T + plotH }));
    var label = function (text, xx, yy, anchor) {
      var t = svg("text", { x: xx, y: yy, "text-anchor": anchor });
      t.textContent = text;
      root.append(t);
    };
    label(String(fMax), L - 6, T + 10, "end");
    label("0", L - 6, T + plotH, "end");
    label("0 s", L, T + plotH + 14, "start");
    label(fmtNum(tMax / 1000, 1) + " s", W - R, T + plotH + 14, "end");
    label("fps", L - 6, T + plotH / 2, "end");
    if (pts.length) {
      var line = [[x(0), y(pts[0][1])]].concat(pts.map(function (p) {
        return [x(p[0]), y(p[1])];
      }));
      var d = line.map(function (p) {
        return fmtNum(p[0], 1) + "," + fmtNum(p[1], 1);
      }).join(" ");
      var area = fmtNum(x(0), 1) + "," + fmtNum(y(0), 1) + " " + d + " " +
        fmtNum(line[line.length - 1][0], 1) + "," + fmtNum(y(0), 1);
      root.append(svg("polygon", { class: "area", points: area }));
      root.append(svg("polyline", { class: "fps", points: d }));
    }
    // Timeline strip under the axis: one tick per retry (upper row) or fallback (lower row).
    var stripY = T + plotH + 22;
    label("retry", L - 6, stripY + 7, "end");
    label("fallback", L - 6, stripY + 21, "end");
    var retries = 0, fallbacks = 0;
    events.forEach(function (ev) {
      var fb = ev.kind === "fallback";
      if (fb) fallbacks++;
      else retries++;
      var yy = fb ? stripY + 14 : stripY;
      var tick = svg("line", { class: fb ? "fallback" : "retry", x1: x(ev.t), x2: x(ev.t), y1: yy, y2: yy + 9 });
      var tip = svg("title", {});
      tip.textContent = ev.kind + " frame " + ev.index + (ev.reason ? ": " + ev.reason : "");
      tick.append(tip);
      root.append(tick);
    });
    box.dataset.retries = String(retries);
    box.dataset.fallbacks = String(fallbacks);
    box.dataset.points = String(pts.length);
    box.replaceChildren(root);
  }

  function renderPerWorker(per) {
    var list = $("d-workers");
    list.replaceChildren();
    var names = Object.keys(per).sort();
    $("d-no-workers").hidden = names.length > 0;
    var max = 1;
    names.forEach(function (n) {
      max = Math.max(max, per[n]);
    });
    names.forEach(function (n) {
      var li = el("li");
      li.dataset.worker = n;
      var bar = el("span", "bar");
      var fill = el("span", "fill");
      fill.style.width = (per[n] / max * 100) + "%";
      bar.append(fill);
      li.append(el("span", "name", n), bar, el("span", "", per[n]));
      list.append(li);
    });
  }

  function renderOutput(s, r) {
    var box = $("d-output");
    box.hidden = !s.hasOutput;
    if (!s.hasOutput) return;
    var url = jobUrl(s.id) + "/output.mp4";
    if (state.shownVideo !== url) {
      state.shownVideo = url;
      $("video").src = url;
      $("download").href = url + "?download=1";
    }
    $("d-bytes").textContent = r.outputBytes ? "(" + fmtBytes(r.outputBytes) + ")" : "";
  }

  // ---- live updates --------------------------------------------------------------------------
  function onSnapshot(snap) {
    state.jobs = snap.jobs;
    state.queue = snap.queue;
    renderQueue(snap.queue);
    autoSelect();
    renderJobs();
    var id = state.selected;
    if (!id) return;
    var summary = snap.jobs.filter(function (j) {
      return j.id === id;
    })[0];
    var running = summary && summary.state === "running";
    if (!state.live || snap.changed.indexOf(id) >= 0 || running) loadLive();
  }

  function connect() {
    var m = /^#job=(.+)$/.exec(location.hash);
    if (m) {
      state.selected = decodeURIComponent(m[1]);
      state.pinned = true;
    }
    var es = new EventSource("/api/events");
    es.addEventListener("snapshot", function (ev) {
      setConn("live", "live");
      onSnapshot(JSON.parse(ev.data));
    });
    es.addEventListener("error", function () {
      setConn("reconnecting", "reconnecting…");
    });
  }

  connect();
})();
`;
