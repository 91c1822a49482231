/**
 * ffmpeg's colour syntax (libavutil/parseutils.c av_parse_color), for drawbox's `color`: a name
 * (case-insensitive, ffmpeg's table of 140), `0xRRGGBB`, `#RRGGBB`, `RRGGBB` or the same with
 * `AA`, each with an optional `@alpha` (0 to 1, or `0x00` to `0xff`); plus `invert`. A colour is
 * held as one number, R·2^24 + G·2^16 + B·2^8 + A; `invert` as 2^32.
 */

/** The number `color=invert` stands for (drawbox inverts the luma instead of painting). */
export const INVERT_COLOR = 2 ** 32;

/** ffmpeg's named colours: `name:rrggbb` pairs. */
const NAMES: ReadonlyMap<string, number> = new Map(
  ("aliceblue:f0f8ff antiquewhite:faebd7 aqua:00ffff aquamarine:7fffd4 azure:f0ffff beige:f5f5dc " +
    "bisque:ffe4c4 black:000000 blanchedalmond:ffebcd blue:0000ff blueviolet:8a2be2 brown:a52a2a " +
    "burlywood:deb887 cadetblue:5f9ea0 chartreuse:7fff00 chocolate:d2691e coral:ff7f50 " +
    "cornflowerblue:6495ed cornsilk:fff8dc crimson:dc143c cyan:00ffff darkblue:00008b darkcyan:008b8b " +
    "darkgoldenrod:b8860b darkgray:a9a9a9 darkgreen:006400 darkkhaki:bdb76b darkmagenta:8b008b " +
    "darkolivegreen:556b2f darkorange:ff8c00 darkorchid:9932cc darkred:8b0000 darksalmon:e9967a " +
    "darkseagreen:8fbc8f darkslateblue:483d8b darkslategray:2f4f4f darkturquoise:00ced1 " +
    "darkviolet:9400d3 deeppink:ff1493 deepskyblue:00bfff dimgray:696969 dodgerblue:1e90ff " +
    "firebrick:b22222 floralwhite:fffaf0 forestgreen:228b22 fuchsia:ff00ff gainsboro:dcdcdc " +
    "ghostwhite:f8f8ff gold:ffd700 goldenrod:daa520 gray:808080 green:008000 greenyellow:adff2f " +
    "honeydew:f0fff0 hotpink:ff69b4 indianred:cd5c5c indigo:4b0082 ivory:fffff0 khaki:f0e68c " +
    "lavender:e6e6fa lavenderblush:fff0f5 lawngreen:7cfc00 lemonchiffon:fffacd lightblue:add8e6 " +
    "lightcoral:f08080 lightcyan:e0ffff lightgoldenrodyellow:fafad2 lightgreen:90ee90 " +
    "lightgrey:d3d3d3 lightpink:ffb6c1 lightsalmon:ffa07a lightseagreen:20b2aa lightskyblue:87cefa " +
    "lightslategray:778899 lightsteelblue:b0c4de lightyellow:ffffe0 lime:00ff00 limegreen:32cd32 " +
    "linen:faf0e6 magenta:ff00ff maroon:800000 mediumaquamarine:66cdaa mediumblue:0000cd " +
    "mediumorchid:ba55d3 mediumpurple:9370d8 mediumseagreen:3cb371 mediumslateblue:7b68ee " +
    "mediumspringgreen:00fa9a mediumturquoise:48d1cc mediumvioletred:c71585 midnightblue:191970 " +
    "mintcream:f5fffa mistyrose:ffe4e1 moccasin:ffe4b5 navajowhite:ffdead navy:000080 oldlace:fdf5e6 " +
    "olive:808000 olivedrab:6b8e23 orange:ffa500 orangered:ff4500 orchid:da70d6 palegoldenrod:eee8aa " +
    "palegreen:98fb98 paleturquoise:afeeee palevioletred:d87093 papayawhip:ffefd5 peachpuff:ffdab9 " +
    "peru:cd853f pink:ffc0cb plum:dda0dd powderblue:b0e0e6 purple:800080 red:ff0000 rosybrown:bc8f8f " +
    "royalblue:4169e1 saddlebrown:8b4513 salmon:fa8072 sandybrown:f4a460 seagreen:2e8b57 " +
    "seashell:fff5ee sienna:a0522d silver:c0c0c0 skyblue:87ceeb slateblue:6a5acd slategray:708090 " +
    "snow:fffafa springgreen:00ff7f steelblue:4682b4 tan:d2b48c teal:008080 thistle:d8bfd8 " +
    "tomato:ff6347 turquoise:40e0d0 violet:ee82ee wheat:f5deb3 white:ffffff whitesmoke:f5f5f5 " +
    "yellow:ffff00 yellowgreen:9acd32")
    .split(" ")
    .map((pair) => pair.split(":"))
    .map(([name, hex]): [string, number] => [name, parseInt(hex, 16)]),
);

const HEX = /^[0-9a-fA-F]+$/;

/** The alpha of `@text`, as ffmpeg reads it (a fraction of 255 truncated, or hex), or NaN. */
function parseAlpha(text: string): number {
  if (text.startsWith("0x")) {
    return HEX.test(text.slice(2)) ? parseInt(text.slice(2), 16) : NaN;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return NaN;
  const a = Number(text);
  return a < 0 || a > 1 ? NaN : Math.trunc(255 * a);
}

/**
 * The colour `text` stands for (see the module's doc), or a sentence saying why it is not one.
 * `random` is refused: frames are filtered independently, so it would change from frame to frame.
 */
export function parseColor(text: string, name = "color"): number | string {
  if (text.toLowerCase() === "invert") return INVERT_COLOR;
  const at = text.indexOf("@");
  let body = at < 0 ? text : text.slice(0, at);
  const prefixed = body.startsWith("#") || body.startsWith("0x");
  if (prefixed) body = body.slice(body.startsWith("#") ? 1 : 2);
  let rgba: number;
  if (prefixed || (body.length > 0 && HEX.test(body))) {
    if (!HEX.test(body) || (body.length !== 6 && body.length !== 8)) {
      return `${name} must be 0xRRGGBB or 0xRRGGBBAA in hex (or #RRGGBB, or a colour name), ` +
        `got '${text}'`;
    }
    const value = parseInt(body, 16);
    rgba = body.length === 8 ? value : value * 256 + 255;
  } else {
    const rgb = NAMES.get(body.toLowerCase());
    if (rgb === undefined) {
      const hint = body.toLowerCase() === "random"
        ? "random colours are not supported (each frame is filtered on its own)"
        : "a colour name such as red or DarkSlateGray, 0xRRGGBB, #RRGGBB, with @alpha if wanted";
      return `${name}: unknown colour '${body}' in '${text}'; expected ${hint}`;
    }
    rgba = rgb * 256 + 255;
  }
  if (at >= 0) {
    const alpha = parseAlpha(text.slice(at + 1));
    if (!(alpha >= 0 && alpha <= 255)) {
      return `${name}: bad alpha in '${text}': give @0 to @1 (or @0x00 to @0xff)`;
    }
    rgba = Math.floor(rgba / 256) * 256 + alpha;
  }
  return rgba;
}

/** A colour as the canonical text writes it: `0xRRGGBBAA`, or `invert`. */
export function formatColor(value: number): string {
  if (value === INVERT_COLOR) return "invert";
  return `0x${value.toString(16).padStart(8, "0")}`;
}

/** The red, green, blue and alpha bytes of a colour (not `invert`). */
export function colorBytes(value: number): [number, number, number, number] {
  return [
    Math.floor(value / 2 ** 24) & 255,
    Math.floor(value / 2 ** 16) & 255,
    Math.floor(value / 2 ** 8) & 255,
    value & 255,
  ];
}
