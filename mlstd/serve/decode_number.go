package serve

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// scanWindow is how many bytes from a number's first byte scanRun and
// scanNumber may read (scanRun one more, after a sign): a sign, eight
// integer digits, the point, 24 fraction digits, an exponent of up to
// three digits, the byte after it and a separator, with room to spare. A
// power of two lets masked indexes skip bounds checks.
const scanWindow = 64

// scanRun reads numbers into out[k:] from b[j:], where j is the first
// byte of a number and i is the index after the number before it. It
// stops at a number it does not take, when fewer than scanWindow+1 bytes
// remain, or when out has room for fewer than 8 more, and returns the
// index after the last number read, the next number's first byte and the
// new k; that first byte is -1 if the last number read was not followed
// by a comma.
//
// The form nearly all tensor data takes, an optional sign, one integer
// digit, a point and 1 to 17 fraction digits ("0.6980392156862745",
// "-0.42421296", "1.0"), is read inline as fixed point: the fraction's
// first two 8-byte words are parsed with parseEight's arithmetic, each
// keeping its digits up to its first non-digit (a mask made from that
// non-digit's bit, no shift by a variable count; the second word only if
// the first is all digits), and a 17th digit is added from the third, so
// the mantissa is the number times 10^17 and the value one division by the
// exact 1e17, checked like parseNumber's (see fastNumber). No loop runs
// per digit. The sign, and whether the fraction has 16 or 17 digits (as
// Python's float64 reprs do) or fewer, are branches that predict well for
// a given client, rather than arithmetic, so that the next number's
// position depends on as few loads as possible (all-number data with
// random signs pays a mispredicted branch per sign change instead; a
// branch-free sign measured slower on images). An exponent after such a
// fraction (Python's form for values below 1e-4) is applied to the digits
// as an integer, with one rounding. Other numbers go through scanNumber;
// the few it leaves stop the run.
//
// Bare zeros, most of an image, are taken up to 8 at a time after each
// other number: the bytes that match a run of zeros with the separator
// that followed that number (24 bytes of "0, 0, 0, ..." as json.dumps
// writes it, 16 of "0,0,0,..." as Go does; a trailing-zero count of each
// word XORed with the pattern) count whole zeros. A run costs one step per
// 8 zeros and one loop exit, and as most runs are shorter than 8 the exit
// is mostly taken at the first step, which predicts well.
func scanRun(b []byte, i, j int, out []float32, k int) (int, int, int) {
	lim := len(b) - scanWindow - 1 // room for a sign before the window
	py := false                    // the separator is ", " (json.dumps), not ","
	for j >= 0 && j <= lim && k >= 0 && k <= len(out)-8 {
		w := (*[scanWindow]byte)(b[j:])
		var v float32
		var end uint
		// [-]d.ddd with 1 to 17 fraction digits, as fixed point.
		sign := uint32(0)
		d := w
		if w[0] == '-' {
			sign, d = 1<<31, (*[scanWindow]byte)(b[j+1:])
		}
		x := binary.LittleEndian.Uint16(d[:])
		ip := uint64(x&0xff) - '0'
		ok := false
		if ip <= 9 && x>>8 == '.' {
			fw1 := binary.LittleEndian.Uint64(d[2:])
			fw2 := binary.LittleEndian.Uint64(d[10:])
			fw3 := binary.LittleEndian.Uint64(d[18:])
			m1, m2, m3 := nonDigitBits(fw1), nonDigitBits(fw2), nonDigitBits(fw3)
			var mant uint64
			var n uint     // fraction digits
			var whole bool // all of them read: at least one, at most 17
			if m1|m2 == 0 {
				has17 := m3>>7&1 ^ 1 // a 17th digit
				d17 := (fw3&0xff - '0') & -has17
				n, whole = 16+uint(has17), m3&0x8080 != 0
				mant = ip*1e17 + eightDigitsValue(fw1-0x3030303030303030)*1e9 +
					eightDigitsValue(fw2-0x3030303030303030)*10 + d17
			} else {
				k1 := (m1&-m1)>>7 - 1 // the digits before fw1's first non-digit
				all1 := uint64(int64(k1) >> 63)
				k2 := ((m2&-m2)>>7 - 1) & all1
				n, whole = uint(bits.TrailingZeros64(m1)>>3)+uint(bits.TrailingZeros64(m2)>>3)&uint(all1), m1&0x80 == 0
				mant = ip*1e17 + eightDigitsValue((fw1-0x3030303030303030)&k1)*1e9 +
					eightDigitsValue((fw2-0x3030303030303030)&k2)*10
			}
			r := float64(int64(mant)) / 1e17
			end = n + 2
			c := d[end&63]
			ok = whole && c|0x20 != 'e' && c != '.' && !nearHalfway(r)
			if whole && c|0x20 == 'e' {
				// Python's form for small values ("6.980392156862745e-06"):
				// the digits as an integer (dropping the fixed point's
				// trailing zeros), times 10^(exponent - n), one rounding.
				var e int
				e, end, ok = scanExponent(d, end+1)
				e -= int(n)
				if ok = ok && e >= -22 && e <= 22; ok {
					r = float64(int64(mant / pow10u[17-n]))
					if e < 0 {
						r /= pow10[-e]
					} else {
						r *= pow10[e]
					}
					ok = r <= math.MaxFloat32 && !nearHalfway(r)
				}
			}
			v = math.Float32frombits(math.Float32bits(float32(r)) | sign)
			end += uint(sign >> 31)
		}
		if !ok { // a bare 0 first in a run, or another form
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
		py = w[(end+1)&63] == ' '
		if py {
			j = i + 2
			for j >= 0 && j <= lim && k >= 0 && k <= len(out)-8 {
				m1 := uint(bits.TrailingZeros64(binary.LittleEndian.Uint64(b[j:])^zeros3Py)) >> 3
				m2 := uint(bits.TrailingZeros64(binary.LittleEndian.Uint64(b[j+8:])^zeros3Py2)) >> 3
				m3 := uint(bits.TrailingZeros64(binary.LittleEndian.Uint64(b[j+16:])^zeros3Py3)) >> 3
				m := m1 + (m2+m3&-(m2>>3))&-(m1>>3)
				n := m * 11 >> 5 // whole "0, " in m bytes: m/3
				*(*[8]float32)(out[k:]) = [8]float32{}
				k += int(n)
				j += int(n) * 3
				if n < 8 {
					break
				}
			}
			i = j - 2
		} else {
			j = i + 1
			for j >= 0 && j <= lim && k >= 0 && k <= len(out)-8 {
				m := uint(bits.TrailingZeros64(binary.LittleEndian.Uint64(b[j:])^zeros4Go)) >> 3
				m += uint(bits.TrailingZeros64(binary.LittleEndian.Uint64(b[j+8:])^zeros4Go)>>3) & -(m >> 3)
				*(*[8]float32)(out[k:]) = [8]float32{}
				k += int(m >> 1) // whole "0," in m bytes
				j += int(m &^ 1)
				if m < 16 {
					break
				}
			}
			i = j - 1
		}
	}
	return i, j, k
}

// The zero runs scanRun takes whole, as little-endian words: "0, 0, 0,",
// " 0, 0, 0" and ", 0, 0, " (json.dumps), "0,0,0,0," (Go).
const (
	zeros3Py  = 0x2c30202c30202c30
	zeros3Py2 = 0x30202c30202c3020
	zeros3Py3 = 0x202c30202c30202c
	zeros4Go  = 0x2c302c302c302c30
)

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
	if nearHalfway(r) {
		return 0, 0, false // next to a float32 halfway point: let strconv round it
	}
	v := math.Float32frombits(math.Float32bits(float32(r)) | uint32(neg)<<31)
	return v, end, true
}

// nonDigitBits sets the high bit of each byte of v that is not an ASCII
// digit (eightDigits' test per byte). Carries and borrows run upwards
// only, so the bits are exact up to and including the first non-digit;
// those above it may be wrong and are never used.
func nonDigitBits(v uint64) uint64 {
	return ((v + 0x4646464646464646) | (v - 0x3030303030303030)) & 0x8080808080808080
}

// eightDigitsValue is parseEight for digit values (0..9) instead of ASCII
// digits: v with '0' subtracted from each byte.
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
func digitCount(v uint64) uint {
	return uint(bits.TrailingZeros64(nonDigitBits(v))) >> 3
}

// digitsValue returns the value of the first n (0..8) ASCII digits of v:
// shifted to the top of the word with zero digits below, they are an
// eight-digit number. Bytes past them may borrow, but only upwards, and
// the shift drops them.
func digitsValue(v uint64, n uint) uint64 {
	return eightDigitsValue((v - 0x3030303030303030) << (64 - 8*n))
}

// pow10u holds the powers of ten that fit a uint64.
var pow10u = [...]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}
