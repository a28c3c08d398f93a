package serve

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gokernel/gokernel/mlstd/data"
	"github.com/gokernel/gokernel/mlstd/export"
)

// LoadReference reads the statistics input drift is scored against
// (Options.RefMean and RefStd) from path, which may be
//
//   - a model file saved with export.Save(path, model, export.WithData(train))
//     or exported with export.ExportONNXOptions and Data set (*.onnx): the
//     training data's statistics it records; a model file without them
//     gives none: nil, nil and no error;
//   - a safetensors file with tensors "mean" and "std" (export.SaveTensors);
//   - an IDX images file (MNIST's format, gzipped when named *.gz), pixels
//     scaled to [0, 1] as data.LoadIDX scales them;
//   - a CSV file (*.csv) of training data as data.ReadCSV reads it: numeric
//     features and the label in the last column, with or without a header
//     row (a first row that is not all numbers).
//
// Statistics of a data file are computed when it is read (data.FeatureStats).
func LoadReference(path string) (mean, std []float64, err error) {
	switch ext := strings.ToLower(filepath.Ext(path)); {
	case ext == ".csv":
		return csvReference(path)
	case ext == ".gz" || isIDX(path):
		x, err := data.ReadIDXImages(path)
		if err != nil {
			return nil, nil, err
		}
		if x.Dim(0) == 0 {
			return nil, nil, fmt.Errorf("serve: %s has no images", path)
		}
		mean, std = data.FeatureStats(x)
		return mean, std, nil
	}
	ref, err := export.ReadReference(path)
	if err != nil {
		return nil, nil, err
	}
	if ref != nil {
		return ref.Mean, ref.Std, nil
	}
	if ext := strings.ToLower(filepath.Ext(path)); ext == ".onnx" {
		return nil, nil, nil
	}
	if md, err := export.Metadata(path); err != nil {
		return nil, nil, err
	} else if _, model := md["mlstd.arch"]; model {
		return nil, nil, nil
	}
	ps, err := export.LoadTensors(path)
	if err != nil {
		return nil, nil, err
	}
	for _, p := range ps {
		switch p.Name {
		case "mean":
			mean = p.Tensor.Float64s()
		case "std":
			std = p.Tensor.Float64s()
		}
	}
	if mean == nil || std == nil {
		return nil, nil, fmt.Errorf("serve: %s is not a reference: no training-data statistics (export.WithData) and no tensors named \"mean\" and \"std\"", path)
	}
	return mean, std, nil
}

// isIDX reports whether path starts with the magic number of an IDX file
// of unsigned bytes in three dimensions (images).
func isIDX(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [4]byte
	_, err = io.ReadFull(f, b[:])
	return err == nil && b == [4]byte{0, 0, 8, 3}
}

// csvReference computes the statistics of a CSV file's feature columns.
func csvReference(path string) (mean, std []float64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("serve: %w", err)
	}
	defer f.Close()
	first, err := csv.NewReader(f).Read()
	if err != nil {
		return nil, nil, fmt.Errorf("serve: %s: %w", path, err)
	}
	header := false
	for _, s := range first[:len(first)-1] {
		if _, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err != nil {
			header = true
		}
	}
	ds, err := data.ReadCSV(path, data.CSVConfig{Header: header, LabelColumn: -1})
	if err != nil {
		return nil, nil, err
	}
	mean, std = ds.FeatureStats()
	return mean, std, nil
}
