package table

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/gokernel/gokernel/mlstd/host"
)

// CSVOptions says how to read a CSV file. The zero value reads a
// comma-separated file with a header row, pandas' missing-value tokens
// plus "?", and column kinds inferred from the first 1,000 rows.
type CSVOptions struct {
	Comma     rune            // field separator; 0 means ','
	Comment   rune            // lines starting with it are skipped; 0: none
	NoHeader  bool            // the first row is data; columns are named "0", "1", …
	NA        []string        // missing-value tokens; nil means NATokens()
	Types     map[string]Kind // kinds of the named columns, instead of inferring them
	InferRows int             // rows whose values decide the other columns' kinds; 0 means 1000
}

// NATokens returns the default missing-value tokens: pandas' defaults
// ("", "NA", "N/A", "NaN", "nan", "NULL", "null", "None", "#N/A", …) and "?".
func NATokens() []string {
	return []string{"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan",
		"1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null", "?"}
}

// ReadJSONLines reads a file of JSON objects, one per line (pandas'
// read_json(lines=True)): each key is a column, null or an absent key is
// missing, numbers are Int or Float, true/false Bool, and strings are
// inferred like CSV fields (so "2024-01-05" is a Time). Blank lines are
// skipped. Errors name the file and line.
func ReadJSONLines(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("table: %w", err)
	}
	defer f.Close()
	return ReadJSONLinesFrom(f, path)
}

// ReadJSONLinesFrom is ReadJSONLines reading from r; name stands for the
// file in errors.
func ReadJSONLinesFrom(r io.Reader, name string) (*Table, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<30)
	var bs []*builder
	byName := map[string]*builder{}
	rows := 0
	for line := 1; sc.Scan(); line++ {
		if line%4096 == 0 {
			host.Check()
		}
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(text, &obj); err != nil {
			return nil, fmt.Errorf("table: %s:%d: %v", name, line, err)
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys) // new columns of one line appear in a fixed order
		for _, k := range keys {
			b := byName[k]
			if b == nil {
				b = newBuilder(k)
				for range rows {
					b.missing()
				}
				byName[k] = b
				bs = append(bs, b)
			}
			if err := addJSON(b, obj[k]); err != nil {
				return nil, fmt.Errorf("table: %s:%d: column %q: %v", name, line, k, err)
			}
		}
		rows++
		for _, b := range bs {
			if b.rows < rows {
				b.missing()
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("table: %s: %w", name, err)
	}
	cols := make([]*Column, len(bs))
	for j, b := range bs {
		cols[j] = b.column()
	}
	return &Table{cols: cols, rows: rows}, nil
}

// addJSON adds one JSON value to a column.
func addJSON(b *builder, raw json.RawMessage) error {
	s := strings.TrimSpace(string(raw))
	switch {
	case s == "null":
		b.missing()
		return nil
	case s == "true" || s == "false":
		if b.decided && b.col.kind != Bool {
			return fmt.Errorf("%s in a column of %vs", s, b.col.kind)
		}
		return b.add(s)
	case strings.HasPrefix(s, `"`):
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		if b.decided && b.col.kind.Numeric() {
			return fmt.Errorf("%q is not a number", v)
		}
		return b.add(v)
	case strings.HasPrefix(s, "{") || strings.HasPrefix(s, "["):
		return fmt.Errorf("nested value %.40s is not supported", s)
	}
	if b.decided && (b.col.kind == String || b.col.kind == Time || b.col.kind == Bool) {
		return fmt.Errorf("number %s in a column of %vs", s, b.col.kind)
	}
	return b.add(s)
}
