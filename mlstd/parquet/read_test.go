package parquet

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	pq "github.com/parquet-go/parquet-go"

	"github.com/gokernel/gokernel/mlstd/table"
)

type penguin struct {
	ID     int64    `parquet:"id,delta"`
	Island string   `parquet:"island,dict"`
	Sex    *string  `parquet:"sex,optional,dict"`
	Bill   *float64 `parquet:"bill_length_mm,optional"`
	Mass   *int64   `parquet:"body_mass_g,optional"`
	Adult  *bool    `parquet:"adult,optional"`
	Seen   *int64   `parquet:"seen,optional,timestamp(millisecond)"`
	Ratio  float32  `parquet:"ratio"`
	Year   int32    `parquet:"year"`
	Day    *int32   `parquet:"day,optional,date"`
}

// write returns n random penguins as a Parquet file (row groups of 700
// rows, the given compression) and as the same data in CSV.
func write(t *testing.T, n int, codec pq.WriterOption) (pqFile, csvText []byte) {
	t.Helper()
	r := rand.New(rand.NewPCG(1, uint64(n)))
	islands := []string{"Biscoe", "Dream", "Torgersen", "Näsby, \"north\""}
	var rows []penguin
	var c strings.Builder
	c.WriteString("id,island,sex,bill_length_mm,body_mass_g,adult,seen,ratio,year,day\n")
	na := func() bool { return r.IntN(20) == 0 }
	for i := range n {
		p := penguin{ID: int64(i) - 5, Island: islands[r.IntN(len(islands))], Ratio: float32(r.NormFloat64())}
		cells := []string{strconv.FormatInt(p.ID, 10), strconv.Quote(p.Island)}
		if !na() {
			s := []string{"female", "male"}[r.IntN(2)]
			p.Sex = &s
			cells = append(cells, s)
		} else {
			cells = append(cells, "")
		}
		if !na() {
			v := 30 + 30*r.Float64()
			p.Bill = &v
			cells = append(cells, strconv.FormatFloat(v, 'g', -1, 64))
		} else {
			cells = append(cells, "")
		}
		if !na() {
			v := int64(2500 + r.IntN(4000))
			p.Mass = &v
			cells = append(cells, strconv.FormatInt(v, 10))
		} else {
			cells = append(cells, "NA")
		}
		if !na() {
			v := r.IntN(2) == 0
			p.Adult = &v
			cells = append(cells, strconv.FormatBool(v))
		} else {
			cells = append(cells, "")
		}
		if !na() {
			v := time.Date(2007, 11, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(3*365*24*3600)) * time.Second)
			ms := v.UnixMilli()
			p.Seen = &ms
			cells = append(cells, v.Format(time.RFC3339))
		} else {
			cells = append(cells, "")
		}
		cells = append(cells, strconv.FormatFloat(float64(p.Ratio), 'g', -1, 64))
		p.Year = int32(2007 + r.IntN(3))
		cells = append(cells, strconv.Itoa(int(p.Year)))
		if !na() {
			d := int32(13000 + r.IntN(1000))
			p.Day = &d
			cells = append(cells, time.Unix(int64(d)*86400, 0).UTC().Format("2006-01-02"))
		} else {
			cells = append(cells, "")
		}
		rows = append(rows, p)
		c.WriteString(strings.Join(cells, ",") + "\n")
	}
	var b bytes.Buffer
	w := pq.NewGenericWriter[penguin](&b, pq.MaxRowsPerRowGroup(700), codec)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// Go's %q quoting is CSV's for these strings but for the escaped quote.
	return b.Bytes(), []byte(strings.ReplaceAll(c.String(), `\"`, `""`))
}

// TestReadMatchesCSV: a Parquet file (nulls, dictionary pages, delta
// integers, timestamps, several row groups, Snappy and zstd) reads as the
// same table, kind for kind and value for value, as its CSV twin read by
// table.ReadCSVFrom (whose parsing is tested against pandas).
func TestReadMatchesCSV(t *testing.T) {
	for _, c := range []struct {
		name  string
		codec pq.WriterOption
	}{{"snappy", pq.Compression(&pq.Snappy)}, {"zstd", pq.Compression(&pq.Zstd)}} {
		file, csvText := write(t, 2500, c.codec)
		got, err := ReadFrom(bytes.NewReader(file), int64(len(file)), "p.parquet")
		if err != nil {
			t.Fatal(err)
		}
		want, err := table.ReadCSVFrom(bytes.NewReader(csvText), "p.csv", table.CSVOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Rows() != want.Rows() || strings.Join(got.Names(), ",") != strings.Join(want.Names(), ",") {
			t.Fatalf("%s: %d rows %q, want %d %q", c.name, got.Rows(), got.Names(), want.Rows(), want.Names())
		}
		for _, name := range want.Names() {
			g, w := got.Col(name), want.Col(name)
			if name == "ratio" { // FLOAT: the float32 widened, as the CSV text was written
				if g.Kind() != table.Float {
					t.Errorf("%s: ratio is %v", c.name, g.Kind())
				}
			} else if g.Kind() != w.Kind() {
				t.Errorf("%s: column %q is %v, the CSV's %v", c.name, name, g.Kind(), w.Kind())
				continue
			}
			if g.Missing() != w.Missing() || g.Missing() == 0 && name != "id" && name != "island" && name != "ratio" && name != "year" {
				t.Errorf("%s: column %q has %d missing, the CSV's %d", c.name, name, g.Missing(), w.Missing())
			}
			for i := range want.Rows() {
				if g.IsMissing(i) != w.IsMissing(i) || g.Text(i) != w.Text(i) {
					t.Fatalf("%s: column %q row %d: %q (missing %v), the CSV's %q (missing %v)", c.name, name, i, g.Text(i), g.IsMissing(i), w.Text(i), w.IsMissing(i))
				}
			}
		}
		if d := got.Describe().String(); d != want.Describe().String() {
			t.Errorf("%s: Describe differs:\n%s\nCSV:\n%s", c.name, d, want.Describe())
		}
	}
}

func TestReadErrors(t *testing.T) {
	type nested struct {
		Tags []string `parquet:"tags,list"`
	}
	var b bytes.Buffer
	w := pq.NewGenericWriter[nested](&b)
	w.Write([]nested{{Tags: []string{"a"}}})
	w.Close()
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"nested.parquet", b.Bytes(), `column "tags" is a group`},
		{"text.parquet", []byte("id,name\n1,a\n"), "text.parquet"},
		{"cut.parquet", b.Bytes()[:b.Len()/2], "cut.parquet"},
	} {
		path := filepath.Join(dir, c.name)
		if err := os.WriteFile(path, c.data, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Read(path); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		}
	}
	if _, err := Read(filepath.Join(dir, "none.parquet")); err == nil {
		t.Error("a missing file: no error")
	}
}

// FuzzRead: no input makes Read panic.
func FuzzRead(f *testing.F) {
	var b bytes.Buffer
	w := pq.NewGenericWriter[penguin](&b)
	s, v := "female", 41.5
	w.Write([]penguin{{ID: 1, Island: "Dream", Sex: &s, Bill: &v}})
	w.Close()
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		tb, err := ReadFrom(bytes.NewReader(data), int64(len(data)), "fuzz.parquet")
		if err == nil && tb == nil {
			t.Fatal("no table and no error")
		}
	})
}

func Example() {
	var b bytes.Buffer
	type row struct {
		Species string   `parquet:"species,dict"`
		Mass    *float64 `parquet:"body_mass_g,optional"`
	}
	m := 3750.0
	w := pq.NewGenericWriter[row](&b)
	w.Write([]row{{"Adelie", &m}, {"Gentoo", nil}})
	w.Close()
	t, err := ReadFrom(bytes.NewReader(b.Bytes()), int64(b.Len()), "penguins.parquet")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(t.Names(), t.Col("body_mass_g").Missing(), "missing")
	// Output:
	// [species body_mass_g] 1 missing
}
