package serve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/gokernel/gokernel/mlstd/prep"
	"github.com/gokernel/gokernel/mlstd/table"
)

// A pipelined model (Options.Pipeline) takes raw table rows: one v2
// input per raw column, named as the column, of shape [batch] or
// [batch, 1], holding the column's values for each row — MLServer's
// pandas codec's shape. This file parses such requests into a table,
// runs the pipeline on it and hands the features to the batcher, so the
// model sees exactly what prep.Pipeline.Transform makes in a notebook.

// datatypeOf is the v2 datatype listed for a raw column of kind k:
// FP64 for floats (the pipeline computes in float64; any numeric type is
// accepted), INT64, BOOL, BYTES for text.
func datatypeOf(k table.Kind) string {
	switch k {
	case table.Float:
		return "FP64"
	case table.Int:
		return "INT64"
	case table.Bool:
		return "BOOL"
	}
	return "BYTES"
}

// checkPipeline checks that p is fitted, reads only kinds a request can
// carry, and makes width features.
func checkPipeline(p *prep.Pipeline, width int) error {
	if p.Features() == nil {
		return fmt.Errorf("serve: the pipeline is not fitted (call Fit first)")
	}
	if len(p.Features()) != width {
		return fmt.Errorf("serve: the pipeline makes %d features, the model takes %d", len(p.Features()), width)
	}
	for _, in := range p.Inputs() {
		if in.Kind == table.Time {
			return fmt.Errorf("serve: the pipeline reads the time column %q, which raw-row requests cannot carry; derive a number column from it before the pipeline", in.Name)
		}
	}
	return nil
}

// samePipelineInputs reports why a reloaded pipeline cannot replace the
// served one, "" when it can: clients address the raw columns by name and
// type, so those must stay.
func samePipelineInputs(old, new *prep.Pipeline) string {
	switch {
	case old == nil && new == nil:
		return ""
	case old == nil:
		return "the new file has a preprocessing pipeline, the served model none: restart the server to serve raw rows"
	case new == nil:
		return "the new file has no preprocessing pipeline: the server takes raw rows"
	}
	a, b := old.Inputs(), new.Inputs()
	if len(a) != len(b) {
		return fmt.Sprintf("the new pipeline reads %d raw columns, the served one %d", len(b), len(a))
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Kind != b[i].Kind {
			return fmt.Sprintf("the new pipeline's raw column %d is %q (%v), the served one's %q (%v)", i, b[i].Name, b[i].Kind, a[i].Name, a[i].Kind)
		}
	}
	return ""
}

// pipelineReference returns the drift reference of a pipeline: the
// training mean and standard deviation of its number columns, and the
// indexes of those columns among its inputs.
func pipelineReference(p *prep.Pipeline) (mean, std []float64, cols []int) {
	for i, in := range p.Inputs() {
		if in.Kind.Numeric() && !math.IsNaN(in.Mean) {
			mean, std, cols = append(mean, in.Mean), append(std, in.Std), append(cols, i)
		}
	}
	return mean, std, cols
}

// rowsRequest is a raw-row $inference_request.
type rowsRequest struct {
	ID     *string `json:"id"`
	Inputs []struct {
		Name       string                     `json:"name"`
		Datatype   string                     `json:"datatype"`
		Shape      []int                      `json:"shape"`
		Data       json.RawMessage            `json:"data"`
		Parameters map[string]json.RawMessage `json:"parameters"`
	} `json:"inputs"`
	Outputs []struct {
		Name string `json:"name"`
	} `json:"outputs"`
}

// parseRows decodes a raw-row request for pipeline p into its id and
// outputs (in an inferRequest without inputs) and a table of the raw
// columns in p's order. Every error names the column.
func (s *Server) parseRows(body []byte, p *prep.Pipeline) (*inferRequest, *table.Table, error) {
	var rr rowsRequest
	if err := json.Unmarshal(body, &rr); err != nil {
		return nil, nil, errorf("invalid JSON: %v", err)
	}
	req := &inferRequest{}
	if rr.ID != nil {
		req.ID, req.HasID = *rr.ID, true
	}
	if rr.Outputs != nil {
		req.Outputs = []string{}
		for _, o := range rr.Outputs {
			req.Outputs = append(req.Outputs, o.Name)
		}
	}
	inputs := p.Inputs()
	var names []string
	index := map[string]int{}
	for i, in := range inputs {
		names = append(names, in.Name+" "+datatypeOf(in.Kind))
		index[in.Name] = i
	}
	cols := make([]*table.Column, len(inputs))
	rows := -1
	for _, in := range rr.Inputs {
		i, ok := index[in.Name]
		if !ok {
			return nil, nil, errorf("unexpected input %q: model %q takes one input per raw column (%s)", in.Name, s.opts.Name, strings.Join(names, ", "))
		}
		if cols[i] != nil {
			return nil, nil, errorf("input %q is given twice", in.Name)
		}
		if _, bin := in.Parameters["binary_data_size"]; bin {
			return nil, nil, errorf("input %q: raw columns take JSON data, not binary_data_size", in.Name)
		}
		n, err := s.rowsShape(in.Name, in.Shape)
		if err != nil {
			return nil, nil, err
		}
		if rows >= 0 && n != rows {
			return nil, nil, errorf("input %q has %d rows, the inputs before it %d", in.Name, n, rows)
		}
		rows = n
		if cols[i], err = rawColumn(inputs[i], in.Datatype, in.Data, n); err != nil {
			return nil, nil, err
		}
	}
	for i, c := range cols {
		if c == nil {
			return nil, nil, errorf("the request has no input %q (%s): model %q takes one input per raw column (%s)",
				inputs[i].Name, datatypeOf(inputs[i].Kind), s.opts.Name, strings.Join(names, ", "))
		}
	}
	return req, table.New(cols), nil
}

// rowsShape checks a raw column's shape, [batch] or [batch, 1], and
// returns the batch size.
func (s *Server) rowsShape(name string, shape []int) (int, error) {
	if len(shape) == 0 || len(shape) > 2 || (len(shape) == 2 && shape[1] != 1) {
		return 0, errorf("input %q has shape %v; a raw column has shape [batch] or [batch, 1]", name, shape)
	}
	n := shape[0]
	if n <= 0 {
		return 0, errorf("input %q has an empty batch", name)
	}
	if n > s.opts.MaxRequestRows {
		return 0, &httpError{code: http.StatusRequestEntityTooLarge,
			msg: fmt.Sprintf("serve: batch of %d rows exceeds the limit of %d", n, s.opts.MaxRequestRows)}
	}
	return n, nil
}

// rawColumn decodes the data of one raw column of n rows; JSON null is a
// missing value, which the pipeline's Imputer fills (or which is an error
// from the step that meets it).
func rawColumn(in prep.Input, datatype string, data json.RawMessage, n int) (*table.Column, error) {
	want := datatypeOf(in.Kind)
	switch {
	case in.Kind.Numeric() && in.Kind != table.Bool:
		if !numericType(datatype) {
			return nil, errorf("input %q has datatype %q; the column holds numbers (%s, or any numeric datatype)", in.Name, datatype, want)
		}
	case datatype != want:
		return nil, errorf("input %q has datatype %q; the column holds %vs (%s)", in.Name, datatype, in.Kind, want)
	}
	if len(data) == 0 {
		return nil, errorf("input %q has no data", in.Name)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var vals []any
	if err := dec.Decode(&vals); err != nil {
		return nil, errorf("input %q: data is not an array of values: %v", in.Name, err)
	}
	if len(vals) != n {
		return nil, errorf("input %q has %d values; shape [%d] needs %d", in.Name, len(vals), n, n)
	}
	missing := make([]bool, n)
	bad := func(i int, v any, what string) error {
		b, _ := json.Marshal(v)
		return errorf("input %q: element %d is %s, not %s", in.Name, i, b, what)
	}
	var f []float64
	var ints []int64
	var bools []bool
	var strs []string
	for i, v := range vals {
		if a, ok := v.([]any); ok && len(a) == 1 { // nested as [batch, 1]
			v = a[0]
		}
		if v == nil {
			missing[i] = true
		}
		switch in.Kind {
		case table.Float:
			x := math.NaN()
			if v != nil {
				num, ok := v.(json.Number)
				if !ok {
					return nil, bad(i, v, "a number")
				}
				var err error
				if x, err = strconv.ParseFloat(string(num), 64); err != nil || math.IsInf(x, 0) {
					return nil, bad(i, v, "a finite number")
				}
				if err := checkRange(in.Name, i, x, datatype); err != nil {
					return nil, err
				}
			}
			f = append(f, x)
		case table.Int:
			var k int64
			if v != nil {
				num, ok := v.(json.Number)
				if !ok {
					return nil, bad(i, v, "an integer")
				}
				var err error
				if k, err = strconv.ParseInt(string(num), 10, 64); err != nil {
					x, ferr := strconv.ParseFloat(string(num), 64)
					if ferr != nil || x != math.Trunc(x) || math.Abs(x) >= 1<<63 {
						return nil, bad(i, v, "an integer")
					}
					k = int64(x)
				}
				if err := checkRange(in.Name, i, float64(k), datatype); err != nil {
					return nil, err
				}
			}
			ints = append(ints, k)
		case table.Bool:
			b, ok := v.(bool)
			if !ok && v != nil {
				return nil, bad(i, v, "true or false")
			}
			bools = append(bools, b)
		default:
			t, ok := v.(string)
			if !ok && v != nil {
				return nil, bad(i, v, "a string")
			}
			strs = append(strs, t)
		}
	}
	switch in.Kind {
	case table.Float:
		return table.NewFloats(in.Name, f), nil
	case table.Int:
		return table.NewInts(in.Name, ints).WithMissing(missing), nil
	case table.Bool:
		return table.NewBools(in.Name, bools).WithMissing(missing), nil
	}
	return table.NewStrings(in.Name, strs, missing), nil
}

// checkRange refuses a value its declared datatype cannot hold.
func checkRange(name string, i int, x float64, datatype string) error {
	if datatype == "FP32" && math.Abs(x) > math.MaxFloat32 {
		return errorf("input %q: element %d is %v, outside the range of FP32", name, i, x)
	}
	lo, hi, integer, ok := typeRange(datatype)
	if !ok {
		return nil
	}
	if x < float64(lo) || x > float64(hi) {
		return errorf("input %q: element %d is %v, outside the range of %s", name, i, x, datatype)
	}
	if integer && x != math.Trunc(x) {
		return errorf("input %q: element %d is %v, not an integer as %s needs", name, i, x, datatype)
	}
	return nil
}

// parseRawRows parses a raw-row request for pipeline p and returns it
// with the model's input: the features of its rows.
func (s *Server) parseRawRows(body, bin []byte, p *prep.Pipeline) (*inferRequest, []float32, int, error) {
	if len(bin) > 0 {
		return nil, nil, 0, errorf("raw columns take JSON data, not binary data after the header")
	}
	req, t, err := s.parseRows(body, p)
	if err != nil {
		return nil, nil, 0, err
	}
	x, err := s.transformRows(p, t)
	if err != nil {
		return nil, nil, 0, err
	}
	return req, x, t.Rows(), nil
}

// transformRows runs the pipeline on a request's raw rows and scores
// drift on their number columns; a row the pipeline refuses (an unknown
// category with OneHot{Unknown: prep.Error}, a gap no Imputer fills) is
// the client's error, which names the column.
func (s *Server) transformRows(p *prep.Pipeline, t *table.Table) ([]float32, error) {
	x, err := p.Transform(t)
	if err != nil {
		return nil, errorf("%s", strings.TrimPrefix(err.Error(), "prep: "))
	}
	if cols := *s.driftCols.Load(); len(cols) > 0 {
		inputs := p.Inputs()
		rows := t.Rows()
		v := make([]float32, rows*len(cols))
		for j, c := range cols {
			col := t.Col(inputs[c].Name)
			for r := range rows {
				y := inputs[c].Mean // a missing value counts as the training mean
				if !col.IsMissing(r) {
					y = col.Float(r)
				}
				v[r*len(cols)+j] = float32(y)
			}
		}
		for _, score := range s.drift.observe(v, rows) {
			s.metrics.drift.Set(score)
		}
	}
	return x.Data(), nil
}

// InferRows sends the rows of t to the pipelined model at baseURL (one v2
// input per column: numbers as FP64, written in Go's shortest round-trip
// form so the server reads the same float64 values; integers as INT64,
// booleans as BOOL, text as BYTES, missing values as null) and decodes the
// answer, as Infer does for tensors. Only the columns the model's
// pipeline reads need to be in t, but extra ones are sent too (and
// refused by the server): Select them first.
func InferRows(baseURL, model, id string, t *table.Table) (*Prediction, error) {
	req, err := rowsRequestBody(id, t)
	if err != nil {
		return nil, err
	}
	return decodePrediction(baseURL, model, req)
}

// rowsRequestBody is InferRows's request.
func rowsRequestBody(id string, t *table.Table) ([]byte, error) {
	if t == nil || t.Rows() == 0 {
		return nil, fmt.Errorf("serve: InferRows needs a table with rows")
	}
	var b bytes.Buffer
	b.WriteString(`{`)
	if id != "" {
		b.WriteString(`"id":`)
		b.Write(appendString(nil, id))
		b.WriteString(`,`)
	}
	b.WriteString(`"inputs":[`)
	buf := make([]byte, 0, 32)
	for j, c := range t.Columns() {
		if j > 0 {
			b.WriteByte(',')
		}
		if c.Kind() == table.Time {
			return nil, fmt.Errorf("serve: column %q holds times, which a raw-row request cannot carry", c.Name())
		}
		b.WriteString(`{"name":`)
		b.Write(appendString(buf[:0], c.Name()))
		fmt.Fprintf(&b, `,"datatype":%q,"shape":[%d],"data":[`, datatypeOf(c.Kind()), t.Rows())
		var ints []int64
		if c.Kind() == table.Int {
			ints = c.Ints()
		}
		for i := range t.Rows() {
			if i > 0 {
				b.WriteByte(',')
			}
			switch {
			case c.IsMissing(i):
				b.WriteString("null")
			case c.Kind() == table.String:
				b.Write(appendString(buf[:0], c.Text(i)))
			case c.Kind() == table.Bool:
				b.WriteString(strconv.FormatBool(c.Float(i) != 0))
			case ints != nil:
				b.Write(strconv.AppendInt(buf[:0], ints[i], 10))
			default:
				b.Write(strconv.AppendFloat(buf[:0], c.Float(i), 'g', -1, 64))
			}
		}
		b.WriteString(`]}`)
	}
	b.WriteString(`],"outputs":[{"name":"output"},{"name":"predicted_class"}]}`)
	return b.Bytes(), nil
}
