/**
 * The stream header of an H.264 track in MP4 (its `avcC` box: NAL length size, SPS and PPS NAL
 * units) read in JS, for segment mode's check that encoded chunks join by stream copy: every SPS
 * field as `sps<i>.<name>=<value>`, except the level and the limits x264 derives from it (chunks
 * encoded at different nominal rates declare different levels and decode the same), and each
 * PPS's bytes. Pure; no ffmpeg, so it reads the same on every codec backend.
 */

/** SPS fields that follow from the level alone (x264 sets them from it). */
export const LEVEL_FIELDS: ReadonlySet<string> = new Set([
  "level_idc",
  "log2_max_mv_length_horizontal",
  "log2_max_mv_length_vertical",
  "max_bytes_per_pic_denom",
  "max_bits_per_mb_denom",
]);

/** A NAL unit's payload without its header byte and emulation prevention bytes (RBSP). */
export function unescapeRbsp(nal: Uint8Array): Uint8Array {
  const out = new Uint8Array(nal.length);
  let n = 0;
  let zeros = 0;
  for (let i = 1; i < nal.length; i++) {
    const byte = nal[i];
    if (zeros >= 2 && byte === 3) {
      zeros = 0;
      continue;
    }
    zeros = byte === 0 ? zeros + 1 : 0;
    out[n++] = byte;
  }
  return out.subarray(0, n);
}

/** Reads bits, most significant first; throws RangeError past the end. */
class Bits {
  #at = 0;
  constructor(readonly data: Uint8Array) {}

  get left(): number {
    return this.data.length * 8 - this.#at;
  }

  u(n: number): number {
    if (n > this.left) throw new RangeError("the SPS ends early");
    let value = 0;
    for (let i = 0; i < n; i++, this.#at++) {
      value = value * 2 + ((this.data[this.#at >> 3] >> (7 - (this.#at & 7))) & 1);
    }
    return value;
  }

  ue(): number {
    let zeros = 0;
    while (this.u(1) === 0) {
      if (++zeros > 31) throw new RangeError("an exp-Golomb code longer than 32 bits");
    }
    return 2 ** zeros - 1 + this.u(zeros);
  }

  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }
}

/** profile_idc values whose SPS carries chroma format, bit depths and scaling matrices. */
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/**
 * The fields of an SPS NAL unit (with its header byte), in bitstream order, as `name=value`
 * (indexed names for lists), and its level. Trailing bits past the VUI (none in a standard SPS)
 * are kept as `rbsp_rest`.
 * @throws RangeError when the SPS does not parse (ends early, a code too long).
 */
export function spsFields(
  nal: Uint8Array,
): { fields: [string, number | string][]; level: number } {
  const b = new Bits(unescapeRbsp(nal));
  const fields: [string, number | string][] = [];
  const u = (name: string, n: number) => {
    const v = b.u(n);
    fields.push([name, v]);
    return v;
  };
  const ue = (name: string) => {
    const v = b.ue();
    fields.push([name, v]);
    return v;
  };
  const se = (name: string) => {
    const v = b.se();
    fields.push([name, v]);
    return v;
  };
  const profile = u("profile_idc", 8);
  u("constraint_flags", 8);
  const level = u("level_idc", 8);
  ue("seq_parameter_set_id");
  if (HIGH_PROFILES.has(profile)) {
    const chroma = ue("chroma_format_idc");
    if (chroma === 3) u("separate_colour_plane_flag", 1);
    ue("bit_depth_luma_minus8");
    ue("bit_depth_chroma_minus8");
    u("qpprime_y_zero_transform_bypass_flag", 1);
    if (u("seq_scaling_matrix_present_flag", 1)) {
      for (let i = 0; i < (chroma !== 3 ? 8 : 12); i++) {
        if (!u(`seq_scaling_list_present_flag[${i}]`, 1)) continue;
        let last = 8;
        let next = 8;
        for (let j = 0; j < (i < 6 ? 16 : 64) && next !== 0; j++) {
          const delta = se(`delta_scale[${i}][${j}]`);
          next = (last + delta + 256) % 256;
          if (next !== 0) last = next;
        }
      }
    }
  }
  ue("log2_max_frame_num_minus4");
  const pocType = ue("pic_order_cnt_type");
  if (pocType === 0) ue("log2_max_pic_order_cnt_lsb_minus4");
  else if (pocType === 1) {
    u("delta_pic_order_always_zero_flag", 1);
    se("offset_for_non_ref_pic");
    se("offset_for_top_to_bottom_field");
    const cycle = ue("num_ref_frames_in_pic_order_cnt_cycle");
    for (let i = 0; i < cycle; i++) se(`offset_for_ref_frame[${i}]`);
  }
  ue("max_num_ref_frames");
  u("gaps_in_frame_num_value_allowed_flag", 1);
  ue("pic_width_in_mbs_minus1");
  ue("pic_height_in_map_units_minus1");
  if (!u("frame_mbs_only_flag", 1)) u("mb_adaptive_frame_field_flag", 1);
  u("direct_8x8_inference_flag", 1);
  if (u("frame_cropping_flag", 1)) {
    for (const side of ["left", "right", "top", "bottom"]) ue(`frame_crop_${side}_offset`);
  }
  if (u("vui_parameters_present_flag", 1)) {
    if (u("aspect_ratio_info_present_flag", 1)) {
      if (u("aspect_ratio_idc", 8) === 255) {
        u("sar_width", 16);
        u("sar_height", 16);
      }
    }
    if (u("overscan_info_present_flag", 1)) u("overscan_appropriate_flag", 1);
    if (u("video_signal_type_present_flag", 1)) {
      u("video_format", 3);
      u("video_full_range_flag", 1);
      if (u("colour_description_present_flag", 1)) {
        u("colour_primaries", 8);
        u("transfer_characteristics", 8);
        u("matrix_coefficients", 8);
      }
    }
    if (u("chroma_loc_info_present_flag", 1)) {
      ue("chroma_sample_loc_type_top_field");
      ue("chroma_sample_loc_type_bottom_field");
    }
    if (u("timing_info_present_flag", 1)) {
      u("num_units_in_tick", 32);
      u("time_scale", 32);
      u("fixed_frame_rate_flag", 1);
    }
    const hrd = (kind: string) => {
      const count = ue(`${kind}.cpb_cnt_minus1`) + 1;
      u(`${kind}.bit_rate_scale`, 4);
      u(`${kind}.cpb_size_scale`, 4);
      for (let i = 0; i < count; i++) {
        ue(`${kind}.bit_rate_value_minus1[${i}]`);
        ue(`${kind}.cpb_size_value_minus1[${i}]`);
        u(`${kind}.cbr_flag[${i}]`, 1);
      }
      u(`${kind}.initial_cpb_removal_delay_length_minus1`, 5);
      u(`${kind}.cpb_removal_delay_length_minus1`, 5);
      u(`${kind}.dpb_output_delay_length_minus1`, 5);
      u(`${kind}.time_offset_length`, 5);
    };
    const nal = u("nal_hrd_parameters_present_flag", 1);
    if (nal) hrd("nal_hrd");
    const vcl = u("vcl_hrd_parameters_present_flag", 1);
    if (vcl) hrd("vcl_hrd");
    if (nal || vcl) u("low_delay_hrd_flag", 1);
    u("pic_struct_present_flag", 1);
    if (u("bitstream_restriction_flag", 1)) {
      u("motion_vectors_over_pic_boundaries_flag", 1);
      ue("max_bytes_per_pic_denom");
      ue("max_bits_per_mb_denom");
      ue("log2_max_mv_length_horizontal");
      ue("log2_max_mv_length_vertical");
      ue("max_num_reorder_frames");
      ue("max_dec_frame_buffering");
    }
  }
  // What follows is rbsp_trailing_bits (a 1, then zeros): anything else is kept.
  const trailing = b.left > 0 && b.u(1) === 1;
  const rest: number[] = [];
  while (b.left > 0) rest.push(b.u(Math.min(8, b.left)));
  if (!trailing || rest.some((v) => v !== 0)) fields.push(["rbsp_rest", hex(rest)]);
  return { fields, level };
}

/** Bytes as hex. */
function hex(bytes: ArrayLike<number>): string {
  return Array.from(bytes, (v) => v.toString(16).padStart(2, "0")).join("");
}

/** What an `avcC` box says of the stream's header. */
export interface AvcHeader {
  /**
   * `name=value` lines: the NAL length size, every SPS field except {@link LEVEL_FIELDS}, every
   * PPS's bytes (hex). Equal lines: the chunks' streams join as one.
   */
  fields: string[];
  /** The highest `level_idc` of its SPSs. */
  level?: number;
}

/**
 * Reads an `avcC` box's payload (ISO/IEC 14496-15 5.3.3.1).
 * @throws RangeError when it or an SPS in it does not parse.
 */
export function avcHeader(avcC: Uint8Array): AvcHeader {
  if (avcC.length < 7 || avcC[0] !== 1) throw new RangeError("not an avcC version 1 box");
  const fields = [`nal_length_size=${(avcC[4] & 3) + 1}`];
  let level: number | undefined;
  let at = 6; // after the NAL length size's byte and the SPS count's
  const nals = (kind: string, count: number, each: (nal: Uint8Array, i: number) => void) => {
    for (let i = 0; i < count; i++) {
      if (at + 2 > avcC.length) throw new RangeError(`the avcC box ends in its ${kind}s`);
      const size = (avcC[at] << 8) | avcC[at + 1];
      if (at + 2 + size > avcC.length || size < 1) {
        throw new RangeError(`the avcC box ends in its ${kind}s`);
      }
      each(avcC.subarray(at + 2, at + 2 + size), i);
      at += 2 + size;
    }
  };
  nals("SPS", avcC[5] & 31, (nal, i) => {
    const sps = spsFields(nal);
    level = Math.max(level ?? 0, sps.level);
    for (const [name, value] of sps.fields) {
      if (!LEVEL_FIELDS.has(name)) fields.push(`sps${i}.${name}=${value}`);
    }
  });
  if (at >= avcC.length) throw new RangeError("the avcC box has no PPS count");
  const ppsCount = avcC[at++];
  nals("PPS", ppsCount, (nal, i) => {
    fields.push(`pps${i}=${hex(nal)}`);
  });
  return { fields, ...(level !== undefined ? { level } : {}) };
}
