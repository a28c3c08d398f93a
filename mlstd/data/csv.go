package data

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/gokernel/gokernel/mlstd/tensor"
)

// CSVConfig says how to read a CSV file into a Dataset.
type CSVConfig struct {
	// Header says the first row holds column names.
	Header bool
	// LabelColumn is the index of the label column; negative counts from
	// the end (-1 is the last column). Ignored when Label is set.
	LabelColumn int
	// Label names the label column (needs Header).
	Label string
	// Comma is the field separator; 0 means ','.
	Comma rune
}

// ReadCSV reads a CSV file of numeric feature columns and one label
// column into a Dataset with X of shape [rows, columns-1].
//
// Labels that are all integers ≥ 0 are used as class indices; otherwise
// the distinct label strings are sorted and numbered (sklearn's
// LabelEncoder), and Dataset.Classes holds them. A field that is not a
// number is an error naming the line and column.
func ReadCSV(path string, cfg CSVConfig) (*Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	ds, err := ReadCSVFrom(f, cfg)
	if err != nil {
		return nil, fmt.Errorf("data: %s: %w", path, err)
	}
	return ds, nil
}

// ReadCSVFrom is ReadCSV reading from r; its errors are not prefixed with
// a file name.
func ReadCSVFrom(r io.Reader, cfg CSVConfig) (*Dataset, error) {
	cr := csv.NewReader(r)
	if cfg.Comma != 0 {
		cr.Comma = cfg.Comma
	}
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	var header []string
	if cfg.Header {
		h, err := cr.Read()
		if err != nil {
			return nil, fmt.Errorf("reading header: %w", err)
		}
		header = slices.Clone(h)
	}
	var (
		x      []float32
		labels []string
		ncol   = len(header)
		lc     = -1
	)
	line := 1
	if cfg.Header {
		line = 2
	}
	for ; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if lc < 0 {
			ncol = len(rec)
			if lc, err = labelIndex(cfg, header, ncol); err != nil {
				return nil, err
			}
		}
		if len(rec) != ncol {
			return nil, fmt.Errorf("line %d: %d fields, want %d", line, len(rec), ncol)
		}
		for j, s := range rec {
			if j == lc {
				labels = append(labels, strings.TrimSpace(s))
				continue
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(s), 32)
			if err != nil {
				return nil, fmt.Errorf("line %d, column %d: %q is not a number", line, j+1, s)
			}
			x = append(x, float32(v))
		}
	}
	if len(labels) == 0 {
		return nil, fmt.Errorf("no data rows")
	}
	y, classes := encodeLabels(labels)
	ds := NewDataset(tensor.New(x, len(labels), ncol-1), y)
	ds.Classes = classes
	return ds, nil
}

// labelIndex resolves the label column.
func labelIndex(cfg CSVConfig, header []string, ncol int) (int, error) {
	if cfg.Label != "" {
		if i := slices.Index(header, cfg.Label); i >= 0 {
			return i, nil
		}
		return 0, fmt.Errorf("no column named %q in header %q", cfg.Label, header)
	}
	i := cfg.LabelColumn
	if i < 0 {
		i += ncol
	}
	if i < 0 || i >= ncol {
		return 0, fmt.Errorf("label column %d out of range for %d columns", cfg.LabelColumn, ncol)
	}
	return i, nil
}

// encodeLabels turns label strings into class indices: integers as they
// are, anything else numbered in sorted order.
func encodeLabels(labels []string) ([]int, []string) {
	y := make([]int, len(labels))
	numeric := true
	for i, s := range labels {
		v, err := strconv.Atoi(s)
		if err != nil || v < 0 {
			numeric = false
			break
		}
		y[i] = v
	}
	if numeric {
		return y, nil
	}
	classes := slices.Clone(labels)
	slices.Sort(classes)
	classes = slices.Compact(classes)
	for i, s := range labels {
		y[i], _ = slices.BinarySearch(classes, s)
	}
	return y, classes
}
