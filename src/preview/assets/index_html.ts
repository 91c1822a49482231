/**
 * The dashboard page. Static: every value is filled in by /assets/app.js with `textContent` and
 * DOM properties (never HTML strings), under a Content-Security-Policy that allows only this
 * server's own script, style, images and media.
 */
export const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>vframe preview</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/style.css">
<script src="/assets/app.js" defer></script>
</head>
<body>
<header class="top">
  <h1>vframe <span class="muted">preview</span></h1>
  <span id="conn" class="conn" data-state="connecting" role="status">connecting…</span>
</header>
<main class="layout">
  <div class="side">
    <section class="panel" aria-labelledby="jobs-title">
      <h2 id="jobs-title">Jobs</h2>
      <p id="no-jobs" class="muted">No jobs yet. Send one with <code>deno task client video.mp4</code>.</p>
      <ul id="jobs" class="jobs"></ul>
    </section>
    <section class="panel" aria-labelledby="workers-title">
      <h2 id="workers-title">Workers</h2>
      <p id="queue-line" class="muted">No queue attached.</p>
      <ul id="workers" class="workers"></ul>
    </section>
  </div>
  <section id="detail" class="panel detail" aria-live="polite" hidden>
    <div class="detail-head">
      <h2 id="d-title"></h2>
      <span id="d-state" class="badge"></span>
    </div>
    <p id="d-sub" class="muted"></p>
    <div class="bar big"><span id="d-fill" class="fill"></span></div>
    <p id="d-error" class="error" hidden></p>
    <dl id="d-stats" class="stats"></dl>
    <div class="frames">
      <figure>
        <img id="img-original" alt="latest original frame">
        <figcaption>Original <span id="cap-original" class="muted"></span></figcaption>
      </figure>
      <figure>
        <img id="img-processed" alt="latest processed frame">
        <figcaption>Processed <span id="cap-processed" class="muted"></span></figcaption>
      </figure>
    </div>
    <p id="no-frames" class="muted">Waiting for the first processed frame…</p>
    <h3>Throughput</h3>
    <div id="chart" class="chart"></div>
    <p class="legend">
      <span class="key k-line"></span>frames/s
      <span class="key k-retry"></span>retry
      <span class="key k-fallback"></span>fallback (original used)
    </p>
    <h3>Frames per worker</h3>
    <p id="d-no-workers" class="muted">No frames finished yet.</p>
    <ul id="d-workers" class="bars"></ul>
    <div id="d-output" hidden>
      <h3>Output</h3>
      <video id="video" controls preload="metadata" playsinline></video>
      <p><a id="download" href="#" download>Download the output MP4</a> <span id="d-bytes" class="muted"></span></p>
    </div>
  </section>
</main>
</body>
</html>
`;
