import assert from "node:assert/strict";
import {
  DEFAULT_MIN_UPLOAD_RATE,
  DEFAULT_UPLOAD_RATE_WINDOW_MS,
  defaultUploadTimeoutMs,
  meteredConn,
  UploadWatch,
} from "../../src/server/upload_limits.ts";

Deno.test("defaultUploadTimeoutMs: 60 s + 1 s per 256 KiB", () => {
  assert.equal(defaultUploadTimeoutMs(0), 60_000);
  assert.equal(defaultUploadTimeoutMs(256 * 1024), 61_000);
  assert.equal(defaultUploadTimeoutMs(2 * 1024 ** 3), 60_000 + 8192_000);
  const w = new UploadWatch({ size: 1024 * 1024, start: 0 });
  assert.equal(w.timeoutMs, 64_000);
  assert.equal(w.minBytesPerSecond, DEFAULT_MIN_UPLOAD_RATE);
  assert.equal(w.windowMs, DEFAULT_UPLOAD_RATE_WINDOW_MS);
});

Deno.test("UploadWatch: the deadline", () => {
  const w = new UploadWatch({ size: 100, timeoutMs: 5_000, minBytesPerSecond: 0, start: 1000 });
  assert.equal(w.verdict(5_999, 10), undefined);
  assert.equal(w.msUntilNextCheck(2_000), 4_000);
  assert.match(
    w.verdict(6_000, 10)!,
    /^upload not complete within 5 s \(--upload-timeout\): received 10 of 100 bytes$/,
  );
  const none = new UploadWatch({ size: 100, timeoutMs: 0, minBytesPerSecond: 0, start: 0 });
  assert.equal(none.verdict(1e12, 0), undefined);
  assert.equal(none.msUntilNextCheck(5), Infinity);
});

Deno.test("UploadWatch: the minimum rate over a sliding window", () => {
  const w = new UploadWatch({
    size: 1e9,
    timeoutMs: 0,
    minBytesPerSecond: 1000,
    windowMs: 10_000,
    start: 0,
  });
  // Grace: no rate verdict during the first window, however slow.
  assert.equal(w.verdict(9_999, 0), undefined);
  assert.equal(w.msUntilNextCheck(4_000), 6_000);
  // 2000 bytes/s for 10 s: fine.
  for (let t = 0; t < 10_000; t += 100) w.received(200, t);
  assert.equal(w.verdict(10_000, 20_000), undefined);
  // Then a trickle of 1 byte/s: the good seconds leave the window one by one; the client is
  // dropped once fewer than 4.5 of them remain (9000 bytes asked for 9 tenths of the window).
  let droppedAt: number | undefined;
  for (let t = 10_000; t < 30_000; t += 1000) {
    w.received(1, t);
    if (droppedAt === undefined && w.verdict(t + 1, 0)) droppedAt = t;
  }
  assert.ok(droppedAt !== undefined && droppedAt >= 15_000 && droppedAt <= 17_000, `${droppedAt}`);
  const v = w.verdict(30_000, 20_020)!;
  assert.match(
    v,
    /^upload too slow: \d+ bytes in the last 10 s \(0 KiB\/s\), below the minimum of 1 KiB\/s \(--min-upload-rate\); received 20020 of 1000000000 bytes$/,
  );
  // Checks come every tenth of the window once it is due.
  assert.equal(w.msUntilNextCheck(30_250), 750);
  // A gap longer than the window empties it.
  assert.equal(w.inWindow(100_000), 0);
  assert.equal(w.total, 20_000 + 20);
});

Deno.test("UploadWatch: a steady client just above the minimum is never dropped", () => {
  const w = new UploadWatch({ size: 1e9, timeoutMs: 0, minBytesPerSecond: 64 * 1024, start: 0 });
  // 70 KiB/s in 7 KiB pieces every 100 ms, for 60 s.
  for (let t = 0; t < 60_000; t += 100) {
    w.received(7 * 1024, t);
    assert.equal(w.verdict(t + 50, 0), undefined, `at ${t}`);
  }
});

Deno.test("UploadWatch: bad options are refused", () => {
  assert.throws(() => new UploadWatch({ size: 1, timeoutMs: -1, start: 0 }), RangeError);
  assert.throws(() => new UploadWatch({ size: 1, minBytesPerSecond: NaN, start: 0 }), RangeError);
  assert.throws(() => new UploadWatch({ size: 1, windowMs: 5, start: 0 }), RangeError);
});

Deno.test("meteredConn: counts bytes read, everything else is the connection's", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const server = await listener.accept();
  let counted = 0;
  const m = meteredConn(server, (n) => counted += n);
  try {
    await client.write(new Uint8Array(1000));
    const buf = new Uint8Array(4096);
    let got = 0;
    while (got < 1000) got += (await m.read(buf)) ?? 0;
    assert.equal(counted, 1000);
    assert.equal(m.remoteAddr.transport, "tcp");
    await m.write(new Uint8Array([1, 2, 3]));
    assert.equal(await client.read(buf), 3);
    assert.equal(counted, 1000);
  } finally {
    m.close();
    client.close();
    listener.close();
  }
});
