package notebookrun

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// The nbformat 4 structures the runner reads and writes. Each keeps the
// fields it does not know in Extra and writes them back, so a notebook's
// metadata, cell ids, attachments and anything a later nbformat adds
// survive a run. They are written with their keys sorted, as Jupyter does.

// Notebook is an nbformat 4 notebook.
type Notebook struct {
	NBFormat      int
	NBFormatMinor int
	Metadata      Metadata
	Cells         []*Cell
	Extra         map[string]json.RawMessage
}

// Metadata is the notebook's metadata: the kernel and language it runs
// with.
type Metadata struct {
	Kernelspec   *Kernelspec
	LanguageInfo *LanguageInfo
	Extra        map[string]json.RawMessage
}

// Kernelspec names the kernel a notebook runs with.
type Kernelspec struct {
	Name, DisplayName, Language string
	Extra                       map[string]json.RawMessage
}

// LanguageInfo describes the notebook's language.
type LanguageInfo struct {
	Name, FileExtension, Mimetype string
	Extra                         map[string]json.RawMessage
}

// Cell is a notebook cell. Outputs and ExecutionCount are a code cell's;
// other cells keep any such fields in Extra.
type Cell struct {
	CellType       string
	Source         Source
	Outputs        []*Output
	ExecutionCount *int
	Extra          map[string]json.RawMessage
}

// Source is a cell's source, which nbformat stores as a string or a list
// of strings; it is written back as it was read.
type Source struct {
	Text string
	raw  json.RawMessage
}

// Output is one output of a code cell. Data is a MIME bundle as the engine
// produces it (text as one string, images base64); it is stored in
// nbformat's form, text as a list of lines.
type Output struct {
	OutputType     string         // "stream", "display_data", "execute_result" or "error"
	Name, Text     string         // stream
	Data           map[string]any // display_data, execute_result
	Metadata       map[string]any // display_data, execute_result
	ExecutionCount int            // execute_result
	EName, EValue  string         // error
	Traceback      []string       // error
	Extra          map[string]json.RawMessage
}

// fields is a JSON object's members by key, read from or written as the
// object. Keys a type knows are taken out of it; the rest are the type's
// Extra.
type fields map[string]json.RawMessage

// take decodes member key, if present, into v and removes it.
func (f fields) take(key string, v any) error {
	b, ok := f[key]
	if !ok {
		return nil
	}
	delete(f, key)
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%q: %v", key, err)
	}
	return nil
}

// extra returns the members not taken, or nil.
func (f fields) extra() map[string]json.RawMessage {
	if len(f) == 0 {
		return nil
	}
	return f
}

// object encodes known (nil values left out) over extra, keys sorted.
func object(extra map[string]json.RawMessage, known map[string]any) ([]byte, error) {
	all := make(map[string]any, len(extra)+len(known))
	for k, v := range extra {
		all[k] = v
	}
	for k, v := range known {
		if v != nil {
			all[k] = v
		}
	}
	return json.Marshal(all)
}

func decodeFields(b []byte) (fields, error) {
	var f fields
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, err
	}
	if f == nil {
		f = fields{} // null: an empty object
	}
	return f, nil
}

func (nb *Notebook) UnmarshalJSON(b []byte) error {
	f, err := decodeFields(b)
	if err != nil {
		return err
	}
	var cells []json.RawMessage
	if err := errors.Join(f.take("nbformat", &nb.NBFormat), f.take("nbformat_minor", &nb.NBFormatMinor),
		f.take("metadata", &nb.Metadata)); err != nil {
		return err
	}
	if _, ok := f["cells"]; !ok {
		return errors.New(`notebook has no "cells" list`)
	}
	if err := f.take("cells", &cells); err != nil {
		return errors.New(`notebook has no "cells" list`)
	}
	for i, c := range cells {
		cell := &Cell{}
		if err := json.Unmarshal(c, cell); err != nil {
			if errors.Is(err, errNotObject) || errors.Is(err, errNoCellType) {
				return fmt.Errorf("cell %d %v", i+1, err)
			}
			return fmt.Errorf("cell %d: %v", i+1, err)
		}
		nb.Cells = append(nb.Cells, cell)
	}
	nb.Extra = f.extra()
	return nil
}

func (nb *Notebook) MarshalJSON() ([]byte, error) {
	cells := nb.Cells
	if cells == nil {
		cells = []*Cell{}
	}
	return object(nb.Extra, map[string]any{
		"nbformat": nb.NBFormat, "nbformat_minor": nb.NBFormatMinor, "metadata": &nb.Metadata, "cells": cells,
	})
}

func (m *Metadata) UnmarshalJSON(b []byte) error {
	f, err := decodeFields(b)
	if err != nil {
		return err
	}
	if err := errors.Join(f.take("kernelspec", &m.Kernelspec), f.take("language_info", &m.LanguageInfo)); err != nil {
		return err
	}
	m.Extra = f.extra()
	return nil
}

func (m *Metadata) MarshalJSON() ([]byte, error) {
	known := map[string]any{}
	if m.Kernelspec != nil {
		known["kernelspec"] = m.Kernelspec
	}
	if m.LanguageInfo != nil {
		known["language_info"] = m.LanguageInfo
	}
	return object(m.Extra, known)
}

func (k *Kernelspec) UnmarshalJSON(b []byte) error {
	f, err := decodeFields(b)
	if err != nil {
		return err
	}
	if err := errors.Join(f.take("name", &k.Name), f.take("display_name", &k.DisplayName), f.take("language", &k.Language)); err != nil {
		return err
	}
	k.Extra = f.extra()
	return nil
}

func (k *Kernelspec) MarshalJSON() ([]byte, error) {
	return object(k.Extra, map[string]any{"name": omitEmpty(k.Name), "display_name": omitEmpty(k.DisplayName), "language": omitEmpty(k.Language)})
}

func (l *LanguageInfo) UnmarshalJSON(b []byte) error {
	f, err := decodeFields(b)
	if err != nil {
		return err
	}
	if err := errors.Join(f.take("name", &l.Name), f.take("file_extension", &l.FileExtension), f.take("mimetype", &l.Mimetype)); err != nil {
		return err
	}
	l.Extra = f.extra()
	return nil
}

func (l *LanguageInfo) MarshalJSON() ([]byte, error) {
	return object(l.Extra, map[string]any{"name": l.Name, "file_extension": omitEmpty(l.FileExtension), "mimetype": omitEmpty(l.Mimetype)})
}

// omitEmpty is s, or nil (left out by object) when s is empty.
func omitEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

var (
	errNotObject  = errors.New("is not an object")
	errNoCellType = errors.New("has no cell_type")
)

func (c *Cell) UnmarshalJSON(b []byte) error {
	f, err := decodeFields(b)
	if err != nil || bytes.Equal(b, []byte("null")) {
		return errNotObject
	}
	if err := f.take("cell_type", &c.CellType); err != nil || c.CellType == "" {
		return errNoCellType
	}
	if b, ok := f["source"]; ok {
		delete(f, "source")
		if err := c.Source.UnmarshalJSON(b); err != nil {
			return err
		}
	}
	if c.CellType == "code" {
		if err := errors.Join(f.take("outputs", &c.Outputs), f.take("execution_count", &c.ExecutionCount)); err != nil {
			return err
		}
	}
	c.Extra = f.extra()
	return nil
}

func (c *Cell) MarshalJSON() ([]byte, error) {
	known := map[string]any{"cell_type": c.CellType, "source": &c.Source}
	if c.CellType == "code" {
		outs := c.Outputs
		if outs == nil {
			outs = []*Output{}
		}
		known["outputs"] = outs
		if c.ExecutionCount != nil {
			known["execution_count"] = *c.ExecutionCount
		} else {
			known["execution_count"] = json.RawMessage("null")
		}
	}
	return object(c.Extra, known)
}

func (s *Source) UnmarshalJSON(b []byte) error {
	switch {
	case bytes.Equal(b, []byte("null")):
		s.Text = ""
	case len(b) > 0 && b[0] == '"':
		if err := json.Unmarshal(b, &s.Text); err != nil {
			return err
		}
	default:
		var lines []string
		if err := json.Unmarshal(b, &lines); err != nil {
			return errors.New("source is neither a string nor a list of strings")
		}
		s.Text = strings.Join(lines, "")
	}
	s.raw = append(json.RawMessage(nil), b...)
	return nil
}

func (s *Source) MarshalJSON() ([]byte, error) {
	if s.raw != nil {
		return s.raw, nil
	}
	return json.Marshal(multiline(s.Text))
}

func (o *Output) UnmarshalJSON(b []byte) error {
	f, err := decodeFields(b)
	if err != nil {
		return err
	}
	var text Source // a stream's text: a string or a list of lines
	if err := errors.Join(f.take("output_type", &o.OutputType), f.take("name", &o.Name), f.take("text", &text),
		f.take("data", &o.Data), f.take("metadata", &o.Metadata), f.take("execution_count", &o.ExecutionCount),
		f.take("ename", &o.EName), f.take("evalue", &o.EValue), f.take("traceback", &o.Traceback)); err != nil {
		return err
	}
	o.Text = text.Text
	for k, v := range o.Data { // back to the engine's form: text as one string
		if lines, ok := v.([]any); ok {
			var b strings.Builder
			for _, l := range lines {
				s, _ := l.(string)
				b.WriteString(s)
			}
			o.Data[k] = b.String()
		}
	}
	o.Extra = f.extra()
	return nil
}

func (o *Output) MarshalJSON() ([]byte, error) {
	known := map[string]any{"output_type": o.OutputType}
	md := o.Metadata
	if md == nil {
		md = map[string]any{}
	}
	switch o.OutputType {
	case "stream":
		known["name"], known["text"] = o.Name, multiline(o.Text)
	case "execute_result":
		known["execution_count"] = o.ExecutionCount
		fallthrough
	case "display_data":
		known["data"], known["metadata"] = mimeForNotebook(o.Data), md
	case "error":
		tb := o.Traceback
		if tb == nil {
			tb = []string{}
		}
		known["ename"], known["evalue"], known["traceback"] = o.EName, o.EValue, tb
	}
	return object(o.Extra, known)
}

// multiline splits text the way Jupyter stores it: a list of lines that keep
// their newlines.
func multiline(s string) []string {
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if lines == nil {
		lines = []string{}
	}
	return lines
}

// mimeForNotebook converts a MIME bundle to nbformat's stored form: text
// types as line lists, JSON as is, binary images as base64 strings.
func mimeForNotebook(data map[string]any) map[string]any {
	out := make(map[string]any, len(data))
	for k, v := range data {
		if s, ok := v.(string); ok && k != "image/png" && k != "image/jpeg" && !strings.HasSuffix(k, "json") {
			out[k] = multiline(s)
			continue
		}
		out[k] = v
	}
	return out
}
