package serve

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// scanNumbers are the two ways numbers are read from a window: scanRun
// (its inline decimal path, bare zeros, then scanNumber), which reads the
// first number of the window, and scanNumber alone.
var scanNumbers = map[string]func(*[scanWindow]byte) (float32, uint, bool){
	"scanRun":    scanFirst,
	"scanNumber": scanNumber,
}

// scanFirst has scanRun read the number at the start of w, and only that
// one: out has room for one number and scanRun's 8-element zero stores.
func scanFirst(w *[scanWindow]byte) (float32, uint, bool) {
	b := append(w[:], "                "...) // scanRun's window after a sign
	out := make([]float32, 8)
	i, _, k := scanRun(b, 0, 0, out, 0)
	if k == 0 {
		return 0, 0, false
	}
	return out[0], uint(i), true
}

// window puts s at the start of a scanWindow-byte window, followed by
// tail (repeated to fill it).
func window(s, tail string) *[scanWindow]byte {
	var w [scanWindow]byte
	n := copy(w[:], s)
	for n < scanWindow {
		n += copy(w[n:], tail)
	}
	return &w
}

// checkScan checks one reader's answer for the window w holding s: if it
// takes a number, that number is a JSON number at the start of s that
// nothing in s continues, and its value is strconv's.
func checkScan(t *testing.T, name, s string, w *[scanWindow]byte, v float32, end uint, ok bool) {
	t.Helper()
	if !ok {
		return
	}
	if end == 0 || end >= scanWindow {
		t.Fatalf("%s(%q) took %d bytes", name, s, end)
	}
	tok := string(w[:end])
	if c := tok[0]; (c != '-' && (c < '0' || c > '9')) || !json.Valid([]byte(tok)) {
		t.Fatalf("%s(%q) took %q, not a JSON number", name, s, tok)
	}
	if c := w[end]; c == '.' || c == 'e' || c == 'E' || (c >= '0' && c <= '9') {
		t.Fatalf("%s(%q) took %q, but %q continues it", name, s, tok, c)
	}
	want, err := strconv.ParseFloat(tok, 32)
	if err != nil {
		t.Fatalf("%s(%q) took %q, which strconv rejects: %v", name, s, tok, err)
	}
	if math.Float32bits(v) != math.Float32bits(float32(want)) {
		t.Fatalf("%s(%q) = %v (%#x); strconv: %v (%#x)", name, tok, v, math.Float32bits(v), float32(want), math.Float32bits(float32(want)))
	}
	// parseNumber agrees where it takes the number too (it may leave it to
	// strconv: its float64 rounding differs, so its halfway check may fire).
	if pv, pi, pok := parseNumber([]byte(tok+","), 0); pok && (pi != int(end) || math.Float32bits(pv) != math.Float32bits(v)) {
		t.Fatalf("%s(%q) = %v, %d; parseNumber: %v, %d", name, s, v, end, pv, pi)
	}
}

// numberCases are the forms clients write: float32 and float64 shortest
// forms, fixed and exponent forms, signs, and decimals next to float32
// halfway points (the double-rounding trap).
func numberCases(rng *rand.Rand, n int) []string {
	var cases []string
	for i := 0; i < n; i++ {
		v := float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(8)-4)))
		cases = append(cases, strconv.FormatFloat(float64(v), 'f', rng.IntN(14)-1, 32),
			strconv.FormatFloat(float64(v), 'g', -1, 32))
		f := rng.NormFloat64() * math.Pow(10, float64(rng.IntN(12)-6))
		cases = append(cases, strconv.FormatFloat(f, 'g', -1, 64), strconv.FormatFloat(f, 'e', rng.IntN(20), 64),
			strconv.FormatFloat(f, 'f', rng.IntN(20), 64))
		h := math.Float32frombits(rng.Uint32() & 0x40ffffff) // positive, below 8
		mid := (float64(h) + float64(math.Nextafter32(h, 10))) / 2
		cases = append(cases, strconv.FormatFloat(mid, 'f', rng.IntN(12)+6, 64), strconv.FormatFloat(-mid, 'g', 17, 64))
		cases = append(cases, strconv.FormatFloat(float64(rng.IntN(256))/255, 'g', -1, 64))
	}
	return append(cases, "0", "-0", "0.0", "-0.0", "1", "9.99999999999999999", "0.00000000000000001", "9", "1.0",
		"0.12345678", "0.123456789", "0.1234567890123456", "0.12345678901234567", "0.123456789012345678",
		"1e5", "1E-05", "1e+22", "1e-22", "1.5e-45", "3.4028235e38", "0.500000029802322387695312")
}

// The scanners agree bit for bit with strconv.ParseFloat(s, 32) on every
// number they take, take it whole, and take most of what clients send.
func TestScanNumberMatchesStrconv(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	cases := numberCases(rng, 10000)
	taken := map[string]int{}
	for _, c := range cases {
		for _, tail := range []string{",", ", ", "]", " ,", "}"} {
			w := window(c, tail)
			for name, scan := range scanNumbers {
				v, end, ok := scan(w)
				checkScan(t, name, c, w, v, end, ok)
				if ok {
					if end != uint(len(c)) {
						t.Fatalf("%s(%q) took %d bytes", name, c, end)
					}
					taken[name]++
				}
			}
		}
	}
	if n := taken["scanNumber"]; n < len(cases)*5*7/10 {
		t.Errorf("scanNumber took %d of %d numbers; want most", n, len(cases)*5)
	}
	if n := taken["scanRun"]; n < taken["scanNumber"] {
		t.Errorf("scanRun took %d of %d numbers, scanNumber %d", n, len(cases)*5, taken["scanNumber"])
	}
	for _, bad := range []string{"-", "01", "1.", ".5", "-.5", "00", "1e", "1e+", "12345678901234567890", "1e23", "1e-23",
		"3.5e38", "0.1.", "1.5.3", "1e5e", "1e5.", "--1", "+1", "1.e5", "-01.5", "NaN", "Infinity", " 1",
		"0.123456789012345678901234567"} {
		for name, scan := range scanNumbers {
			if _, _, ok := scan(window(bad, ",")); ok {
				t.Errorf("%s(%q) took a number strconv or the grammar rejects, or one beyond its limits", name, bad)
			}
		}
	}
}

// FuzzScanNumber feeds the scanners arbitrary windows: whatever they take
// must be a whole JSON number with strconv's value.
func FuzzScanNumber(f *testing.F) {
	for _, s := range []string{"0.6980392156862745, 0", "-0.42421296,1", "1e-05]", "0.15294117647058825,", "7.0E2 ,", "0,0,0", "-0.0, "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w := window(s, "\x00")
		for name, scan := range scanNumbers {
			v, end, ok := scan(w)
			checkScan(t, name, string(w[:]), w, v, end, ok)
		}
	})
}

// tensorCase is a random tensor written the way some client would: tokens
// of one kind (image-like, float32 forms, standardized, exponents) mixed
// with odd ones, one separator style, flat or nested.
func tensorCase(rng *rand.Rand) (data, shape string, want []float32) {
	kinds := [][]string{
		{"0", "0", "0", "0", "0.6980392156862745", "0.15294117647058825", "1", "0.00392156862745098", "0.5"},
		{"0", "0", "0.5019608", "0.003921569", "1", "0.6901961"},
		{"-0.42421296", "2.8214867", "-0.4114566", "0.9999999", "-1.0", "-0"},
		{"6.980392156862745e-06", "1e-05", "0", "7.0E2", "-2.5e+3"},
		{"0", "0.0", "-0.0", "123456789", "12.5", "0.000000000000000000012", "3.4028235e38", "1.00000005960464477539"},
	}
	kind := kinds[rng.IntN(len(kinds))]
	sep := []string{",", ", ", ", ", ",", " , ", ",  ", ",\n"}[rng.IntN(7)]
	n := 1 + rng.IntN(300)
	cols := 1 + rng.IntN(50)
	nested := rng.IntN(3) == 0
	if nested {
		n = (n + cols - 1) / cols * cols
	}
	var words []string
	for i := 0; i < n; i++ {
		tok := kind[rng.IntN(len(kind))]
		if rng.IntN(50) == 0 {
			tok = kinds[4][rng.IntN(len(kinds[4]))]
		}
		v, _ := strconv.ParseFloat(tok, 32)
		words, want = append(words, tok), append(want, float32(v))
	}
	if !nested {
		return "[" + strings.Join(words, sep) + "]", strconv.Itoa(n), want
	}
	var rows []string
	for i := 0; i < n; i += cols {
		rows = append(rows, "["+strings.Join(words[i:i+cols], sep)+"]")
	}
	return "[" + strings.Join(rows, sep) + "]", strconv.Itoa(n/cols) + "," + strconv.Itoa(cols), want
}

// TestTensorDataShapes checks whole requests, long enough for scanRun's
// window, against strconv: every element, in order, bit for bit.
// expectData parses the request body and requires its tensor data to be
// want, bit for bit.
func expectData(t *testing.T, body string, want []float32) {
	t.Helper()
	r, err := parseInferRequest([]byte(body))
	if err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	got := r.Inputs[0].Data
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values, want %d", body, len(got), len(want))
	}
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: element %d = %v, want %v", body, i, got[i], want[i])
		}
	}
}

func TestTensorDataShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for trial := 0; trial < 3000; trial++ {
		data, shape, want := tensorCase(rng)
		if rng.IntN(4) == 0 {
			shape = "" // no size hint: the buffer grows as it goes
		}
		body := `{"inputs":[{"name":"input","shape":[` + shape + `],"datatype":"FP32","data":` + data + `}]}`
		expectData(t, body, want)
	}
}

// Malformed tensor data is rejected wherever it sits, also in the middle
// of a long run that scanRun reads.
func TestTensorDataMalformed(t *testing.T) {
	long := strings.Repeat("0.6980392156862745, 0, 0, ", 20)
	for _, bad := range []string{"0,,0", "0, ,0", "0 0", "1.", ".5", "01", "0x1", "1e", "1.5.3", "--1", "+1", "NaN", "1e999",
		"-Infinity", "0,]", "true", `"1"`, "null", "[0", "1e5e5", "0.5.", "-", "0.1234567890123456789012345678.5"} {
		for _, data := range []string{"[" + long + bad + ", " + long + "0]", "[" + long + bad + "]", "[[" + long + "0], [" + bad + ", " + long + "0]]"} {
			body := `{"inputs":[{"name":"input","shape":[1],"datatype":"FP32","data":` + data + `}]}`
			if _, err := parseInferRequest([]byte(body)); err == nil {
				t.Errorf("%q in tensor data: no error", bad)
			}
		}
	}
}

// Runs of every length up to past two chunks, between other numbers, in
// both separator styles: scanRun counts whole zeros from matching bytes.
func TestTensorDataZeroRunLengths(t *testing.T) {
	for _, sep := range []string{", ", ","} {
		for run := 0; run <= 20; run++ {
			var words []string
			var want []float32
			for rep := 0; rep < 6; rep++ {
				words, want = append(words, "0.6980392156862745"), append(want, 0.6980392156862745)
				for z := 0; z < run; z++ {
					words, want = append(words, "0"), append(want, 0)
				}
				words, want = append(words, "-0.5"), append(want, -0.5)
			}
			data := "[" + strings.Join(words, sep) + "]"
			body := `{"inputs":[{"name":"input","shape":[` + strconv.Itoa(len(want)) + `],"datatype":"FP32","data":` + data + `}]}`
			expectData(t, body, want)
		}
	}
}

// FuzzTensorData puts arbitrary text after a run that scanRun reads and
// checks every request the decoder accepts against encoding/json and
// strconv: valid JSON, every element a number, each strconv's float32.
func FuzzTensorData(f *testing.F) {
	for _, s := range []string{"0, 0.5, -1e-05, 0", "0,0,0,1.5", "[0.25, 0], [1, 2]", "0, 0, 0, 0, 0, 0, 0, 0, 0, 0.1", "1.0E+2,-0.0", "0.5,, 0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		data := "[" + strings.Repeat("0.6980392156862745, 0, 0, ", 4) + s + "]"
		r, err := parseInferRequest([]byte(`{"inputs":[{"name":"input","shape":[1],"datatype":"FP32","data":` + data + `}]}`))
		if err != nil {
			return
		}
		dec := json.NewDecoder(strings.NewReader(data))
		dec.UseNumber()
		var ref any
		if err := dec.Decode(&ref); err != nil {
			t.Fatalf("accepted %q, which encoding/json rejects: %v", data, err)
		}
		var want []float32
		var flatten func(v any)
		flatten = func(v any) {
			switch v := v.(type) {
			case []any:
				for _, e := range v {
					flatten(e)
				}
			case json.Number:
				x, err := strconv.ParseFloat(string(v), 32)
				if err != nil {
					t.Fatalf("accepted %q with element %s: %v", data, v, err)
				}
				want = append(want, float32(x))
			default:
				t.Fatalf("accepted %q with element %v", data, v)
			}
		}
		flatten(ref)
		got := r.Inputs[0].Data
		if len(got) != len(want) {
			t.Fatalf("%q: got %d values, want %d", data, len(got), len(want))
		}
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%q: element %d = %v, want %v", data, i, got[i], want[i])
			}
		}
	})
}
