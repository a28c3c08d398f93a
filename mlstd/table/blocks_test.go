package table

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// withBlockSize runs f with blocks of n bytes, so small files take the
// parallel path through many blocks.
func withBlockSize(n int, f func()) {
	old := blockSize
	blockSize = n
	defer func() { blockSize = old }()
	f()
}

// TestBlocksEqualOnePass reads files through blocks of a few hundred
// bytes — records with quoted newlines and quotes cut across them,
// comment lines with quotes, an int column that turns float late, a
// column that is empty until late — and compares every value with a
// read in one block.
func TestBlocksEqualOnePass(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,n,text,late,flag\n")
	for i := range 3000 {
		n, late := fmt.Sprint(i%97), ""
		if i == 2500 {
			n = "1.5"
		}
		if i > 2000 {
			late = fmt.Sprint(i % 5)
		}
		text := fmt.Sprintf("\"line %d\nsaid \"\"%d\"\", ok\"", i, i%13)
		if i%11 == 0 {
			text = "plain"
		}
		fmt.Fprintf(&b, "%d,%s,%s,%s,%t\n", i, n, text, late, i%3 == 0)
		if i%101 == 0 {
			b.WriteString("# a comment with a \" quote\n")
		}
	}
	files := map[string]string{"generated": b.String()}
	for _, path := range []string{"testdata/penguins.csv", randomCSV(t, 3000, 8)} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		files[path] = string(data)
	}
	for name, text := range files {
		opt := CSVOptions{InferRows: 100}
		if name == "generated" {
			opt.Comment = '#'
		}
		want := mustRead(t, text, opt)
		for _, size := range []int{64, 300, 4096} {
			var got *Table
			withBlockSize(size, func() { got = mustRead(t, text, opt) })
			if got.Rows() != want.Rows() {
				t.Fatalf("%s, blocks of %d: %d rows, one pass %d", name, size, got.Rows(), want.Rows())
			}
			for j, c := range got.Columns() {
				w := want.Columns()[j]
				if c.Kind() != w.Kind() || c.Missing() != w.Missing() || strings.Join(c.Strings(), "\x00") != strings.Join(w.Strings(), "\x00") {
					t.Errorf("%s, blocks of %d: column %v differs from one pass %v", name, size, c, w)
				}
			}
		}
	}
}

// TestBlockErrorsComeInFileOrder: with bad values in several blocks, the
// error is the first in the file, with its line.
func TestBlockErrorsComeInFileOrder(t *testing.T) {
	var b strings.Builder
	b.WriteString("a,b\n")
	for i := range 5000 {
		a, bb := "1", "2"
		switch i {
		case 3000:
			bb = "bad"
		case 4000:
			a = "worse"
		}
		fmt.Fprintf(&b, "%s,%s\n", a, bb)
	}
	withBlockSize(256, func() {
		_, err := ReadCSVFrom(strings.NewReader(b.String()), "t.csv", CSVOptions{})
		if want := `t.csv:3002: column "b": "bad" is not a number`; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want %q", err, want)
		}
		_, err = ReadCSVFrom(strings.NewReader(b.String()+"1,\"open\n"), "t.csv", CSVOptions{Types: map[string]Kind{"b": String, "a": String}})
		if want := `t.csv:5002: column`; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want %q", err, want)
		}
	})
}
