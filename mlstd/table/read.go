package table

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
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

// ReadCSV reads a CSV file into a table in one pass (see package doc for
// how kinds are inferred). Errors name the file, line and column:
//
//	penguins.csv:12: column "body_mass_g": "heavy" is not a number
func ReadCSV(path string, opt CSVOptions) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("table: %w", err)
	}
	defer f.Close()
	return ReadCSVFrom(f, path, opt)
}

// ReadCSVFrom is ReadCSV reading from r; name stands for the file in
// errors.
func ReadCSVFrom(r io.Reader, name string, opt CSVOptions) (*Table, error) {
	cr := csv.NewReader(bufio.NewReaderSize(r, 1<<16))
	if opt.Comma != 0 {
		cr.Comma = opt.Comma
	}
	cr.Comment = opt.Comment
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	fail := func(line int, format string, args ...any) error {
		return fmt.Errorf("table: %s:%d: %s", name, line, fmt.Sprintf(format, args...))
	}
	readErr := func(err error) error {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return fail(pe.Line, "column %d: %v", pe.Column, pe.Err)
		}
		return fmt.Errorf("table: %s: %w", name, err)
	}
	na := opt.NA
	if na == nil {
		na = NATokens()
	}
	isNA := make(map[string]bool, len(na))
	maxNA := 0
	for _, s := range na {
		isNA[s] = true
		maxNA = max(maxNA, len(s))
	}

	first, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("table: %s: empty file", name)
	}
	if err != nil {
		return nil, readErr(err)
	}
	var names []string
	var pending [][]string // rows read before the kinds are decided
	var lines []int
	if opt.NoHeader {
		for j := range first {
			names = append(names, strconv.Itoa(j))
		}
		line, _ := cr.FieldPos(0)
		pending, lines = [][]string{slices.Clone(first)}, []int{line}
	} else {
		names = headerNames(first)
	}
	for n := range opt.Types {
		if !slices.Contains(names, n) {
			return nil, fmt.Errorf("table: %s: CSVOptions.Types names column %q, which the file does not have (columns %q)", name, n, names)
		}
	}
	bs := make([]*builder, len(names))
	for j, n := range names {
		bs[j] = newBuilder(n)
	}
	put := func(rec []string, line int) error {
		if len(rec) != len(bs) {
			return fail(line, "%d fields, but the header has %d", len(rec), len(bs))
		}
		for j, s := range rec {
			b := bs[j]
			if len(s) <= maxNA && isNA[s] {
				b.missing()
				continue
			}
			if err := b.add(s); err != nil {
				line, _ := cr.FieldPos(j)
				return fail(line, "column %q: %v", b.col.name, err)
			}
		}
		return nil
	}
	inferRows := opt.InferRows
	if inferRows <= 0 {
		inferRows = 1000
	}
	decided := false
	decide := func() error {
		decided = true
		for j, b := range bs {
			if k, ok := opt.Types[b.col.name]; ok {
				b.decide(k)
				continue
			}
			var sample []string
			for _, rec := range pending {
				if j < len(rec) && !isNA[rec[j]] {
					sample = append(sample, rec[j])
				}
			}
			if len(sample) > 0 {
				b.decide(infer(sample))
			}
		}
		for i, rec := range pending {
			if err := putPending(bs, rec, lines[i], isNA, fail); err != nil {
				return err
			}
		}
		pending, lines = nil, nil
		return nil
	}
	for row := 0; ; row++ {
		if row%4096 == 0 {
			host.Check()
		}
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, readErr(err)
		}
		line, _ := cr.FieldPos(0)
		if decided {
			if err := put(rec, line); err != nil {
				return nil, err
			}
			continue
		}
		pending = append(pending, slices.Clone(rec))
		lines = append(lines, line)
		if len(pending) >= inferRows {
			if err := decide(); err != nil {
				return nil, err
			}
		}
	}
	if !decided {
		if err := decide(); err != nil {
			return nil, err
		}
	}
	cols := make([]*Column, len(bs))
	for j, b := range bs {
		cols[j] = b.column()
	}
	return &Table{cols: cols, rows: bs[0].rows}, nil
}

// putPending adds a row kept from the inference sample; its field
// positions are no longer known to the reader, so errors name its line.
func putPending(bs []*builder, rec []string, line int, isNA map[string]bool, fail func(int, string, ...any) error) error {
	if len(rec) != len(bs) {
		return fail(line, "%d fields, but the header has %d", len(rec), len(bs))
	}
	for j, s := range rec {
		if isNA[s] {
			bs[j].missing()
		} else if err := bs[j].add(s); err != nil {
			return fail(line, "column %q: %v", bs[j].col.name, err)
		}
	}
	return nil
}

// headerNames returns the column names of a header row the way pandas
// reads them: an empty name becomes "Unnamed: j" and a repeated name gets
// a suffix (".1", ".2", …).
func headerNames(h []string) []string {
	names := make([]string, len(h))
	seen := map[string]bool{}
	for j, s := range h {
		if s == "" {
			s = "Unnamed: " + strconv.Itoa(j)
		}
		base := s
		for k := 1; seen[s]; k++ {
			s = base + "." + strconv.Itoa(k)
		}
		seen[s] = true
		names[j] = s
	}
	return names
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
