/**
 * Index mapping at plane borders, shared by every kernel that reads outside a plane.
 */

/**
 * Symmetric reflection with the edge sample repeated (ffmpeg boxblur's rule), periodic so any
 * index maps into [0, n): ... 1 0 | 0 1 2 ... n-1 | n-1 n-2 ...
 */
export function mirror(i: i32, n: i32): i32 {
  const p = n << 1;
  let k = i % p;
  if (k < 0) k += p;
  return k < n ? k : p - 1 - k;
}

/**
 * ffmpeg's 3×3 convolution border rule (vf_convolution setup_3x3): -1 maps to 1 (reflection
 * without repeat), n maps to n-1 (reflection with repeat); a 1-sample plane maps both to 0.
 */
export function reflect3(i: i32, n: i32): i32 {
  let k = i < 0 ? -i : i;
  if (k >= n) k = 2 * n - 1 - k;
  return k < 0 ? 0 : k;
}
