package serve

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync"
)

func (s *Server) handleInfer(w http.ResponseWriter, r *http.Request) error {
	if err := s.checkModel(r); err != nil {
		return err
	}
	bp, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	rp := respPool.Get().(*[]byte)
	released := false
	release := func() {
		if !released && cap(*bp) <= 4<<20 {
			bodyPool.Put(bp)
		}
		released = true
	}
	buf, err := s.infer((*rp)[:0], *bp, r.Header.Get("Inference-Header-Content-Length"), release, r.Context().Done())
	release()
	if err != nil {
		respPool.Put(rp)
		return err
	}
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = []string{strconv.Itoa(len(buf))}
	w.Write(buf)
	if cap(buf) <= 1<<20 {
		*rp = buf
		respPool.Put(rp)
	}
	return nil
}

// infer runs one inference request and appends the $inference_response
// JSON to dst. body is the request JSON or, with the binary tensor data
// extension, a JSON header of headerLen bytes (the
// Inference-Header-Content-Length header; "" without it) followed by the
// binary data. infer calls release (if not nil) as soon as it is done
// with body, once the request is parsed, so that the caller can reuse the
// body's buffer while the request waits for the model. cancel, when not
// nil, abandons the wait for the model (the client left).
func (s *Server) infer(dst, body []byte, headerLen string, release func(), cancel <-chan struct{}) ([]byte, error) {
	var bin []byte
	if headerLen != "" {
		n, err := strconv.Atoi(headerLen)
		if err != nil || n < 0 || n > len(body) {
			return nil, errorf("Inference-Header-Content-Length %q does not fit a body of %d bytes", headerLen, len(body))
		}
		body, bin = body[:n], body[n:]
	}
	var req *inferRequest
	var x []float32 // the model's input, rows × features
	var rows int
	var err error
	if s.pipe.Load() != nil { // raw rows: for the server's life (reloads keep a pipeline)
		s.pairMu.RLock()
		defer s.pairMu.RUnlock()
		req, x, rows, err = s.parseRawRows(body, bin, s.pipe.Load())
	} else {
		req, err = parseInferRequest(body)
		if err == nil {
			err = attachBinary(req, bin)
		}
		if err == nil {
			rows, err = s.validate(req)
		}
		if err == nil {
			x = req.Inputs[0].Data
		}
	}
	if release != nil {
		release() // req and x hold copies: strings and float32 data
	}
	if err != nil {
		return nil, err
	}
	want, err := s.wantedOutputs(req.Outputs)
	if err != nil {
		return nil, err
	}
	j := jobPool.Get().(*job)
	j.x, j.rows = x, rows
	if !s.batch.runInline(j) {
		if err := s.batch.submit(j); err != nil {
			jobPool.Put(j)
			return nil, err
		}
	}
	var res result
	select {
	case res = <-j.done:
		j.x = nil
		jobPool.Put(j) // done is empty again
	case <-cancel: // client gone; the job still completes into j.done, so it is not reused
		return nil, &httpError{code: 499, msg: "serve: client closed the request"}
	}
	if res.err != nil {
		return nil, res.err
	}
	classes := s.argmax(res.out, rows)
	id := req.ID
	if !req.HasID {
		id = "gk-" + strconv.FormatUint(s.nextID.Add(1), 10)
	}
	s.preds.remember(id, classes)
	dst, err = s.encodeResponse(dst, id, res.out, classes, rows, want)
	if res.free && len(req.Inputs) > 0 {
		putData(x) // pooled tensor data (raw rows' features are not)
	}
	return dst, err
}

// jobPool recycles jobs with their result channels; a job goes back only
// after its result has been received.
var jobPool = sync.Pool{New: func() any { return &job{done: make(chan result, 1)} }}

// respPool recycles response buffers (w.Write copies out of them).
var respPool = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

// jsonContentType is shared by every response header; net/http only reads it.
var jsonContentType = []string{"application/json"}

// attachBinary hands out the bytes after the JSON header to the inputs
// with a "binary_data_size" parameter, in order (the binary tensor data
// extension of Triton and KServe). FP32 and FP64 are little-endian.
func attachBinary(req *inferRequest, bin []byte) error {
	off := 0
	for i := range req.Inputs {
		in := &req.Inputs[i]
		if in.BinarySize < 0 {
			continue
		}
		if in.HasData {
			return errorf("input %q has both \"data\" and binary_data_size", in.Name)
		}
		if in.BinarySize > len(bin)-off {
			return errorf("input %q declares %d binary bytes, the body has %d left", in.Name, in.BinarySize, len(bin)-off)
		}
		raw := bin[off : off+in.BinarySize]
		off += in.BinarySize
		var width int
		switch in.Datatype {
		case "FP32":
			width = 4
		case "FP64":
			width = 8
		default:
			return errorf("input %q: binary data is supported for FP32 and FP64, not %q", in.Name, in.Datatype)
		}
		if len(raw)%width != 0 {
			return errorf("input %q: %d binary bytes are not whole %s values", in.Name, len(raw), in.Datatype)
		}
		data := getData(len(raw) / width)[:len(raw)/width]
		if width == 4 { // check the exponent bits: no float64 detour
			for j := range data {
				bits := binary.LittleEndian.Uint32(raw[4*j:])
				if bits&0x7f800000 == 0x7f800000 {
					return errorf("input %q: binary element %d is not a finite FP32 value (%v)", in.Name, j, math.Float32frombits(bits))
				}
				data[j] = math.Float32frombits(bits)
			}
			in.Data, in.HasData = data, true
			continue
		}
		for j := range data {
			var v float64
			if width == 4 {
				v = float64(math.Float32frombits(binary.LittleEndian.Uint32(raw[4*j:])))
			} else {
				v = math.Float64frombits(binary.LittleEndian.Uint64(raw[8*j:]))
			}
			if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > math.MaxFloat32 {
				return errorf("input %q: binary element %d is not a finite FP32 value (%v)", in.Name, j, v)
			}
			data[j] = float32(v)
		}
		in.Data, in.HasData = data, true
	}
	if off != len(bin) {
		return errorf("%d bytes after the JSON header belong to no input", len(bin)-off)
	}
	return nil
}

// validate checks the request's single input against the model and returns
// the batch size.
func (s *Server) validate(req *inferRequest) (int, error) {
	if len(req.Inputs) != 1 {
		return 0, errorf("model %q takes exactly one input %q, the request has %d", s.opts.Name, s.opts.InputName, len(req.Inputs))
	}
	in := &req.Inputs[0]
	if in.Name != s.opts.InputName {
		return 0, errorf("unexpected input %q: model %q takes input %q", in.Name, s.opts.Name, s.opts.InputName)
	}
	switch {
	case in.Datatype == "":
		return 0, errorf("input %q has no datatype (want FP32)", in.Name)
	case !numericType(in.Datatype):
		return 0, errorf("input %q has datatype %s; the model takes FP32 (numeric types are converted)", in.Name, in.Datatype)
	}
	if !in.HasData {
		return 0, errorf("input %q has no data (neither \"data\" nor binary_data_size)", in.Name)
	}
	want := s.opts.InputShape
	// An example of several dimensions (an image, [1 28 28]) may also come
	// as a flat row ([batch 784]): the data is row-major either way.
	flat := len(want) > 1 && len(in.Shape) == 2 && in.Shape[1] == numel(want)
	if !flat && len(in.Shape) != len(want)+1 {
		return 0, errorf("input %q has shape %v; want [batch%s]%s (the batch dimension is required)", in.Name, in.Shape, dimsText(want), flatText(want))
	}
	for i, d := range want {
		if !flat && in.Shape[i+1] != d {
			return 0, errorf("input %q has shape %v; want [batch%s]%s", in.Name, in.Shape, dimsText(want), flatText(want))
		}
	}
	rows := in.Shape[0]
	if rows == 0 {
		return 0, errorf("input %q has an empty batch", in.Name)
	}
	if rows > s.opts.MaxRequestRows {
		return 0, &httpError{code: http.StatusRequestEntityTooLarge,
			msg: fmt.Sprintf("serve: batch of %d rows exceeds the limit of %d", rows, s.opts.MaxRequestRows)}
	}
	if in.BinarySize < 0 { // JSON data: flat, or nested exactly as the shape
		if in.Nest == nil {
			return 0, errorf("input %q: data nested unevenly (arrays of different lengths, or numbers beside arrays); send it flat, or nested as shape %v", in.Name, in.Shape)
		}
		if len(in.Nest) > 1 && !slices.Equal(in.Nest, in.Shape) {
			return 0, errorf("input %q: data nested as %v does not match shape %v; send it flat, or nested as the shape", in.Name, in.Nest, in.Shape)
		}
	}
	if n := rows * numel(want); len(in.Data) != n {
		return 0, errorf("input %q has %d values; shape %v needs %d", in.Name, len(in.Data), in.Shape, n)
	}
	if lo, hi, integer, ok := typeRange(in.Datatype); ok {
		for i, v := range in.Data {
			if v < lo || v > hi {
				return 0, errorf("input %q: element %d is %v, outside the range of %s [%v, %v]", in.Name, i, v, in.Datatype, lo, hi)
			}
			if integer && float64(v) != math.Trunc(float64(v)) {
				return 0, errorf("input %q: element %d is %v, not an integer as %s needs", in.Name, i, v, in.Datatype)
			}
		}
	}
	return rows, nil
}

func dimsText(dims []int) string {
	s := ""
	for _, d := range dims {
		s += " " + strconv.Itoa(d)
	}
	return s
}

// wantedOutputs maps requested output names to flags (logits, probs, class).
func (s *Server) wantedOutputs(names []string) ([3]bool, error) {
	if names == nil {
		return [3]bool{true, true, true}, nil
	}
	var w [3]bool
	for _, n := range names {
		switch n {
		case outputLogits:
			w[0] = true
		case outputProbabilities:
			w[1] = true
		case outputClass:
			w[2] = true
		default:
			return w, errorf("model %q has no output %q (it has %q, %q, %q)", s.opts.Name, n, outputLogits, outputProbabilities, outputClass)
		}
	}
	return w, nil
}

// argmax returns each row's predicted class and counts it.
func (s *Server) argmax(out []float32, rows int) []int {
	k := s.classes
	classes := make([]int, rows)
	for r := 0; r < rows; r++ {
		row := out[r*k : (r+1)*k]
		best := 0
		for c, v := range row {
			if v > row[best] {
				best = c
			}
		}
		classes[r] = best
		s.classCount[best].Add(1)
		if ctr := s.classCtr[best]; ctr != nil {
			ctr.Inc()
		}
	}
	return classes
}

// softmax returns the row-wise softmax of out.
func softmax(out []float32, k int) []float32 {
	p := make([]float32, len(out))
	for r := 0; r+k <= len(out); r += k {
		row := out[r : r+k]
		m := row[0]
		for _, v := range row {
			m = max(m, v)
		}
		sum := 0.0
		for c, v := range row {
			e := math.Exp(float64(v - m))
			p[r+c] = float32(e)
			sum += e
		}
		inv := float32(1 / sum)
		for c := range row {
			p[r+c] *= inv
		}
	}
	return p
}

// encodeResponse writes the $inference_response by hand: strconv's
// shortest float formatting is several times faster than encoding/json.
// It appends to b (a pooled buffer).
func (s *Server) encodeResponse(b []byte, id string, out []float32, classes []int, rows int, want [3]bool) ([]byte, error) {
	for _, v := range out {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("serve: model produced a non-finite output (%v)", v)
		}
	}
	b = slices.Grow(b, 128+len(out)*24+len(classes)*4)
	b = append(b, `{"model_name":`...)
	b = appendString(b, s.opts.Name)
	b = append(b, `,"model_version":`...)
	b = appendString(b, s.Version())
	b = append(b, `,"id":`...)
	b = appendString(b, id)
	b = append(b, `,"outputs":[`...)
	var dims [8]int // output shapes have few dimensions: no allocation
	shape := append(append(dims[:0], rows), s.outShape...)
	first := true
	sep := func() {
		if !first {
			b = append(b, ',')
		}
		first = false
	}
	if want[0] {
		sep()
		b = appendFloatTensor(b, outputLogits, shape, out)
	}
	if want[1] {
		sep()
		b = appendFloatTensor(b, outputProbabilities, shape, softmax(out, s.classes))
	}
	if want[2] {
		sep()
		b = append(b, `{"name":"`+outputClass+`","datatype":"INT64","shape":[`...)
		b = strconv.AppendInt(b, int64(rows), 10)
		b = append(b, `],"data":[`...)
		for i, c := range classes {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(c), 10)
		}
		b = append(b, "]}"...)
	}
	b = append(b, "]}"...)
	return b, nil
}

func appendFloatTensor(b []byte, name string, shape []int, data []float32) []byte {
	b = append(b, `{"name":`...)
	b = appendString(b, name)
	b = append(b, `,"datatype":"FP32","shape":[`...)
	for i, d := range shape {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(d), 10)
	}
	b = append(b, `],"data":[`...)
	for i, v := range data {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, float64(v), 'g', -1, 32)
	}
	return append(b, "]}"...)
}

// appendString appends s as a JSON string, as encoding/json writes it.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // escapes, HTML-safe, invalid UTF-8
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// feedbackRequest is the body of POST /v2/models/{name}/feedback.
type feedbackRequest struct {
	ID     string `json:"id"`
	Label  *int   `json:"label"`
	Labels []int  `json:"labels"`
}

func (s *Server) handleFeedback(w http.ResponseWriter, r *http.Request) error {
	if err := s.checkModel(r); err != nil {
		return err
	}
	bp, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	var fb feedbackRequest
	err = json.Unmarshal(*bp, &fb)
	bodyPool.Put(bp)
	if err != nil {
		return errorf("invalid feedback body: %v", err)
	}
	if fb.ID == "" {
		return errorf(`feedback needs the prediction "id"`)
	}
	labels := fb.Labels
	if fb.Label != nil {
		if labels != nil {
			return errorf(`feedback has both "label" and "labels"`)
		}
		labels = []int{*fb.Label}
	}
	if len(labels) == 0 {
		return errorf(`feedback needs "label" or "labels"`)
	}
	pred, known, err := s.preds.feedback(fb.ID, labels)
	if err != nil {
		return err
	}
	if !known {
		return &httpError{code: http.StatusNotFound, msg: fmt.Sprintf("serve: no recent prediction with id %q (unknown, already labelled, or evicted)", fb.ID)}
	}
	q := s.preds.quality()
	s.metrics.feedback.Add(float64(len(labels)))
	s.metrics.accuracy.Set(q.Accuracy)
	s.metrics.precision.Set(q.Precision)
	s.metrics.recall.Set(q.Recall)
	s.metrics.f1.Set(q.F1)
	return writeJSON(w, map[string]any{"id": fb.ID, "predicted": pred, "labels": labels, "labelled_total": q.Labelled})
}

// flatText mentions the flat form of a multi-dimensional example shape.
func flatText(want []int) string {
	if len(want) < 2 {
		return ""
	}
	return fmt.Sprintf(" or [batch %d]", numel(want))
}
