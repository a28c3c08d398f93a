package export

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// Save writes m's state dict (nn.StateDict: parameters and buffers under
// their PyTorch names, "0.weight", "0.bias", "1.running_mean", …) to path
// in the safetensors format, with m's architecture in the header so that
// Load can rebuild it without the code that made it. m must be built from
// the layers Load knows (Sequential, Linear, Conv2d, MaxPool2d, AvgPool2d,
// AdaptiveAvgPool2d, BatchNorm1d, BatchNorm2d, ReLU, Sigmoid, Tanh,
// Softmax, LogSoftmax, Flatten, Dropout, Dropout2d); use SaveTensors for
// any other module. The write is atomic. WithData records the
// training data's statistics too, for drift scores when the model is
// served; WithPipeline records the preprocessing that makes its input;
// WithInputShape the shape of one example (needed to serve a CNN).
func Save(path string, m nn.Module, opts ...SaveOption) error {
	if m == nil {
		return fmt.Errorf("export: save %s: model is nil", path)
	}
	a, err := encodeArch(m)
	if err != nil {
		return err
	}
	entries, err := paramEntries(nn.StateDict(m))
	if err != nil {
		return err
	}
	meta := map[string]string{metaKind: "model", metaArch: a}
	for _, o := range opts {
		if o.ref != nil {
			meta[metaReference] = o.ref.encode()
		}
		if o.pipe != nil {
			if meta[metaPipeline], err = pipelineJSON(o.pipe, m); err != nil {
				return err
			}
		}
		if o.shape != nil {
			if err := checkInputShape(m, o.shape); err != nil {
				return err
			}
			b, _ := json.Marshal(o.shape)
			meta[metaInputShape] = string(b)
		}
	}
	return writeSafetensors(path, entries, meta)
}

// Load rebuilds a model saved by Save, SaveCompact or SaveCheckpoint, or
// exported by ExportONNX (a path ending in ".onnx", or any file whose
// content is ONNX rather than safetensors: see LoadONNX). The
// model is returned in evaluation mode (Dropout off), ready for inference;
// call nn.Train on it to train further. Every problem — a truncated or
// corrupt file, a missing or extra tensor, a wrong shape, an unknown layer
// kind — is an error naming the file.
func Load(path string) (nn.Module, error) {
	if strings.EqualFold(filepath.Ext(path), ".onnx") {
		return LoadONNX(path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	f, err := parseSafetensors(path, b)
	if err != nil {
		// An ONNX file under another name starts with its ir_version
		// field (tag 0x08): try it as ONNX before reporting the error.
		if len(b) > 0 && b[0] == 0x08 {
			if m, oerr := parseONNX(b, ONNXLoadOptions{}); oerr == nil {
				return m, nil
			}
		}
		return nil, err
	}
	return loadModel(f)
}

// loadModel rebuilds the model described in a parsed file.
func loadModel(f *stFile) (nn.Module, error) {
	a, ok := f.meta[metaArch]
	if !ok {
		var have []string
		for _, e := range f.entries {
			have = append(have, fmt.Sprintf("%q %v", e.name, e.shape))
		}
		return nil, f.errorf("no architecture description (%s): not written by export.Save but only tensors (%s), "+
			"such as a state dict from PyTorch's safetensors.torch.save_file; load them into code-built modules with "+
			"LoadState, or export the PyTorch model with torch.onnx.export and load the .onnx file", metaArch, listing(have))
	}
	src, done, err := f.source(modelPrefix(f))
	if err != nil {
		return nil, err
	}
	m, err := decodeArch(a, src)
	if err != nil {
		return nil, f.errorf("%v", err)
	}
	if err := done(); err != nil {
		return nil, err
	}
	return m, nil
}

// modelPrefix is the name prefix of model tensors: "model." in checkpoints.
func modelPrefix(f *stFile) string {
	if f.meta[metaKind] == "checkpoint" {
		return "model."
	}
	return ""
}

// source returns a tensorSource over the file's model tensors (decoding
// compact files) and a function that reports tensors left unused.
func (f *stFile) source(prefix string) (tensorSource, func() error, error) {
	var dec func(name string) (*tensor.Tensor, error)
	var names []string
	if f.meta[metaKind] == "compact" {
		c, err := f.compactIndex()
		if err != nil {
			return nil, nil, err
		}
		dec, names = c.decode, c.names
	} else {
		dec = func(name string) (*tensor.Tensor, error) {
			e, err := f.get(name)
			if err != nil {
				return nil, err
			}
			t, err := e.tensor()
			if err != nil {
				return nil, f.errorf("%v", err)
			}
			return t, nil
		}
		for _, e := range f.entries {
			if strings.HasPrefix(e.name, prefix) {
				names = append(names, e.name)
			}
		}
	}
	used := map[string]bool{}
	src := func(name string, shape []int) (*tensor.Tensor, error) {
		t, err := dec(prefix + name)
		if err != nil {
			return nil, err
		}
		if !sameShape(t.Shape(), shape) {
			return nil, f.errorf("tensor %q has shape %v, the model needs %v", prefix+name, t.Shape(), shape)
		}
		used[prefix+name] = true
		return t, nil
	}
	done := func() error {
		var extra []string
		for _, n := range names {
			if !used[n] {
				extra = append(extra, strconv.Quote(n))
			}
		}
		if len(extra) > 0 {
			sort.Strings(extra)
			return f.errorf("unexpected tensors not used by the model: %s", strings.Join(extra, ", "))
		}
		return nil
	}
	return src, done, nil
}

// LoadState copies the tensors of a safetensors file into m's parameters
// and buffers by name (PyTorch's load_state_dict with strict=True): every
// entry of nn.StateDict(m) must be present with its exact shape and the
// file may hold no others.
// It works on any module implementing nn.Named, and on files written by
// PyTorch or Python's safetensors (F32, F16, BF16 or F64). m is changed
// only if the whole file fits; otherwise the error lists the tensors the
// file has and the parameters m has, names and shapes (a PyTorch module's
// attribute names such as "fc1.weight" are not an nn.Sequential's "0.weight").
// Parameters keep their identity, so an optimizer built on them stays valid.
func LoadState(path string, m nn.Module) error {
	f, err := readSafetensors(path)
	if err != nil {
		return err
	}
	src, done, err := f.source(modelPrefix(f))
	if err != nil {
		return err
	}
	if err := loadInto(f, m, src, done); err != nil {
		if m == nil {
			return err
		}
		var have, want []string
		for _, e := range f.entries {
			have = append(have, fmt.Sprintf("%q %v", e.name, e.shape))
		}
		for _, p := range nn.StateDict(m) {
			want = append(want, fmt.Sprintf("%q %v", p.Name, p.Tensor.Shape()))
		}
		return fmt.Errorf("%w; the file has %s; the model has %s", err, listing(have), listing(want))
	}
	return nil
}

// listing joins items with commas, the first 20 of them.
func listing(items []string) string {
	const most = 20
	if len(items) == 0 {
		return "none"
	}
	if len(items) > most {
		return fmt.Sprintf("%s, … (%d in all)", strings.Join(items[:most], ", "), len(items))
	}
	return strings.Join(items, ", ")
}

func loadInto(f *stFile, m nn.Module, src tensorSource, done func() error) error {
	if m == nil {
		return f.errorf("model is nil")
	}
	params := nn.StateDict(m)
	loaded := make([]*tensor.Tensor, len(params))
	for i, p := range params {
		t, err := src(p.Name, p.Tensor.Shape())
		if err != nil {
			return err
		}
		loaded[i] = t
	}
	if err := done(); err != nil {
		return err
	}
	for i, p := range params {
		copy(p.Tensor.Data(), loaded[i].Data())
	}
	return nil
}

// Optimizer is what checkpoints need from an optimizer: its state as named
// tensors and a way to restore it (mlstd/optim's SGD and Adam implement it).
type Optimizer interface {
	StateDict() []nn.Param
	LoadStateDict(state []nn.Param) error
}

// SaveCheckpoint writes a training checkpoint: m's parameters and buffers
// (as "model.<name>"), the optimizer's state (as "optim.<name>", if opt is not
// nil), the epoch and m's architecture, atomically, so that LoadCheckpoint
// resumes training exactly where it stopped. The file is a safetensors file
// that Load also accepts (it rebuilds the model).
func SaveCheckpoint(path string, m nn.Module, opt Optimizer, epoch int) error {
	if m == nil {
		return fmt.Errorf("export: save %s: model is nil", path)
	}
	var params []nn.Param
	for _, p := range nn.StateDict(m) {
		params = append(params, nn.Param{Name: "model." + p.Name, Tensor: p.Tensor})
	}
	nOpt := 0
	if opt != nil {
		for _, p := range opt.StateDict() {
			params = append(params, nn.Param{Name: "optim." + p.Name, Tensor: p.Tensor})
			nOpt++
		}
	}
	entries, err := paramEntries(params)
	if err != nil {
		return err
	}
	meta := map[string]string{metaKind: "checkpoint", metaEpoch: epochString(epoch), metaOptim: strconv.Itoa(nOpt)}
	if a, err := encodeArch(m); err == nil {
		meta[metaArch] = a // optional: custom modules still checkpoint
	}
	return writeSafetensors(path, entries, meta)
}

// LoadCheckpoint restores a checkpoint written by SaveCheckpoint into m and
// opt (built the same way as when saving; opt may be nil to restore the
// model only) and returns the stored epoch. The file is validated in full
// before m is changed.
func LoadCheckpoint(path string, m nn.Module, opt Optimizer) (epoch int, err error) {
	if m == nil {
		return 0, fmt.Errorf("export: load %s: model is nil", path)
	}
	f, err := readSafetensors(path)
	if err != nil {
		return 0, err
	}
	if f.meta[metaKind] != "checkpoint" {
		return 0, f.errorf("not a checkpoint (kind %q)", f.meta[metaKind])
	}
	epoch, err = strconv.Atoi(f.meta[metaEpoch])
	if err != nil {
		return 0, f.errorf("checkpoint has no valid epoch (%q)", f.meta[metaEpoch])
	}
	nOpt, err := strconv.Atoi(f.meta[metaOptim])
	if err != nil {
		return 0, f.errorf("checkpoint has no valid optimizer count (%q)", f.meta[metaOptim])
	}
	var state []nn.Param
	for i := range f.entries {
		if !strings.HasPrefix(f.entries[i].name, "model.") && !strings.HasPrefix(f.entries[i].name, "optim.") {
			return 0, f.errorf("unexpected tensor %q in a checkpoint", f.entries[i].name)
		}
		if name, ok := strings.CutPrefix(f.entries[i].name, "optim."); ok {
			t, err := f.entries[i].tensor()
			if err != nil {
				return 0, f.errorf("%v", err)
			}
			state = append(state, nn.Param{Name: name, Tensor: t})
		}
	}
	if len(state) != nOpt {
		return 0, f.errorf("checkpoint holds %d optimizer tensors, header says %d", len(state), nOpt)
	}
	src, done, err := f.source("model.")
	if err != nil {
		return 0, err
	}
	// Check the model part first, then restore the optimizer (which may
	// refuse the state), and only then overwrite the parameters.
	params := nn.StateDict(m)
	loaded := make([]*tensor.Tensor, len(params))
	for i, p := range params {
		if loaded[i], err = src(p.Name, p.Tensor.Shape()); err != nil {
			return 0, err
		}
	}
	if err := done(); err != nil {
		return 0, err
	}
	if opt != nil {
		if err := opt.LoadStateDict(state); err != nil {
			return 0, f.errorf("optimizer state: %v", err)
		}
	}
	for i, p := range params {
		copy(p.Tensor.Data(), loaded[i].Data())
	}
	return epoch, nil
}
