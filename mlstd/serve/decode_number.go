package serve

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// scanWindow is how many bytes from its first byte scanNumber may read: a
// sign, eight integer digits, the point, 24 fraction digits, an exponent of
// up to three digits and the byte after it, and a separator, with room to
// spare. A power of two lets masked indexes skip bounds checks.
const scanWindow = 64

// scanRun reads numbers into out[k:] from b[j:], where j is the first
// byte of a number and i is the index after the number before it. It
// stops at a number it does not take, when fewer than scanWindow bytes
// remain, or when out is full, and returns the index after the last
// number read, the next number's first byte and the new k; that first
// byte is -1 if the last number read was not followed by a comma.
//
// Bare zeros, most of an image, are taken by a loop of their own, one
// compare of the zero and its separator each: "0, " (json.dumps) or "0,"
// (Go), whichever separator followed the number before.
func scanRun(b []byte, i, j int, out []float32, k int) (int, int, int) {
	lim := len(b) - scanWindow
	for j >= 0 && j <= lim && uint(k) < uint(len(out)) {
		w := (*[scanWindow]byte)(b[j:])
		v, end, ok := scanDecimal(w)
		if !ok {
			if binary.LittleEndian.Uint16(w[:]) == '0'|','<<8 {
				v, end = 0, 1
			} else if v, end, ok = scanNumber(w); !ok {
				break
			}
		}
		out[k] = v
		k++
		i = j + int(end)
		if w[end&63] != ',' {
			return i, -1, k
		}
		if w[(end+1)&63] == ' ' {
			j = i + 2
			for j >= 0 && j <= lim && uint(k) < uint(len(out)) &&
				binary.LittleEndian.Uint32(b[j:])&0xffffff == '0'|','<<8|' '<<16 {
				out[k] = 0
				k++
				j += 3
			}
			i = j - 2
		} else {
			j = i + 1
			for j >= 0 && j <= lim && uint(k) < uint(len(out)) &&
				binary.LittleEndian.Uint16(b[j:]) == '0'|','<<8 {
				out[k] = 0
				k++
				j += 2
			}
			i = j - 1
		}
	}
	return i, j, k
}

// scanNumber parses the JSON number at the start of w like parseNumber,
// but without a loop per digit, so that the mixed lengths of real data
// (16 or 17 fraction digits, a sign or none, a point or none) cost no
// mispredicted branch: each 8-byte word's digit count comes from a mask
// of its non-digit bytes (bits.TrailingZeros64), a partial word is parsed
// by shifting its digits to the top with zeros below, and the words past
// the first short one count as zero digits. It returns the value and the
// length of the number.
//
// It takes numbers with at most 8 integer digits, at most 24 fraction
// digits, at most 19 digits in all (so the mantissa is exact), a mantissa
// below 2^63 and, if there is an exponent, a decimal exponent within ±22;
// the value is then computed and checked like parseNumber's (see
// fastNumber), so it equals strconv.ParseFloat(s, 32). Anything else, and
// malformed input, reports false and parseNumber or strconv decides.
func scanNumber(w *[scanWindow]byte) (float32, uint, bool) {
	p := uint(0)
	if w[0] == '-' {
		p = 1
	}
	neg := p
	w1 := binary.LittleEndian.Uint64(w[p:])
	ni := digitCount(w1) // integer digits, 0..8
	if ni == 0 || (ni > 1 && w1&0xff == '0') {
		return 0, 0, false // no digits, or a leading zero
	}
	dot := uint(0)
	if w[p+ni] == '.' {
		dot = 1
	}
	f := p + ni + 1 // the fraction's first digit, if dot is 1
	fw1 := binary.LittleEndian.Uint64(w[f:])
	fw2 := binary.LittleEndian.Uint64(w[f+8:])
	fw3 := binary.LittleEndian.Uint64(w[f+16:])
	n1 := digitCount(fw1) * dot
	n2 := digitCount(fw2) & -(n1 >> 3) // counted only if fw1 is all digits
	n3 := digitCount(fw3) & -(n2 >> 3)
	nf := n1 + n2 + n3
	end := p + ni + dot + nf
	if nf < dot || ni+nf > 19 {
		return 0, 0, false // "1." or too many digits
	}
	mant := digitsValue(w1, ni)*pow10u[nf] +
		digitsValue(fw1, n1)*pow10u[n2+n3] + digitsValue(fw2, n2)*pow10u[n3] + digitsValue(fw3, n3)
	if int64(mant) < 0 {
		return 0, 0, false
	}
	r := float64(int64(mant))
	switch c := w[end]; {
	case c == 'e' || c == 'E':
		var e int
		var ok bool
		e, end, ok = scanExponent(w, end+1)
		if !ok {
			return 0, 0, false
		}
		e -= int(nf)
		switch {
		case e >= 0 && e <= 22:
			r *= pow10[e]
		case e < 0 && e >= -22:
			r /= pow10[-e]
		default:
			return 0, 0, false
		}
		if r > math.MaxFloat32 {
			return 0, 0, false
		}
	case c == '.' || (c >= '0' && c <= '9'):
		return 0, 0, false // "1.5.", or more than 24 fraction digits
	default:
		r /= pow10[nf]
	}
	if low := int64(math.Float64bits(r) & (1<<29 - 1)); low > 1<<28-8 && low < 1<<28+8 {
		return 0, 0, false // next to a float32 halfway point: let strconv round it
	}
	v := math.Float32frombits(math.Float32bits(float32(r)) | uint32(neg)<<31)
	return v, end, true
}

// scanDecimal is scanNumber for the form nearly all tensor data takes:
// an optional sign, one integer digit, a point and 1 to 17 fraction
// digits ("0.6980392156862745", "-0.42421296", "1.0"), no exponent. The
// fraction is read as fixed point: each word's digits are kept up to its
// first non-digit by a mask built from that non-digit's bit (no shift by
// a variable count), the second word only if the first is all digits,
// and the 17th digit likewise, so the mantissa is the number times 10^17
// and the value is one division by the exact 1e17. It reports false for
// anything else, leaving it to scanNumber.
func scanDecimal(w *[scanWindow]byte) (float32, uint, bool) {
	neg := uint(0)
	if w[0] == '-' {
		neg = 1
	}
	x := binary.LittleEndian.Uint16(w[neg:])
	ip := uint64(x&0xff) - '0'
	if ip > 9 || x>>8 != '.' {
		return 0, 0, false
	}
	f := neg + 2
	fw1 := binary.LittleEndian.Uint64(w[f:])
	fw2 := binary.LittleEndian.Uint64(w[f+8:])
	fw3 := binary.LittleEndian.Uint64(w[f+16:])
	m1, m2, m3 := nonDigitBits(fw1), nonDigitBits(fw2), nonDigitBits(fw3)
	// k1 and k2 keep the digits before the first non-digit: all of fw1
	// if it has none (m1 == 0), and then those of fw2.
	k1 := (m1&-m1)>>7 - 1
	all1 := uint64(int64(k1) >> 63)
	k2 := ((m2&-m2)>>7 - 1) & all1
	n3 := uint(bits.TrailingZeros64(m3)>>3) & uint(int64(k2)>>63) // digits after 16
	if k1&0xff == 0 || n3 > 1 {
		return 0, 0, false // no fraction digit, or more than 17
	}
	mant := ip*1e17 + eightDigitsValue((fw1-0x3030303030303030)&k1)*1e9 +
		eightDigitsValue((fw2-0x3030303030303030)&k2)*10 + (fw3&0xff-'0')&-uint64(n3)
	end := f + uint(bits.TrailingZeros64(m1)>>3) + uint(bits.TrailingZeros64(m2)>>3)&uint(all1) + n3
	if c := w[end&63]; c|0x20 == 'e' || c == '.' {
		return 0, 0, false
	}
	r := float64(int64(mant)) / 1e17
	if low := int64(math.Float64bits(r) & (1<<29 - 1)); low > 1<<28-8 && low < 1<<28+8 {
		return 0, 0, false // next to a float32 halfway point: let strconv round it
	}
	return math.Float32frombits(math.Float32bits(float32(r)) | uint32(neg)<<31), end, true
}

// nonDigitBits sets the high bit of each byte of v that is not an ASCII
// digit, exactly up to the first such byte (carries run upwards only).
func nonDigitBits(v uint64) uint64 {
	return ((v + 0x4646464646464646) | (v - 0x3030303030303030)) & 0x8080808080808080
}

// eightDigitsValue is parseEight for digit values (0..9) instead of ASCII.
func eightDigitsValue(v uint64) uint64 {
	const mask = 0x000000FF000000FF
	const mul1 = 0x000F424000000064 // 100 + (1000000 << 32)
	const mul2 = 0x0000271000000001 // 1 + (10000 << 32)
	v = v*10 + v>>8
	return uint64(uint32(((v&mask)*mul1 + ((v>>16)&mask)*mul2) >> 32))
}

// scanExponent reads an exponent's optional sign and one to three digits
// from w[i:]; the byte after them must not continue the number.
func scanExponent(w *[scanWindow]byte, i uint) (int, uint, bool) {
	neg := false
	if c := w[i]; c == '+' || c == '-' {
		neg = c == '-'
		i++
	}
	e, f := 0, i
	for ; i-f < 3 && w[i] >= '0' && w[i] <= '9'; i++ {
		e = e*10 + int(w[i]-'0')
	}
	if c := w[i]; i == f || c == '.' || c == 'e' || c == 'E' || (c >= '0' && c <= '9') {
		return 0, i, false
	}
	if neg {
		e = -e
	}
	return e, i, true
}

// digitCount returns how many of the 8 bytes in v (little-endian, the
// first byte lowest) are ASCII digits before the first one that is not.
// eightDigits' test per byte sets a high bit for every non-digit; carries
// only run upwards, so the lowest such bit is exact.
func digitCount(v uint64) uint {
	nonDigits := ((v + 0x4646464646464646) | (v - 0x3030303030303030)) & 0x8080808080808080
	return uint(bits.TrailingZeros64(nonDigits)) >> 3
}

// digitsValue returns the value of the first n (0..8) ASCII digits of v:
// shifted to the top of the word with zero digits below, they are an
// eight-digit number for parseEight's arithmetic.
func digitsValue(v uint64, n uint) uint64 {
	const mask = 0x000000FF000000FF
	const mul1 = 0x000F424000000064 // 100 + (1000000 << 32)
	const mul2 = 0x0000271000000001 // 1 + (10000 << 32)
	v = (v - 0x3030303030303030) << (64 - 8*n)
	v = v*10 + v>>8
	return uint64(uint32(((v&mask)*mul1 + ((v>>16)&mask)*mul2) >> 32))
}

// pow10u holds the powers of ten that fit a uint64.
var pow10u = [...]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}
