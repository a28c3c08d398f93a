package serve

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// The fast decimal path must agree bit for bit with strconv.ParseFloat(s, 32).
func TestFastNumberMatchesStrconv(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var cases []string
	for i := 0; i < 200000; i++ {
		v := float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(8)-4)))
		prec := rng.IntN(14) - 1
		cases = append(cases, strconv.FormatFloat(float64(v), 'f', prec, 32))
		// Python clients send float64 reprs: 17 digits, exponents below 1e-4.
		f := rng.NormFloat64() * math.Pow(10, float64(rng.IntN(12)-6))
		cases = append(cases, strconv.FormatFloat(f, 'g', -1, 64), strconv.FormatFloat(f, 'e', rng.IntN(20), 64))
		// Decimals next to float32 halfway points, the double-rounding trap.
		h := math.Float32frombits(rng.Uint32() & 0x3fffffff) // positive, below 2
		mid := (float64(h) + float64(math.Nextafter32(h, 2))) / 2
		cases = append(cases, strconv.FormatFloat(mid, 'f', rng.IntN(8)+8, 64))
	}
	cases = append(cases, "0", "-0", "0.5", "16777215", "16777216", "0.0000000001", "123456789", "1.00000000001", "-0.1",
		"0.500000029802322387695312", "999999999999999", "0.0000000000000000000001")
	taken := 0
	for _, c := range cases {
		d := &decoder{b: []byte(c)}
		got, ok := d.fastNumber()
		want, err := strconv.ParseFloat(c, 32)
		if err != nil {
			if ok {
				t.Fatalf("fastNumber(%q) took a value out of float32 range", c)
			}
			continue
		}
		taken += map[bool]int{true: 1}[ok]
		if ok && (math.Float32bits(got) != math.Float32bits(float32(want)) || d.i != len(c)) {
			t.Fatalf("fastNumber(%q) = %v (consumed %d); want %v", c, got, d.i, float32(want))
		}
	}
	if taken < len(cases)*9/10 {
		t.Errorf("fast path taken for %d of %d numbers; want most", taken, len(cases))
	}
	for _, bad := range []string{"-", "01", "1.", ".5", "-.5", "00", "1e", "1e+", "12345678901234567890", "1e23", "1e-23", "3.5e38"} {
		d := &decoder{b: []byte(bad)}
		if _, ok := d.fastNumber(); ok {
			t.Errorf("fastNumber(%q) took a non-plain number", bad)
		}
	}
}

func TestParseInferRequest(t *testing.T) {
	body := `{ "id" : "a\"b\u00e9\ud83d\ude00" , "parameters":{"n":[1,{"x":null}],"s":"\\"},
	  "inputs" : [ { "name" : "input", "shape" : [ 2 , 2 ], "datatype":"FP32",
	  "data" : [ [ 1 , -2.5e-1 ] , [ 3E2 , 0 ] ] } ], "outputs":[{"name":"output","parameters":{}}] }`
	r, err := parseInferRequest([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != "a\"bé😀" || !r.HasID || len(r.Inputs) != 1 || len(r.Outputs) != 1 || r.Outputs[0] != "output" {
		t.Fatalf("parsed %+v", r)
	}
	in := r.Inputs[0]
	if in.Name != "input" || in.Datatype != "FP32" || len(in.Shape) != 2 || in.Shape[0] != 2 {
		t.Fatalf("input %+v", in)
	}
	want := []float32{1, -0.25, 300, 0}
	for i, v := range want {
		if in.Data[i] != v {
			t.Fatalf("data = %v; want %v", in.Data, want)
		}
	}
	for _, bad := range []string{`{"id":"x`, `{"id":"\x"}`, `{"a":tru}`, `{"a":[1,]}`, `{"a":1,}`, `[]`, `{"id":"a` + "\x01" + `"}`,
		`{"inputs":[{"data":` + strings.Repeat("[", 40) + `1` + strings.Repeat("]", 40) + `}]}`} {
		if _, err := parseInferRequest([]byte(bad)); err == nil {
			t.Errorf("parseInferRequest(%q): no error", bad)
		}
	}
}

func FuzzParseInferRequest(f *testing.F) {
	f.Add([]byte(`{"id":"1","inputs":[{"name":"input","shape":[1,2],"datatype":"FP32","data":[[1,2]]}]}`))
	f.Add([]byte(`{"inputs":[{"data":[1.5e3,-0.25,0]}],"parameters":{"a":[true,false,null,"x"]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		parseInferRequest(b) // must not panic
	})
}

// TestTensorDataZeroRuns checks the data reader, including its zero-run
// and eight-digit shortcuts, against strconv on arrays written with
// json.dumps' and Go's separators, flat and nested.
func TestTensorDataZeroRuns(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	toks := []string{"0", "0", "0", "0", "-0", "0.0", "0.5", "0.6980392156862745", "1", "10", "0.000001", "1e-05", "7.0E2", "0.00000000000000000001234"}
	for trial := 0; trial < 2000; trial++ {
		n := 1 + rng.IntN(40)
		sep := []string{",", ", ", " , ", ",  "}[rng.IntN(4)]
		var words []string
		var want []float32
		for i := 0; i < n; i++ {
			tok := toks[rng.IntN(len(toks))]
			if rng.IntN(3) == 0 {
				tok = "0"
			}
			v, _ := strconv.ParseFloat(tok, 32)
			words, want = append(words, tok), append(want, float32(v))
		}
		data := "[" + strings.Join(words, sep) + "]"
		shape := strconv.Itoa(n)
		if n%2 == 0 && rng.IntN(2) == 0 { // nested as [n/2][2]
			var rows []string
			for i := 0; i < n; i += 2 {
				rows = append(rows, "["+words[i]+sep+words[i+1]+"]")
			}
			data, shape = "["+strings.Join(rows, sep)+"]", strconv.Itoa(n/2)+",2"
		}
		body := `{"inputs":[{"name":"input","shape":[` + shape + `],"datatype":"FP32","data":` + data + `}]}`
		expectData(t, body, want)
	}
}
