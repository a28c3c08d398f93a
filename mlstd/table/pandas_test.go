package table

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/internal/pyref"
)

// randomCSV writes a CSV file of n rows with ints, floats of full
// precision, categories, bools and quoted text, each with missing values
// written in several of the default tokens.
func randomCSV(t testing.TB, n int, seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 1))
	path := filepath.Join(t.TempDir(), "random.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.Write([]string{"id", "count", "x", "y", "colour", "flag", "text"})
	na := []string{"", "NA", "?", "NaN", "null"}
	cats := []string{"red", "green", "blue", "violet"}
	for i := range n {
		rec := []string{
			strconv.Itoa(i),
			strconv.Itoa(r.IntN(2000) - 1000),
			strconv.FormatFloat(r.NormFloat64()*1e3, 'g', -1, 64),
			strconv.FormatFloat(r.ExpFloat64(), 'f', 3, 64),
			cats[min(r.IntN(10), 3)],
			strconv.FormatBool(r.IntN(3) == 0),
			fmt.Sprintf("t%d, \"q\" %d", r.IntN(50), i%7),
		}
		for j := 1; j < len(rec); j++ {
			if j != 5 && r.IntN(50) == 0 {
				rec[j] = na[r.IntN(len(na))]
			}
		}
		w.Write(rec)
	}
	w.Flush()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// randomJSONLines writes n JSON objects with ints, floats, strings and
// bools, some null and some keys absent.
func randomJSONLines(t testing.TB, n int, seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 2))
	path := filepath.Join(t.TempDir(), "random.jsonl")
	var b strings.Builder
	for i := range n {
		obj := map[string]any{
			"id":    i,
			"count": r.IntN(1000) - 500,
			"x":     r.NormFloat64() * 10,
			"name":  fmt.Sprintf("n%d \"%d\"", r.IntN(30), i%3),
			"ok":    r.IntN(2) == 0,
		}
		for _, k := range []string{"count", "x", "name"} {
			switch r.IntN(40) {
			case 0:
				obj[k] = nil
			case 1:
				delete(obj, k)
			}
		}
		line, err := json.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// pandasRead is what the pandas side reports about a CSV file.
type pandasRead struct {
	Rows    int
	Columns []string
	Dtypes  []string
	Missing []int
	Values  [][]any // null where missing; datetimes as ISO text
	Stats   []map[string]any
	TopTie  []bool // the top value's count is shared (pandas picks any)
}

const pandasReadScript = `
import json, sys, math
import pandas as pd
args = json.load(sys.stdin)
if args["path"].endswith(".jsonl"):
    df = pd.read_json(args["path"], lines=True, convert_dates=False)
else:
    df = pd.read_csv(args["path"], na_values=["?"], parse_dates=args["dates"])
out = {"rows": len(df), "columns": list(df.columns), "dtypes": [str(t) for t in df.dtypes],
       "missing": [int(df[c].isna().sum()) for c in df.columns], "values": [], "stats": [], "toptie": []}
def val(v):
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    if hasattr(v, "item"):
        return v.item()
    return v
for c in df.columns:
    s = df[c]
    out["values"].append([val(v) for v in s.tolist()])
    d = s.describe()
    out["stats"].append({k: val(v) if not isinstance(v, str) else v for k, v in d.items()})
    vc = s.value_counts()
    out["toptie"].append(bool(len(vc) > 1 and vc.iloc[0] == vc.iloc[1]))
print(json.dumps(out))
`

func readWithPandas(t *testing.T, path string, dates []string) pandasRead {
	var p pandasRead
	pyref.Run(t, pandasReadScript, map[string]any{"path": path, "dates": dates}, &p)
	return p
}

// TestReadAgainstPandas reads the same files with pandas' read_csv and
// compares kinds, missing counts, every value and describe's statistics.
func TestReadAgainstPandas(t *testing.T) {
	pyref.Require(t, "pandas")
	for _, tc := range []struct {
		path  string
		dates []string
	}{
		{"testdata/penguins.csv", []string{"date"}},
		{randomCSV(t, 3000, 5), nil},
		{randomJSONLines(t, 2000, 6), nil},
	} {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			read := func(path string) (*Table, error) { return ReadCSV(path, CSVOptions{}) }
			if strings.HasSuffix(tc.path, ".jsonl") {
				read = ReadJSONLines
			}
			tb, err := read(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			p := readWithPandas(t, tc.path, tc.dates)
			if tb.Rows() != p.Rows || strings.Join(tb.Names(), ",") != strings.Join(p.Columns, ",") {
				t.Fatalf("%d rows %q, pandas %d rows %q", tb.Rows(), tb.Names(), p.Rows, p.Columns)
			}
			desc := tb.Describe()
			for j, c := range tb.Columns() {
				if want := pandasDtype(c); p.Dtypes[j] != want {
					t.Errorf("column %q: kind %v, pandas dtype %s (want %s)", c.Name(), c.Kind(), p.Dtypes[j], want)
				}
				if c.Missing() != p.Missing[j] {
					t.Errorf("column %q: %d missing, pandas %d", c.Name(), c.Missing(), p.Missing[j])
				}
				for i, pv := range p.Values[j] {
					if !sameValue(c, i, pv) {
						t.Errorf("column %q row %d: %s, pandas %v", c.Name(), i, c.Text(i), pv)
						break
					}
				}
				compareStats(t, desc.Columns[j], p.Stats[j], p.TopTie[j])
			}
		})
	}
}

// pandasDtype is the dtype pandas gives a column like c.
func pandasDtype(c *Column) string {
	switch c.Kind() {
	case Int:
		if c.Missing() > 0 {
			return "float64"
		}
		return "int64"
	case Float:
		return "float64"
	case Bool:
		if c.Missing() > 0 {
			return "object"
		}
		return "bool"
	case Time:
		return "datetime64[ns]"
	}
	return "object"
}

func sameValue(c *Column, i int, pv any) bool {
	if pv == nil {
		return c.IsMissing(i)
	}
	if c.IsMissing(i) {
		return false
	}
	switch c.Kind() {
	case Int, Float:
		f, ok := pv.(float64)
		return ok && near(c.Float(i), f, 1e-15)
	case Bool:
		b, ok := pv.(bool)
		return ok && b == c.Bools()[i]
	case Time:
		s, _ := pv.(string)
		pt, ok := parseTime(s)
		return ok && pt.Equal(c.Times()[i])
	}
	return pv == c.Text(i)
}

func compareStats(t *testing.T, s Summary, p map[string]any, tie bool) {
	t.Helper()
	if got, want := float64(s.Count), p["count"].(float64); got != want {
		t.Errorf("%s: count %v, pandas %v", s.Name, got, want)
	}
	if s.Kind == Int || s.Kind == Float {
		for _, st := range []struct {
			key string
			v   float64
		}{{"mean", s.Mean}, {"std", s.Std}, {"min", s.Min}, {"25%", s.Q25}, {"50%", s.Q50}, {"75%", s.Q75}, {"max", s.Max}} {
			if want, _ := p[st.key].(float64); !near(st.v, want, 1e-12) {
				t.Errorf("%s: %s %v, pandas %v", s.Name, st.key, st.v, want)
			}
		}
		return
	}
	if s.Kind == Time {
		first, _ := parseTime(fmt.Sprint(p["first"]))
		last, _ := parseTime(fmt.Sprint(p["last"]))
		if !first.Equal(s.First) || !last.Equal(s.Last) {
			t.Errorf("%s: first %v last %v, pandas %v %v", s.Name, s.First, s.Last, p["first"], p["last"])
		}
	}
	if got, want := float64(s.Unique), p["unique"].(float64); got != want {
		t.Errorf("%s: unique %v, pandas %v", s.Name, got, want)
	}
	if got, want := float64(s.Freq), p["freq"].(float64); got != want {
		t.Errorf("%s: freq %v, pandas %v", s.Name, got, want)
	}
	if top := fmt.Sprint(p["top"]); !tie && !strings.EqualFold(s.Top, top) {
		t.Errorf("%s: top %q, pandas %q", s.Name, s.Top, top)
	}
}

func near(a, b, rel float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= rel*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}
