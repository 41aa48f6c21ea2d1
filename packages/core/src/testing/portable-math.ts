/**
 * Natural logarithm and exponential computed with IEEE-754 `+ − × ÷` only, so the seeded
 * distributions of {@link Prng} give the same bits on every JavaScript engine and CPU.
 * `Math.log`/`Math.exp` are only specified as "implementation-approximated": V8 happens to use
 * fdlibm, other engines need not. These are straight ports of fdlibm 5.3's `__ieee754_log` and
 * `__ieee754_exp` (error < 1 ulp), with the words of a double read through a big-endian DataView
 * so the host's byte order never matters.
 */

const words = new DataView(new ArrayBuffer(8));

function highWord(x: number): number {
  words.setFloat64(0, x);
  return words.getInt32(0);
}

function lowWord(x: number): number {
  words.setFloat64(0, x);
  return words.getUint32(4);
}

function withHighWord(x: number, high: number): number {
  words.setFloat64(0, x);
  words.setInt32(0, high);
  return words.getFloat64(0);
}

const LN2_HI = 0.6931471803691238; // 0x3fe62e42 fee00000
const LN2_LO = 1.9082149292705877e-10; // 0x3dea39ef 35793c76
const TWO54 = 18014398509481984; // 0x43500000 00000000
const LG1 = 0.6666666666666735; // 0x3fe55555 55555593
const LG2 = 0.3999999999940942; // 0x3fd99999 9997fa04
const LG3 = 0.2857142874366239; // 0x3fd24924 94229359
const LG4 = 0.22222198432149784; // 0x3fcc71c5 1d8e78af
const LG5 = 0.1818357216161805; // 0x3fc74664 96cb03de
const LG6 = 0.15313837699209373; // 0x3fc39a09 d078c69f
const LG7 = 0.14798198605116586; // 0x3fc2f112 df3e5244

/** ln(x), bit-identical on every platform (fdlibm `__ieee754_log`). */
export function portableLog(x: number): number {
  let hx = highWord(x);
  const lx = lowWord(x);
  let k = 0;
  if (hx < 0x00100000) {
    // x < 2^-1022: zero, negative, NaN with the sign bit, or subnormal.
    if (((hx & 0x7fffffff) | lx) === 0) return Number.NEGATIVE_INFINITY;
    if (hx < 0) return Number.NaN;
    k -= 54;
    x *= TWO54;
    hx = highWord(x);
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const i = (hx + 0x95f64) & 0x100000;
  x = withHighWord(x, hx | (i ^ 0x3ff00000)); // normalize x or x/2
  k += i >> 20;
  const f = x - 1.0;
  if ((0x000fffff & (2 + hx)) < 3) {
    // |f| < 2^-20
    if (f === 0) {
      if (k === 0) return 0;
      return k * LN2_HI + k * LN2_LO;
    }
    const r = f * f * (0.5 - 0.3333333333333333 * f);
    if (k === 0) return f - r;
    return k * LN2_HI - (r - k * LN2_LO - f);
  }
  const s = f / (2.0 + f);
  const dk = k;
  const z = s * s;
  let j = hx - 0x6147a;
  const w = z * z;
  const j2 = 0x6b851 - hx;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  j |= j2;
  const r = t2 + t1;
  if (j > 0) {
    const hfsq = 0.5 * f * f;
    if (k === 0) return f - (hfsq - s * (hfsq + r));
    return dk * LN2_HI - (hfsq - (s * (hfsq + r) + dk * LN2_LO) - f);
  }
  if (k === 0) return f - s * (f - r);
  return dk * LN2_HI - (s * (f - r) - dk * LN2_LO - f);
}

const O_THRESHOLD = 709.782712893384; // 0x40862e42 fefa39ef
const U_THRESHOLD = -745.1332191019411; // 0xc0874910 d52d3051
const INV_LN2 = Math.LOG2E; // 0x3ff71547 652b82fe, a spec-exact constant
const TWO_M1000 = 9.332636185032189e-302; // 2^-1000
const P1 = 0.16666666666666602; // 0x3fc55555 5555553e
const P2 = -0.0027777777777015593; // 0xbf66c16c 16bebd93
const P3 = 6.613756321437934e-5; // 0x3f11566a af25de2c
const P4 = -1.6533902205465252e-6; // 0xbebbbd41 c5d26bf1
const P5 = 4.1381367970572385e-8; // 0x3e663769 72bea4d0

/** e^x, bit-identical on every platform (fdlibm `__ieee754_exp`). */
export function portableExp(x: number): number {
  // fdlibm is 1 ulp high at exactly 1; V8 returns the correctly rounded constant, and so do we.
  if (x === 1) return Math.E;
  let hx = highWord(x);
  const negative = hx < 0;
  hx &= 0x7fffffff;
  if (hx >= 0x40862e42) {
    // |x| >= 709.78…
    if (hx >= 0x7ff00000) {
      if (((hx & 0xfffff) | lowWord(x)) !== 0) return x + x; // NaN
      return negative ? 0 : x; // exp(±Infinity)
    }
    if (x > O_THRESHOLD) return Number.POSITIVE_INFINITY;
    if (x < U_THRESHOLD) return 0;
  }
  let hi = 0;
  let lo = 0;
  let k = 0;
  if (hx > 0x3fd62e42) {
    // |x| > 0.5 ln2: reduce to x − k ln2
    if (hx < 0x3ff0a2b2) {
      // and |x| < 1.5 ln2
      hi = negative ? x + LN2_HI : x - LN2_HI;
      lo = negative ? -LN2_LO : LN2_LO;
      k = negative ? -1 : 1;
    } else {
      k = Math.trunc(INV_LN2 * x + (negative ? -0.5 : 0.5));
      hi = x - k * LN2_HI; // exact: k * LN2_HI has trailing zero bits
      lo = k * LN2_LO;
    }
    x = hi - lo;
  } else if (hx < 0x3e300000) {
    // |x| < 2^-28
    return 1 + x;
  }
  const t = x * x;
  const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k === 0) return 1 - ((x * c) / (c - 2.0) - x);
  const y = 1 - (lo - (x * c) / (2.0 - c) - hi);
  if (k >= -1021) return withHighWord(y, highWord(y) + (k << 20));
  return withHighWord(y, highWord(y) + ((k + 1000) << 20)) * TWO_M1000;
}
