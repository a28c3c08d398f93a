package table

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func mustRead(t *testing.T, text string, opt CSVOptions) *Table {
	t.Helper()
	tb, err := ReadCSVFrom(strings.NewReader(text), "t.csv", opt)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func TestInference(t *testing.T) {
	tb := mustRead(t, "i,f,b,s,d,e,big,mixed\n"+
		"1,1.5,true,a,2024-01-02,,1,x\n"+
		"2,NA,False,\"b,c\",2024-01-03 10:00:00,?,99999999999999999999,1\n"+
		"-3,2,TRUE,NA,,NaN,3,y\n", CSVOptions{})
	want := map[string]Kind{"i": Int, "f": Float, "b": Bool, "s": String, "d": Time, "e": Float, "big": Float, "mixed": String}
	for name, k := range want {
		if got := tb.Col(name).Kind(); got != k {
			t.Errorf("column %q: kind %v, want %v", name, got, k)
		}
	}
	if got := tb.Col("i").Ints(); !slices.Equal(got, []int64{1, 2, -3}) {
		t.Errorf("ints %v", got)
	}
	if f := tb.Col("f"); f.Missing() != 1 || !math.IsNaN(f.Float(1)) || f.Float(2) != 2 {
		t.Errorf("floats %v missing %d", f.Floats(), f.Missing())
	}
	if s := tb.Col("s"); !slices.Equal(s.Strings(), []string{"a", "b,c", ""}) || !slices.Equal(s.Codes(), []int{0, 1, -1}) {
		t.Errorf("strings %q codes %v", s.Strings(), s.Codes())
	}
	if e := tb.Col("e"); e.Missing() != 3 {
		t.Errorf("all-missing column: %d missing", e.Missing())
	}
	if d := tb.Col("d"); d.Text(0) != "2024-01-02" || d.Text(1) != "2024-01-03T10:00:00Z" || !d.IsMissing(2) {
		t.Errorf("times %q", d.Strings())
	}
}

// TestIntBecomesFloat: a fractional number after the inference sample
// turns an int column into a float one without losing the earlier values.
func TestIntBecomesFloat(t *testing.T) {
	tb := mustRead(t, "a\n1\n2\n2.5\n", CSVOptions{InferRows: 2})
	if c := tb.Col("a"); c.Kind() != Float || !slices.Equal(c.Floats(), []float64{1, 2, 2.5}) {
		t.Errorf("%v %v", c, c.Floats())
	}
}

// TestErrorsNameFileLineColumn covers the ways a file can be wrong.
func TestErrorsNameFileLineColumn(t *testing.T) {
	for _, tc := range []struct {
		text string
		opt  CSVOptions
		want string
	}{
		{"id,body_mass_g\n1,3700\n2,heavy\n3,3800\n", CSVOptions{},
			`t.csv:3: column "body_mass_g": "heavy" is not a number`},
		{"a,b\n1,2\n3\n", CSVOptions{}, "t.csv:3: 1 fields, but the header has 2"},
		{"a\n1\n2\nx\n", CSVOptions{InferRows: 2}, `t.csv:4: column "a": "x" is not a number`},
		{"a\ntrue\nmaybe\nfalse\n", CSVOptions{Types: map[string]Kind{"a": Bool}}, `t.csv:3: column "a": "maybe" is not true or false`},
		{"a,b\n1,\"open\n", CSVOptions{}, "t.csv:2: column"},
		{"", CSVOptions{}, "t.csv: empty file"},
		{"a\n1\n", CSVOptions{Types: map[string]Kind{"z": Int}}, `names column "z"`},
		{"a\n\"q\"x\n", CSVOptions{}, `t.csv:2: column 3: extraneous or missing " in quoted-field`},
	} {
		_, err := ReadCSVFrom(strings.NewReader(tc.text), "t.csv", tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.text, err, tc.want)
		}
	}
}

func TestOptions(t *testing.T) {
	tb := mustRead(t, "# comment\n1;x;-\n2;y;3\n", CSVOptions{Comma: ';', Comment: '#', NoHeader: true, NA: []string{"-"},
		Types: map[string]Kind{"0": String}})
	if got := strings.Join(tb.Names(), ","); got != "0,1,2" {
		t.Errorf("names %s", got)
	}
	if tb.Col("0").Kind() != String || tb.Col("2").Missing() != 1 || tb.Rows() != 2 {
		t.Errorf("%v %v rows %d", tb.Col("0"), tb.Col("2"), tb.Rows())
	}
	tb = mustRead(t, "\ufeffx,y\r\n1,a\r\n2,b", CSVOptions{}) // BOM, CRLF, no final newline
	if got := strings.Join(tb.Names(), ","); got != "x,y" || tb.Rows() != 2 || tb.Col("y").Text(1) != "b" {
		t.Errorf("names %s, %d rows, y %q", got, tb.Rows(), tb.Col("y").Strings())
	}
	tb = mustRead(t, "x,y\n", CSVOptions{})
	if tb.Rows() != 0 || tb.Cols() != 2 {
		t.Errorf("header only: %d rows, %d columns", tb.Rows(), tb.Cols())
	}
	tb = mustRead(t, "a,,a\n1,2,3\n", CSVOptions{})
	if got := strings.Join(tb.Names(), ","); got != "a,Unnamed: 1,a.1" {
		t.Errorf("header names %s", got)
	}
}

func TestJSONLines(t *testing.T) {
	tb, err := ReadJSONLinesFrom(strings.NewReader(`{"a": 1, "b": "x"}
{"a": 2.5, "c": true}

{"b": null, "a": 3, "c": false}
`), "t.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(tb.Names(), ","); got != "a,b,c" || tb.Rows() != 3 {
		t.Fatalf("names %s rows %d", got, tb.Rows())
	}
	if a := tb.Col("a"); a.Kind() != Float || !slices.Equal(a.Floats(), []float64{1, 2.5, 3}) {
		t.Errorf("a: %v %v", a, a.Floats())
	}
	if b := tb.Col("b"); b.Kind() != String || b.Missing() != 2 {
		t.Errorf("b: %v", b)
	}
	if c := tb.Col("c"); c.Kind() != Bool || !c.IsMissing(0) || c.Bools()[1] != true {
		t.Errorf("c: %v %v", c, c.Bools())
	}
	for text, want := range map[string]string{
		"{\"a\": 1}\n{\"a\": \"x\"}\n": `t.jsonl:2: column "a": "x" is not a number`,
		"{\"a\": 1}\n[1]\n":            "t.jsonl:2: json: cannot unmarshal array",
		"{\"a\": {\"b\": 1}}\n":        "t.jsonl:1: column \"a\": nested value",
	} {
		if _, err := ReadJSONLinesFrom(strings.NewReader(text), "t.jsonl"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", text, err, want)
		}
	}
}

func TestOperations(t *testing.T) {
	tb := mustRead(t, "k,v,s\na,3,x\nb,NA,y\na,1,x\nb,2,z\na,5,y\n", CSVOptions{})
	if got := tb.Select("s", "k").Names(); !slices.Equal(got, []string{"s", "k"}) {
		t.Errorf("select %v", got)
	}
	if got := tb.Drop("v").Names(); !slices.Equal(got, []string{"k", "s"}) {
		t.Errorf("drop %v", got)
	}
	if got := tb.Sort("v", false).Col("v").Floats(); !same(got, []float64{1, 2, 3, 5, math.NaN()}) {
		t.Errorf("sort %v", got)
	}
	if got := tb.Sort("v", true).Col("k").Strings(); !slices.Equal(got, []string{"a", "a", "b", "a", "b"}) {
		t.Errorf("sort descending %v", got)
	}
	if got := tb.Where("v", func(v float64) bool { return v >= 2 }).Col("v").Floats(); !same(got, []float64{3, 2, 5}) {
		t.Errorf("where %v", got)
	}
	if got := tb.WhereText("s", func(s string) bool { return s != "x" }).Rows(); got != 3 {
		t.Errorf("where text: %d rows", got)
	}
	if got := tb.DropMissing().Rows(); got != 4 {
		t.Errorf("drop missing: %d rows", got)
	}
	d := tb.Derive("w", []string{"v"}, func(v []float64) float64 { return 2 * v[0] })
	if got := d.Col("w").Floats(); !same(got, []float64{6, math.NaN(), 2, 4, 10}) || tb.Has("w") {
		t.Errorf("derive %v", got)
	}
	if got := tb.ValueCounts("s").String(); !strings.Contains(got, "0  x       2\n1  y       2\n2  z       1") {
		t.Errorf("value counts\n%s", got)
	}
	if got := tb.Head(2).Rows() + tb.Tail(10).Rows(); got != 7 {
		t.Errorf("head+tail rows %d", got)
	}
}

// TestStratifiedSplit keeps every class's share in both parts.
func TestStratifiedSplit(t *testing.T) {
	ks := make([]string, 1000)
	for i := range ks {
		ks[i] = "common"
		if i%10 == 0 {
			ks[i] = "rare"
		}
	}
	tb := New([]*Column{NewStrings("k", ks, nil)})
	a, b := tb.Split(0.8, "k", 3)
	if a.Rows() != 800 || b.Rows() != 200 {
		t.Fatalf("%d + %d rows", a.Rows(), b.Rows())
	}
	count := func(x *Table) int { return x.WhereText("k", func(s string) bool { return s == "rare" }).Rows() }
	if count(a) != 80 || count(b) != 20 {
		t.Errorf("rare: %d in train, %d in test", count(a), count(b))
	}
	a2, _ := tb.Split(0.8, "", 3)
	if a2.Rows() != 800 {
		t.Errorf("plain split: %d rows", a2.Rows())
	}
}

func same(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool { return x == y || math.IsNaN(x) && math.IsNaN(y) })
}

// TestQuantilesBySelection checks the selection-based quartiles against
// sorting, on every size up to 60 with many ties.
func TestQuantilesBySelection(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for n := 1; n <= 60; n++ {
		for range 20 {
			v := make([]float64, n)
			for i := range v {
				v[i] = float64(r.IntN(n/3 + 1))
			}
			sorted := slices.Clone(v)
			slices.Sort(sorted)
			want := func(q float64) float64 {
				pos := q * float64(n-1)
				k := int(math.Floor(pos))
				if k+1 >= n {
					return sorted[k]
				}
				return sorted[k] + (sorted[k+1]-sorted[k])*(pos-float64(k))
			}
			a, b, c := quantiles(v)
			if a != want(0.25) || b != want(0.5) || c != want(0.75) {
				t.Fatalf("%v: quartiles %v %v %v, sorting gives %v %v %v", sorted, a, b, c, want(0.25), want(0.5), want(0.75))
			}
		}
	}
}

// TestDisplay: a table, a description and the charts render in a
// notebook's forms, missing values shown as NA and text escaped.
func TestDisplay(t *testing.T) {
	tb := mustRead(t, "name,v,w\n<b>x</b>,1,2\ny,NA,3\nz,2.5,NA\n", CSVOptions{})
	if h := tb.HTML(); !strings.Contains(h, "&lt;b&gt;x&lt;/b&gt;") || !strings.Contains(h, "<td>NA</td>") || !strings.Contains(h, "3 rows × 3 columns") {
		t.Errorf("table HTML: %s", h)
	}
	if h := tb.Describe().HTML(); !strings.Contains(h, "<td>missing</td><td>0</td><td>1</td><td>1</td>") {
		t.Errorf("describe HTML: %s", h)
	}
	long := tb.Take(make([]int, 30))
	if s := long.String(); strings.Count(s, "\n") != 14 || !strings.Contains(s, "…") {
		t.Errorf("a 30-row table shows %d lines:\n%s", strings.Count(s, "\n"), s)
	}
}

// TestSimpleFloatIsStrconv compares the fast number parser with
// strconv.ParseFloat on random decimals of every length and on edge cases.
func TestSimpleFloatIsStrconv(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	cases := []string{"0", "-0", "+1", "1.", ".5", "-.5", "007.50", "999999999999999", "0.000000000000001", "123456789.012345"}
	for range 200000 {
		n := 1 + r.IntN(17)
		b := make([]byte, 0, n+2)
		if r.IntN(3) == 0 {
			b = append(b, '-')
		}
		dot := r.IntN(n + 1)
		for k := range n {
			if k == dot {
				b = append(b, '.')
			}
			b = append(b, byte('0'+r.IntN(10)))
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		want, err := strconv.ParseFloat(s, 64)
		got, ok := simpleFloat(s)
		if ok && (err != nil || math.Float64bits(got) != math.Float64bits(want)) {
			t.Fatalf("%q: %v, strconv %v (%v)", s, got, want, err)
		}
	}
	for _, s := range []string{"", "-", ".", "1e5", "1.2.3", " 1", "1,5", "0x10", "1_000", "inf", "1234567890123456"} {
		if _, ok := simpleFloat(s); ok {
			t.Errorf("%q: taken by the fast path", s)
		}
	}
}

func TestWithMissing(t *testing.T) {
	c := NewInts("year", []int64{2007, 2008, 2009}).WithMissing([]bool{false, true, false})
	if c.Missing() != 1 || !c.IsMissing(1) || c.Kind() != Int || c.Ints()[1] != 0 || c.Ints()[2] != 2009 {
		t.Errorf("ints: %v missing %d", c.Ints(), c.Missing())
	}
	d := c.WithMissing([]bool{true, true, false})
	if d.Missing() != 2 || c.Missing() != 1 || c.Ints()[0] != 2007 {
		t.Errorf("the copy shares state: %d %d %v", d.Missing(), c.Missing(), c.Ints())
	}
	s := NewStrings("s", []string{"a", "b"}, nil).WithMissing([]bool{true, false})
	if s.Missing() != 1 || s.Text(1) != "b" {
		t.Errorf("strings: %q %d", s.Strings(), s.Missing())
	}
}
