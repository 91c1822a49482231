/**
 * The filters vframe knows: names, parameters with defaults and ranges, and what each one does
 * to each plane. The parser, the engine, the reference kernels and docs/filters.md all read this
 * table.
 */

/** One named numeric parameter of a filter. */
export interface ParamDef {
  /** Name used in `name=key=value` syntax; positional values fill params in this order. */
  name: string;
  /** Value used when the chain does not give one. */
  default: number;
  /** Smallest accepted value (excluded when `minExclusive`). */
  min: number;
  /** Largest accepted value (included). */
  max: number;
  /** When true the range is (min, max] rather than [min, max]. */
  minExclusive?: boolean;
  /** When true the value must be an integer. */
  integer?: boolean;
  description: string;
}

/** One filter: its parameters and how it relates to ffmpeg. */
export interface FilterDef {
  name: string;
  description: string;
  params: ParamDef[];
  /** The closest ffmpeg `-vf` equivalent, e.g. `gblur=sigma=S`. */
  ffmpeg?: string;
  /** What the filter does to the Y, U and V planes, and how it treats the plane borders. */
  planes?: string;
  /** How the result differs from the ffmpeg equivalent. */
  differences?: string;
}

/** Every filter, in the order the docs list them. */
export const FILTERS: readonly FilterDef[] = deepFreeze(
  [
    {
      name: "blur",
      description: "Gaussian blur. Cost does not depend on sigma.",
      params: [
        {
          name: "sigma",
          default: 2,
          min: 0,
          max: 100,
          minExclusive: true,
          description: "standard deviation in pixels of each plane",
        },
      ],
      ffmpeg: "gblur=sigma=S",
      planes:
        "All three planes, with the same sigma in each plane's own pixels (as gblur does), so " +
        "chroma is blurred twice as far in picture terms. Borders mirror with the edge sample repeated.",
      differences:
        "sigma² < 2/3: one [a, 1-2a, a] pass per direction (a = sigma²/2); otherwise three box " +
        "passes per direction whose odd widths best match sigma² (Kutskir's rule), so the effective " +
        "sigma is quantised for small values (sigma 1 blurs like 0.82). gblur uses a recursive " +
        "(IIR) filter; results differ by a few levels.",
    },
    {
      name: "boxblur",
      description: "Box (mean) blur repeated `passes` times, horizontally then vertically.",
      params: [
        {
          name: "radius",
          default: 2,
          min: 0,
          max: 128,
          integer: true,
          description: "half width of the box: the window is 2·radius+1 samples",
        },
        {
          name: "passes",
          default: 2,
          min: 0,
          max: 10,
          integer: true,
          description: "times the box is applied in each direction (0 or radius 0: no blur)",
        },
      ],
      ffmpeg: "boxblur=luma_radius=R:luma_power=P",
      planes:
        "All three planes with the same radius in each plane's own pixels (ffmpeg's default " +
        "chroma_radius = luma_radius). Borders mirror with the edge sample repeated.",
      differences:
        "Identical to ffmpeg boxblur for radius ≤ 5 and 35 larger radii (those whose rounding " +
        "of the mean one 16-bit multiply reproduces); for the others each pass's mean is within " +
        "1 of ffmpeg's. ffmpeg refuses a radius above min(w, h)/2 of any plane; vframe keeps " +
        "mirroring. Radius is capped at 128.",
    },
    {
      name: "grayscale",
      description: "Removes colour.",
      params: [],
      ffmpeg: "hue=s=0",
      planes: "Y unchanged; U and V set to 128.",
    },
    {
      name: "invert",
      description: "Photographic negative.",
      params: [],
      ffmpeg: "negate",
      planes: "Every plane: 255 - x.",
    },
    {
      name: "eq",
      description: "Brightness, contrast and gamma of the luma.",
      params: [
        {
          name: "brightness",
          default: 0,
          min: -1,
          max: 1,
          description: "added to the normalised luma",
        },
        {
          name: "contrast",
          default: 1,
          min: -1000,
          max: 1000,
          description: "scales the normalised luma around 0.5",
        },
        { name: "gamma", default: 1, min: 0.1, max: 10, description: "luma gamma" },
      ],
      ffmpeg: "eq=brightness=B:contrast=C:gamma=G",
      planes:
        "Y only (U and V unchanged), point-wise, with ffmpeg eq's own integer arithmetic: its " +
        "linear fixed-point path when gamma = 1 and |contrast| < 7.9, its table otherwise; the " +
        "defaults leave the frame untouched.",
    },
    {
      name: "saturation",
      description: "Scales colour saturation; 0 is grey, 1 unchanged, negative inverts hue.",
      params: [
        {
          name: "amount",
          default: 1.5,
          min: -10,
          max: 10,
          description: "chroma gain around 128",
        },
      ],
      ffmpeg: "hue=s=A",
      planes: "U and V: 128 + amount·(x - 128), rounded as ffmpeg hue does; Y unchanged.",
    },
    {
      name: "sepia",
      description: "Old-photograph brown tone.",
      params: [],
      ffmpeg: "colorchannelmixer=.393:.769:.189:0:.349:.686:.168:0:.272:.534:.131",
      planes:
        "Y, U and V all derived from the luma: the sepia matrix applied to the grey of each " +
        "sample (BT.601, limited range), chroma from the mean of the 2×2 luma block it covers.",
      differences:
        "Computed from luma alone: the input's colours are discarded (colorchannelmixer's rows are " +
        "close to luma weights, so the difference is small). Luma is brightened ~22% and highlights " +
        "clip, as with the ffmpeg preset.",
    },
    {
      name: "sharpen",
      description: "Unsharp mask: x + amount·(x - gaussian(x)).",
      params: [
        {
          name: "amount",
          default: 1,
          min: -2,
          max: 5,
          description: "strength; negative values blur",
        },
        {
          name: "sigma",
          default: 1,
          min: 0,
          max: 100,
          minExclusive: true,
          description: "sigma of the blur that is subtracted (see blur)",
        },
      ],
      ffmpeg: "unsharp=luma_amount=A",
      planes: "Y only (U and V unchanged), like unsharp's default chroma_amount=0.",
      differences:
        "The blurred copy is vframe's Gaussian (see blur) where unsharp uses a box-like matrix " +
        "(luma_msize_x/y, default 5); amount is applied in steps of 1/512.",
    },
    {
      name: "edges",
      description: "Sobel edge magnitude as a grey image.",
      params: [],
      ffmpeg: "sobel=planes=1,lutyuv=y=val:u=128:v=128",
      planes: "Y: min(255, trunc(sqrt(gx² + gy²))); U and V set to 128. Borders as ffmpeg's " +
        "convolution filters (-1 reflects to 1, n to n-1).",
    },
    {
      name: "emboss",
      description: "Emboss: 3×3 convolution '-2 -1 0 / -1 1 1 / 0 1 2'.",
      params: [],
      ffmpeg: "convolution='-2 -1 0 -1 1 1 0 1 2:-2 -1 0 -1 1 1 0 1 2:-2 -1 0 -1 1 1 0 1 2'",
      planes:
        "All three planes (the kernel sums to 1, so flat chroma keeps its value). Borders as " +
        "ffmpeg's convolution filters (-1 reflects to 1, n to n-1).",
    },
    {
      name: "pixelate",
      description: "Mosaic: every block becomes its average.",
      params: [
        {
          name: "block",
          default: 16,
          min: 1,
          max: 256,
          integer: true,
          description: "block size in luma pixels",
        },
      ],
      ffmpeg: "pixelize=w=B:h=B:m=avg",
      planes:
        "U and V in c × c squares from the top-left corner, c = max(1, floor(block/2)), and Y in " +
        "2c × 2c squares (an odd block is rounded down to even, as ffmpeg does); blocks cut by " +
        "the right and bottom edges average what they cover. Mean rounded down.",
    },
    {
      name: "threshold",
      description: "Black and white: luma at or above `level` becomes white.",
      params: [
        {
          name: "level",
          default: 128,
          min: 0,
          max: 255,
          integer: true,
          description: "luma threshold",
        },
      ],
      ffmpeg: "lutyuv=y='if(gte(val,L),255,0)':u=128:v=128",
      planes: "Y: 255 when x ≥ level else 0; U and V set to 128.",
    },
    {
      name: "hflip",
      description: "Mirror left-right.",
      params: [],
      ffmpeg: "hflip",
      planes: "Every plane.",
    },
    {
      name: "vflip",
      description: "Mirror top-bottom.",
      params: [],
      ffmpeg: "vflip",
      planes: "Every plane.",
    },
  ] satisfies FilterDef[],
);

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

const BY_NAME = new Map(FILTERS.map((f) => [f.name, f]));

/** The filter named `name` (case-sensitive), or undefined. */
export function findFilter(name: string): FilterDef | undefined {
  return BY_NAME.get(name);
}

/** Text of a parameter's range, e.g. `(0, 100]` or `[0, 128]`. */
export function formatRange(p: ParamDef): string {
  return `${p.minExclusive ? "(" : "["}${p.min}, ${p.max}]`;
}
