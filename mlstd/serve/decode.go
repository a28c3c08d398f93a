package serve

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// inferRequest is the part of a v2 $inference_request the server uses.
type inferRequest struct {
	ID      string
	HasID   bool
	Inputs  []requestInput
	Outputs []string // requested output names; nil means all
}

// requestInput is one $request_input. Data holds the elements in row-major
// order, whether the request sent them flat or nested.
type requestInput struct {
	Name     string
	Shape    []int
	Datatype string
	Data     []float32
	HasData  bool
	// Nest is the nesting of "data": the length of its arrays at each
	// depth (Nest[0] is the outer array's), or nil if arrays at the same
	// depth differ in length or numbers and arrays are mixed. A flat
	// array has one entry.
	Nest []int
	// BinarySize is the "binary_data_size" parameter of the binary tensor
	// data extension: the input's bytes follow the JSON header; -1 if unset.
	BinarySize int
}

// decoder is a small JSON reader for inference requests. encoding/json
// decodes a 50,000-element "data" array an order of magnitude slower than
// the model runs, so the request is parsed here in one pass: numbers go
// straight into a []float32, everything the server does not use (request
// and tensor "parameters", unknown keys) is skipped after validation.
type decoder struct {
	b   []byte
	i   int
	buf []float32 // the tensor data being read
}

// errSyntax marks malformed JSON; the message says where.
type syntaxError struct {
	off  int
	msg  string
	data bool // the JSON may be valid, but not as FP32 tensor data
}

func (e *syntaxError) Error() string {
	if e.data {
		return fmt.Sprintf("serve: bad tensor data at offset %d: %s", e.off, e.msg)
	}
	return fmt.Sprintf("serve: invalid JSON at offset %d: %s", e.off, e.msg)
}

func (d *decoder) fail(msg string) error {
	if d.i >= len(d.b) {
		msg = "unexpected end of input (truncated body?)"
	}
	return &syntaxError{off: d.i, msg: msg}
}

func (d *decoder) failData(msg string) error {
	return &syntaxError{off: d.i, msg: msg, data: true}
}

func (d *decoder) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end of input.
func (d *decoder) peek() byte {
	d.ws()
	if d.i >= len(d.b) {
		return 0
	}
	return d.b[d.i]
}

func (d *decoder) expect(c byte) error {
	if d.peek() != c {
		if d.i >= len(d.b) {
			return d.fail("unexpected end of input (truncated body?)")
		}
		return d.fail(fmt.Sprintf("expected %q, found %q", c, d.b[d.i]))
	}
	d.i++
	return nil
}

// parseInferRequest decodes body; errors are client errors (HTTP 400).
func parseInferRequest(body []byte) (*inferRequest, error) {
	d := &decoder{b: body}
	req := &inferRequest{}
	var seen keySet
	err := d.object(func(key string) error {
		if err := seen.add(key, "the request"); err != nil {
			return err
		}
		switch key {
		case "id":
			s, err := d.str()
			req.ID, req.HasID = s, true
			return err
		case "inputs":
			return d.array(func() error {
				in, err := d.input()
				if err == nil {
					req.Inputs = append(req.Inputs, in)
				}
				return err
			})
		case "outputs":
			req.Outputs = []string{}
			return d.array(func() error {
				return d.object(func(k string) error {
					if k != "name" {
						return d.skip()
					}
					s, err := d.str()
					req.Outputs = append(req.Outputs, s)
					return err
				})
			})
		default: // "parameters" and extensions: validated, not used
			return d.skip()
		}
	})
	if err != nil {
		return nil, err
	}
	if d.peek() != 0 {
		return nil, d.fail("data after the request object")
	}
	return req, nil
}

func (d *decoder) input() (requestInput, error) {
	in := requestInput{BinarySize: -1}
	var seen keySet
	err := d.object(func(key string) error {
		if err := seen.add(key, "an input"); err != nil {
			return err
		}
		var err error
		switch key {
		case "name":
			in.Name, err = d.str()
		case "datatype":
			in.Datatype, err = d.str()
		case "shape":
			in.Shape = in.Shape[:0]
			err = d.array(func() error {
				n, err := d.dim()
				in.Shape = append(in.Shape, n)
				return err
			})
		case "parameters":
			err = d.object(func(k string) error {
				if k != "binary_data_size" {
					return d.skip()
				}
				n, err := d.dim()
				in.BinarySize = n
				return err
			})
		case "data":
			if in.Datatype != "" && !numericType(in.Datatype) {
				in.HasData = true
				return d.skip() // validate reports the datatype
			}
			d.buf = nil
			if n := numelCapped(in.Shape, len(d.b)/2+1); n > 0 {
				d.buf = getData(n) // shape usually comes first
			}
			in.Nest, err = d.tensorData()
			in.Data, d.buf = d.buf, nil
			in.HasData = true
		default:
			err = d.skip()
		}
		return err
	})
	return in, err
}

// keySet records the keys of a request object that the server reads, to
// refuse one given twice: JSON leaves duplicates to the reader, and taking
// either silently would answer a request the client did not mean.
type keySet uint8

var knownKeys = [...]string{"id", "inputs", "outputs", "parameters", "name", "datatype", "shape", "data"}

func (k *keySet) add(key, where string) error {
	for i, name := range knownKeys {
		if key == name {
			if *k&(1<<i) != 0 {
				return errorf("%s has the key %q twice", where, key)
			}
			*k |= 1 << i
		}
	}
	return nil
}

// dim reads one shape dimension: a non-negative integer.
func (d *decoder) dim() (int, error) {
	start := d.i
	tok, err := d.number()
	if err != nil {
		return 0, err
	}
	n, perr := strconv.ParseInt(string(tok), 10, 64)
	if perr != nil || n < 0 || n > math.MaxInt32 {
		d.i = start
		return 0, d.fail(fmt.Sprintf("shape dimension %s is not a non-negative integer", tok))
	}
	return int(n), nil
}

// tensorData reads a $tensor_data array, flat or nested, appending every
// element to d.buf in order, and returns its nesting (requestInput.Nest)
// for validate to compare with the shape. Non-numbers and non-finite
// values are errors.
func (d *decoder) tensorData() ([]int, error) {
	if err := d.expect('['); err != nil {
		return nil, err
	}
	const maxDepth = 32
	var (
		count [maxDepth + 1]int // elements of the open array at each depth
		lens  [maxDepth + 1]int // the length of the arrays at each depth, -1 before the first closes
		leaf  int               // the depth numbers are at, 0 before the first
		deep  = 1               // the deepest array
		ok    = true            // regular so far
	)
	for k := range lens {
		lens[k] = -1
	}
	depth := 1
	first := true
	for depth > 0 {
		c := d.peek()
		switch {
		case c == ']':
			d.i++
			switch n := count[depth]; lens[depth] {
			case -1:
				lens[depth] = n
			case n:
			default:
				ok = false
			}
			depth--
			first = false
			continue
		case !first:
			if c != ',' {
				return nil, d.fail("expected ',' or ']' in tensor data")
			}
			d.i++
			c = d.peek()
		}
		first = false
		switch {
		case c == '[':
			if depth >= maxDepth {
				return nil, d.fail("tensor data nested too deeply")
			}
			d.i++
			count[depth]++
			depth++
			count[depth] = 0
			deep = max(deep, depth)
			first = true
		case c == '-' || (c >= '0' && c <= '9'):
			if leaf != depth {
				ok = ok && leaf == 0
				leaf = depth
			}
			n := len(d.buf)
			if d.fastRun() {
				count[depth] += len(d.buf) - n
				continue
			}
			start := d.i
			tok, err := d.number()
			if err != nil {
				return nil, err
			}
			v, perr := strconv.ParseFloat(string(tok), 32)
			if perr != nil || math.IsInf(v, 0) {
				d.i = start
				return nil, d.failData(fmt.Sprintf("value %s is out of FP32 range", tok))
			}
			d.buf = append(d.buf, float32(v))
			count[depth]++
		case c == 0:
			return nil, d.fail("unexpected end of input in tensor data (truncated body?)")
		default:
			return nil, d.failData(fmt.Sprintf("element is not a finite number (found %s)", d.tokenAt()))
		}
	}
	if !ok || (leaf != 0 && leaf != deep) {
		return nil, nil
	}
	return append([]int(nil), lens[1:deep+1]...), nil
}

// fastRun reads a run of numbers separated by commas and optional spaces
// ("0,0.25,-1.5" or "0, 0.25"), the bulk of a flat or nested tensor, without going
// through the general loop for each element. It reports false if the
// first number needs the slow path.
//
// scanRun takes the run while a window of scanWindow+1 bytes and room
// for 8 more elements remain; each number it leaves (near the end of the
// body, with a nearly full buffer, or in a form neither its decimal path
// nor scanNumber takes) goes through parseNumber here, appended, and then
// scanRun goes on.
func (d *decoder) fastRun() bool {
	b, buf := d.b, d.buf
	i, j := d.i, d.i // after the last number read; the next number
	for {
		out := buf[:cap(buf)]
		var k int
		i, j, k = scanRun(b, i, j, out, len(buf))
		buf = out[:k]
		if j < 0 {
			break
		}
		v, e, ok := parseNumber(b, j)
		if !ok {
			break // the general loop takes over at the comma
		}
		buf = append(buf, v)
		i = e
		if i >= len(b) || b[i] != ',' {
			break
		}
		j = i + 1
		for j < len(b) && b[j] == ' ' { // Python's json.dumps writes ", "
			j++
		}
	}
	if i == d.i {
		return false
	}
	d.buf, d.i = buf, i
	return true
}

var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// fastNumber parses a JSON number with at most 19 significant digits and
// a decimal exponent within ±22, which covers what clients send: short
// float32 forms ("0.5019608") and Python's 17-digit float64 repr
// ("0.6980392156862745", "1e-05").
//
// The digits form an exact uint64 m, so the value is m·10^e. float64(m)
// and the multiplication or division by the exact float64 10^|e| each
// round once, so r is within 2 float64 ulps of the true value. Rounding r
// to float32 then gives the correctly rounded float32 unless r lies within
// those ulps of a float32 halfway point (its low 29 mantissa bits near
// 1<<28); such numbers, malformed input and anything outside the limits
// report false without moving d.i, and strconv decides. The result
// therefore always equals strconv.ParseFloat(s, 32).
func (d *decoder) fastNumber() (float32, bool) {
	v, i, ok := parseNumber(d.b, d.i)
	if ok {
		d.i = i
	}
	return v, ok
}

// parseNumber is fastNumber on b from i; it returns the value and the
// index after the number.
func parseNumber(b []byte, i int) (float32, int, bool) {
	neg := false
	if i < len(b) && b[i] == '-' {
		neg = true
		i++
	}
	var mant uint64
	nd := 0 // significant digits (after leading zeros)
	s := i
	if i < len(b) && b[i] == '0' {
		i++
	} else {
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			mant = mant*10 + uint64(b[i]-'0')
			nd++
		}
	}
	if i == s {
		return 0, i, false
	}
	exp := 0
	if i < len(b) && b[i] == '.' {
		i++
		f := i
		if mant == 0 {
			for i < len(b) && b[i] == '0' { // leading zeros: not significant
				i++
			}
		}
		for i+8 <= len(b) { // eight digits at a time (Python sends 16 or 17)
			v := binary.LittleEndian.Uint64(b[i:])
			if !eightDigits(v) {
				break
			}
			mant = mant*100000000 + parseEight(v) // overflow only when nd > 19, rejected below
			nd += 8
			i += 8
		}
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			mant = mant*10 + uint64(b[i]-'0')
			nd++
		}
		if i == f {
			return 0, i, false
		}
		exp = f - i
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		eneg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			eneg = b[i] == '-'
			i++
		}
		e, f := 0, i
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9' && i-f < 4; i++ {
			e = e*10 + int(b[i]-'0')
		}
		if i == f {
			return 0, i, false
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	if nd > 19 {
		return 0, i, false
	}
	if i < len(b) {
		if c := b[i]; c == '.' || c == 'e' || c == 'E' || (c >= '0' && c <= '9') {
			return 0, i, false
		}
	}
	if mant == 0 {
		if neg {
			return float32(math.Copysign(0, -1)), i, true
		}
		return 0, i, true
	}
	var r float64
	switch {
	case exp >= 0 && exp <= 22:
		r = float64(mant) * pow10[exp]
	case exp < 0 && exp >= -22:
		r = float64(mant) / pow10[-exp]
	default:
		return 0, i, false
	}
	if nearHalfway(r) {
		return 0, i, false // next to a float32 halfway point: let strconv round it
	}
	if r > math.MaxFloat32 {
		return 0, i, false
	}
	v := float32(r)
	if neg {
		v = -v
	}
	return v, i, true
}

// nearHalfway reports whether r, within a few float64 ulps of a decimal's
// true value, may round to float32 differently from it: its low 29
// mantissa bits (those float32 drops) are within 8 of 1<<28, a float32
// halfway point. One unsigned compare, no branch that depends on which
// side of the halfway point r lies.
func nearHalfway(r float64) bool {
	return math.Float64bits(r)&(1<<29-1)-(1<<28-7) < 15
}

// eightDigits reports whether the 8 bytes in v (little-endian) are all
// ASCII digits (fast_float's is_made_of_eight_digits_fast).
func eightDigits(v uint64) bool {
	return ((v+0x4646464646464646)|(v-0x3030303030303030))&0x8080808080808080 == 0
}

// parseEight converts 8 ASCII digits, the first in the low byte of v, to
// their value with three multiplications (fast_float's
// parse_eight_digits_unrolled; see eightDigitsValue).
func parseEight(v uint64) uint64 {
	return eightDigitsValue(v - 0x3030303030303030)
}

// tokenAt names the token at d.i for error messages, e.g. NaN or "abc".
func (d *decoder) tokenAt() string {
	end := d.i
	for end < len(d.b) && end-d.i < 16 {
		switch d.b[end] {
		case ',', ']', '}', ' ', '\n', '\r', '\t':
			return string(d.b[d.i:end])
		}
		end++
	}
	return string(d.b[d.i:end])
}

// number scans a JSON number and returns its bytes.
func (d *decoder) number() ([]byte, error) {
	d.ws()
	start := d.i
	b := d.b
	i := d.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	digits := func() int {
		s := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i - s
	}
	if n := digits(); n == 0 || (n > 1 && b[i-n] == '0') {
		d.i = start
		if n == 0 {
			return nil, d.fail(fmt.Sprintf("expected a number, found %s", d.tokenAt()))
		}
		return nil, d.fail("number with a leading zero")
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			d.i = i
			return nil, d.fail("digit expected after '.'")
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			d.i = i
			return nil, d.fail("digit expected in exponent")
		}
	}
	d.i = i
	return b[start:i], nil
}

// object reads {"key": value, ...}, calling f with d positioned at each value.
func (d *decoder) object(f func(key string) error) error {
	if err := d.expect('{'); err != nil {
		return err
	}
	if d.peek() == '}' {
		d.i++
		return nil
	}
	for {
		key, err := d.str()
		if err != nil {
			return err
		}
		if err := d.expect(':'); err != nil {
			return err
		}
		if err := f(key); err != nil {
			return err
		}
		switch d.peek() {
		case ',':
			d.i++
		case '}':
			d.i++
			return nil
		default:
			return d.fail("expected ',' or '}' in object")
		}
	}
}

// array reads [v, ...], calling f with d positioned at each element.
func (d *decoder) array(f func() error) error {
	if err := d.expect('['); err != nil {
		return err
	}
	if d.peek() == ']' {
		d.i++
		return nil
	}
	for {
		if err := f(); err != nil {
			return err
		}
		switch d.peek() {
		case ',':
			d.i++
		case ']':
			d.i++
			return nil
		default:
			return d.fail("expected ',' or ']' in array")
		}
	}
}

// str reads a JSON string and returns it unescaped.
func (d *decoder) str() (string, error) {
	if err := d.expect('"'); err != nil {
		return "", err
	}
	start := d.i
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			s := string(d.b[start:d.i])
			d.i++
			return s, nil
		case c == '\\':
			return d.strSlow(start)
		case c < 0x20:
			return "", d.fail("control character in string")
		}
		d.i++
	}
	return "", d.fail("unterminated string")
}

// strSlow finishes a string that contains escapes.
func (d *decoder) strSlow(start int) (string, error) {
	out := append([]byte(nil), d.b[start:d.i]...)
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			if !utf8.Valid(out) {
				return "", d.fail("string is not valid UTF-8")
			}
			return string(out), nil
		case c < 0x20:
			return "", d.fail("control character in string")
		case c != '\\':
			out = append(out, c)
			d.i++
			continue
		}
		if d.i+1 >= len(d.b) {
			break
		}
		e := d.b[d.i+1]
		d.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := d.hex4()
			if !ok {
				return "", d.fail("bad \\u escape")
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if d.i+1 < len(d.b) && d.b[d.i] == '\\' && d.b[d.i+1] == 'u' {
					d.i += 2
					r2, ok = d.hex4()
					if !ok {
						return "", d.fail("bad \\u escape")
					}
				}
				r = utf16.DecodeRune(r, r2)
			}
			out = utf8.AppendRune(out, r)
		default:
			return "", d.fail("bad escape in string")
		}
	}
	return "", d.fail("unterminated string")
}

func (d *decoder) hex4() (rune, bool) {
	if d.i+4 > len(d.b) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(d.b[d.i:d.i+4]), 16, 32)
	d.i += 4
	return rune(v), err == nil
}

// skip validates and skips any JSON value.
func (d *decoder) skip() error {
	return d.skipDepth(0)
}

func (d *decoder) skipDepth(depth int) error {
	if depth > 64 {
		return d.fail("JSON nested too deeply")
	}
	switch c := d.peek(); {
	case c == '{':
		return d.object(func(string) error { return d.skipDepth(depth + 1) })
	case c == '[':
		return d.array(func() error { return d.skipDepth(depth + 1) })
	case c == '"':
		_, err := d.str()
		return err
	case c == '-' || (c >= '0' && c <= '9'):
		_, err := d.number()
		return err
	case c == 0:
		return d.fail("unexpected end of input (truncated body?)")
	}
	for _, lit := range []string{"true", "false", "null"} {
		if len(d.b)-d.i >= len(lit) && string(d.b[d.i:d.i+len(lit)]) == lit {
			d.i += len(lit)
			return nil
		}
	}
	return d.fail(fmt.Sprintf("unexpected %s", d.tokenAt()))
}

// numericType reports whether a v2 datatype is numeric; such tensor data
// is converted to FP32.
func numericType(dt string) bool {
	switch dt {
	case "FP32", "FP64", "FP16", "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64":
		return true
	}
	return false
}

// typeRange returns the values a numeric v2 datatype holds other than
// FP32 and FP64: its bounds and whether they are integers. The bounds are
// compared with the FP32 data, so the 32- and 64-bit integer ones are
// rounded to FP32 (2147483647 and 2147483648 are the same FP32 value).
func typeRange(dt string) (lo, hi float32, integer, ok bool) {
	switch dt {
	case "FP16":
		return -65504, 65504, false, true
	case "INT8":
		return math.MinInt8, math.MaxInt8, true, true
	case "INT16":
		return math.MinInt16, math.MaxInt16, true, true
	case "INT32":
		return math.MinInt32, math.MaxInt32, true, true
	case "INT64":
		return math.MinInt64, math.MaxInt64, true, true
	case "UINT8":
		return 0, math.MaxUint8, true, true
	case "UINT16":
		return 0, math.MaxUint16, true, true
	case "UINT32":
		return 0, math.MaxUint32, true, true
	case "UINT64":
		return 0, math.MaxUint64, true, true
	}
	return 0, 0, false, false
}

// numelCapped returns the product of shape, or 0 if it is empty or exceeds
// limit (without overflowing).
func numelCapped(shape []int, limit int) int {
	if len(shape) == 0 {
		return 0
	}
	n := 1
	for _, d := range shape {
		if d <= 0 || n > limit/d {
			return 0
		}
		n *= d
	}
	return n
}

// dataPool recycles tensor data buffers: a 64-row MNIST request fills
// 200 KB of float32s, and allocating (and zeroing, and collecting) that
// per request costs more than the forward pass. handleInfer returns a
// buffer once nothing can read it any more.
var dataPool sync.Pool // of *[]float32

// getData returns an empty buffer with room for n elements.
func getData(n int) []float32 {
	if p, _ := dataPool.Get().(*[]float32); p != nil && cap(*p) >= n {
		return (*p)[:0]
	}
	return make([]float32, 0, n)
}

// putData hands x back to dataPool; x must not be used afterwards.
func putData(x []float32) {
	if cap(x) == 0 || cap(x) > 4<<20 {
		return
	}
	x = x[:0]
	dataPool.Put(&x)
}
