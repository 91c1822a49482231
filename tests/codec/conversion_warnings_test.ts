import assert from "node:assert/strict";
import { conversionWarnings, pixelFormatTraits } from "../../src/codec/conversion_warnings.ts";

Deno.test("pixelFormatTraits: bit depth, chroma and alpha from ffmpeg's names", () => {
  const cases: [string, number, string, boolean][] = [
    ["yuv420p", 8, "420", false],
    ["yuvj420p", 8, "420", false],
    ["nv12", 8, "420", false],
    ["yuv420p10le", 10, "420", false],
    ["yuv420p10be", 10, "420", false],
    ["p010le", 10, "420", false],
    ["yuv422p10le", 10, "422", false],
    ["yuv444p12le", 12, "444", false],
    ["yuv444p", 8, "444", false],
    ["yuva420p", 8, "420", true],
    ["yuva444p16le", 16, "444", true],
    ["gbrp10le", 10, "rgb", false],
    ["gbrap12le", 12, "rgb", true],
    ["rgb24", 8, "rgb", false],
    ["rgba", 8, "rgb", true],
    ["rgb48le", 16, "rgb", false],
    ["gray", 8, "gray", false],
    ["gray10le", 10, "gray", false],
    ["yuyv422", 8, "422", false],
    ["v210", 10, "422", false],
    ["yuv411p", 8, "411", false],
    ["something-new", 8, "unknown", false],
  ];
  for (const [name, bitDepth, chroma, alpha] of cases) {
    assert.deepEqual(pixelFormatTraits(name), { bitDepth, chroma, alpha }, name);
  }
});

Deno.test("conversionWarnings: 8-bit 4:2:0 is silent; 10-bit, 4:4:4 and alpha each say what is lost", () => {
  assert.deepEqual(conversionWarnings({ pixelFormat: "yuv420p" }), []);
  assert.deepEqual(conversionWarnings({ pixelFormat: "nv12" }), []);
  assert.deepEqual(conversionWarnings({ pixelFormat: "unknown" }), []);
  const tenBit = conversionWarnings({ pixelFormat: "yuv420p10le" });
  assert.equal(tenBit.length, 1);
  assert.match(tenBit[0], /10-bit \(yuv420p10le\).*output is 8-bit yuv420p/);
  const all = conversionWarnings({ pixelFormat: "yuva444p12le" });
  assert.equal(all.length, 3);
  assert.match(all[0], /12-bit/);
  assert.match(all[1], /4:4:4 \(yuva444p12le\).*4:2:0/);
  assert.match(all[2], /alpha \(transparency\) channel .* dropped/);
  assert.match(conversionWarnings({ pixelFormat: "rgb24" })[0], /colour is RGB/);
});
