package table

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/gokernel/gokernel/mlstd/host"
)

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

// blockSize is how much text a block holds (more when one record is
// longer); a variable so tests can make files of many blocks.
var blockSize = 1 << 20

// ReadCSVFrom is ReadCSV reading from r; name stands for the file in
// errors.
//
// The text is cut into blocks of about a megabyte at record boundaries
// (newlines outside quotes). The blocks up to the end of the inference
// sample are converted in order; once the kinds are known, the other
// blocks are parsed (encoding/csv) and converted by one goroutine per CPU
// into pieces of columns, appended to the table in file order. At most a
// few blocks are in flight, so memory is the table's plus a few megabytes.
func ReadCSVFrom(r io.Reader, name string, opt CSVOptions) (*Table, error) {
	done := make(chan struct{})
	defer close(done)
	blocks := make(chan block, 2)
	go splitBlocks(r, blockSize, opt.Comment, blocks, done)

	rd := &csvReader{name: name, opt: opt, na: newNASet(opt.NA)}
	for !rd.decided {
		b, ok := <-blocks
		if !ok {
			break
		}
		if b.err != nil {
			return nil, fmt.Errorf("table: %s: %w", name, b.err)
		}
		host.Check()
		rd.bytes += len(b.data)
		if err := rd.sequential(b); err != nil {
			return nil, err
		}
	}
	if rd.bs == nil {
		return nil, fmt.Errorf("table: %s: empty file", name)
	}
	if !rd.decided {
		if err := rd.decide(); err != nil {
			return nil, err
		}
	}
	rd.kinds = make([]Kind, len(rd.bs))
	for j, b := range rd.bs {
		rd.kinds[j] = -1
		if b.decided {
			rd.kinds[j] = b.col.kind
		}
	}
	order := make(chan chan piece, 2*runtime.GOMAXPROCS(0))
	go rd.dispatch(blocks, order, done)
	// Room for the whole table at once when the file's size tells how many
	// rows to expect (from the bytes per row read so far), so the pieces
	// are appended without the columns growing and dropped as they come:
	// the peak is the table plus the blocks in flight.
	if expect := rd.expectedRows(r); expect > 0 {
		for _, b := range rd.bs {
			if b.decided {
				b.reserve(expect - b.rows)
			}
		}
	}
	for res := range order {
		host.Check()
		p := <-res
		if p.err != nil {
			return nil, p.err
		}
		for j, b := range rd.bs {
			if err := b.append(p.cols[j]); err != nil {
				return nil, fmt.Errorf("table: %s:%d: %v", name, p.line, err)
			}
		}
	}
	cols := make([]*Column, len(rd.bs))
	for j, b := range rd.bs {
		cols[j] = b.column()
	}
	return &Table{cols: cols, rows: rd.bs[0].rows}, nil
}

// expectedRows estimates the table's rows, 5 % high, from the size of
// r, if it is a file, and the bytes per row read so far; 0 if unknown.
func (rd *csvReader) expectedRows(r io.Reader) int {
	f, ok := r.(interface{ Stat() (os.FileInfo, error) })
	if !ok || rd.bytes == 0 || len(rd.bs) == 0 || rd.bs[0].rows == 0 {
		return 0
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return 0
	}
	return int(float64(st.Size()) / float64(rd.bytes) * float64(rd.bs[0].rows) * 1.05)
}

// block is a run of whole records of the text and the line it starts on.
type block struct {
	data []byte
	line int
	err  error // a read error, in place of data
}

// splitBlocks reads r and sends it on out in blocks that end at record
// boundaries: newlines outside quoted fields (and outside comment lines,
// when comment is set), until the end of r, a read error (sent as a block)
// or done.
func splitBlocks(r io.Reader, size int, comment rune, out chan<- block, done <-chan struct{}) {
	defer close(out)
	send := func(b block) bool {
		select {
		case out <- b:
			return true
		case <-done:
			return false
		}
	}
	var carry []byte
	line := 1
	for {
		buf := make([]byte, max(size, 2*len(carry)))
		copy(buf, carry)
		n, err := io.ReadFull(r, buf[len(carry):])
		buf = buf[:len(carry)+n]
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			send(block{err: err})
			return
		}
		if err != nil { // the end of r
			if len(buf) > 0 {
				send(block{data: buf, line: line})
			}
			return
		}
		cut := recordEnd(buf, comment)
		if cut < 0 { // one record longer than the buffer: read more
			carry = buf
			continue
		}
		if !send(block{data: buf[:cut], line: line}) {
			return
		}
		line += bytes.Count(buf[:cut], []byte{'\n'})
		carry = buf[cut:]
	}
}

// recordEnd returns the index after the last newline of buf that ends a
// record, or -1; buf starts at a record boundary.
func recordEnd(buf []byte, comment rune) int {
	if comment == 0 && bytes.IndexByte(buf, '"') < 0 {
		if i := bytes.LastIndexByte(buf, '\n'); i >= 0 {
			return i + 1
		}
		return -1
	}
	mark := []byte(string(comment))
	end, quoted, lineStart := -1, false, true
	for i := 0; i < len(buf); i++ {
		c := buf[i]
		if lineStart && !quoted && comment != 0 && bytes.HasPrefix(buf[i:], mark) {
			k := bytes.IndexByte(buf[i:], '\n')
			if k < 0 {
				break
			}
			i += k
			end = i + 1
			continue
		}
		lineStart = false
		switch c {
		case '"':
			quoted = !quoted
		case '\n':
			if !quoted {
				end, lineStart = i+1, true
			}
		}
	}
	return end
}

// csvReader turns blocks into columns: first in order, keeping the rows
// of the inference sample as text until they decide the kinds, then in
// parallel.
type csvReader struct {
	name    string
	opt     CSVOptions
	na      naSet
	names   []string
	bs      []*builder
	decided bool
	pending []pendingRow // rows read before the kinds are decided
	kinds   []Kind       // the kinds the workers start from (-1: undecided), fixed before they start
	bytes   int          // text read in order, for expectedRows
}

type pendingRow struct {
	fields []string
	line   int
}

// newCSV returns an encoding/csv reader of one block.
func (rd *csvReader) newCSV(data []byte) *csv.Reader {
	cr := csv.NewReader(bytes.NewReader(data))
	if rd.opt.Comma != 0 {
		cr.Comma = rd.opt.Comma
	}
	cr.Comment = rd.opt.Comment
	cr.ReuseRecord = true // each record's fields still share a new string; only the slice is reused
	cr.FieldsPerRecord = -1
	return cr
}

// sequential converts a block in order, reading the header from the first.
func (rd *csvReader) sequential(b block) error {
	cr := rd.newCSV(b.data)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return csvError(rd.name, b.line, err)
		}
		line, _ := cr.FieldPos(0)
		line += b.line - 1
		if rd.bs == nil {
			if err := rd.header(rec); err != nil {
				return err
			}
			if !rd.opt.NoHeader {
				continue
			}
		}
		if rd.decided {
			if err := rd.put(rd.bs, rec, line); err != nil {
				return err
			}
			continue
		}
		rd.pending = append(rd.pending, pendingRow{slices.Clone(rec), line})
		if len(rd.pending) >= cmp.Or(rd.opt.InferRows, 1000) {
			if err := rd.decide(); err != nil {
				return err
			}
		}
	}
}

// header names the columns from the first record.
func (rd *csvReader) header(first []string) error {
	if rd.opt.NoHeader {
		for j := range first {
			rd.names = append(rd.names, strconv.Itoa(j))
		}
	} else {
		if len(first) > 0 {
			first[0] = strings.TrimPrefix(first[0], "\ufeff") // a byte-order mark, as spreadsheets write
		}
		rd.names = headerNames(first)
	}
	for n := range rd.opt.Types {
		if !slices.Contains(rd.names, n) {
			return fmt.Errorf("table: %s: CSVOptions.Types names column %q, which the file does not have (columns %q)", rd.name, n, rd.names)
		}
	}
	rd.bs = rd.builders()
	return nil
}

// builders returns a builder per column.
func (rd *csvReader) builders() []*builder {
	bs := make([]*builder, len(rd.names))
	for j, n := range rd.names {
		bs[j] = newBuilder(n)
	}
	return bs
}

// decide fixes every column's kind from the pending rows and converts them.
func (rd *csvReader) decide() error {
	rd.decided = true
	for j, b := range rd.bs {
		if k, ok := rd.opt.Types[b.col.name]; ok {
			b.decide(k)
			continue
		}
		var sample []string
		for _, r := range rd.pending {
			if j < len(r.fields) && !rd.na.has(r.fields[j]) {
				sample = append(sample, r.fields[j])
			}
		}
		if len(sample) > 0 {
			b.decide(infer(sample))
		}
	}
	for _, r := range rd.pending {
		if err := rd.put(rd.bs, r.fields, r.line); err != nil {
			return err
		}
	}
	rd.pending = nil
	return nil
}

// put converts one record into the builders bs.
func (rd *csvReader) put(bs []*builder, rec []string, line int) error {
	if len(rec) != len(bs) {
		return fmt.Errorf("table: %s:%d: %d fields, but the header has %d", rd.name, line, len(rec), len(bs))
	}
	for j, s := range rec {
		b := bs[j]
		if rd.na.has(s) {
			b.missing()
		} else if err := b.add(s); err != nil {
			return fmt.Errorf("table: %s:%d: column %q: %v", rd.name, line, b.col.name, err)
		}
	}
	return nil
}

// piece is the columns of one block, converted by a worker.
type piece struct {
	cols []*builder
	line int // the block's first line
	err  error
}

// dispatch hands the remaining blocks to one worker per CPU and sends each
// block's result channel on order, in file order, until the blocks end or
// done.
func (rd *csvReader) dispatch(blocks <-chan block, order chan<- chan piece, done <-chan struct{}) {
	defer close(order)
	type job struct {
		b   block
		res chan piece
	}
	jobs := make(chan job)
	defer close(jobs)
	for range runtime.GOMAXPROCS(0) {
		go func() {
			for j := range jobs {
				j.res <- rd.convert(j.b)
			}
		}()
	}
	for b := range blocks {
		res := make(chan piece, 1)
		if b.err != nil {
			res <- piece{err: fmt.Errorf("table: %s: %w", rd.name, b.err)}
		} else {
			select {
			case jobs <- job{b, res}:
			case <-done:
				return
			}
		}
		select {
		case order <- res:
		case <-done:
			return
		}
	}
}

// convert parses one block into new builders of the decided kinds.
func (rd *csvReader) convert(b block) piece {
	p := piece{cols: rd.builders(), line: b.line}
	rows := bytes.Count(b.data, []byte{'\n'}) + 1 // at least the records
	for j, k := range rd.kinds {
		if k >= 0 {
			p.cols[j].decide(k)
			p.cols[j].reserve(rows)
		}
	}
	if rd.plain(b.data) {
		p.err = rd.splitPlain(p.cols, b)
		return p
	}
	cr := rd.newCSV(b.data)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return p
		}
		if err != nil {
			p.err = csvError(rd.name, b.line, err)
			return p
		}
		line, _ := cr.FieldPos(0)
		if p.err = rd.put(p.cols, rec, line+b.line-1); p.err != nil {
			return p
		}
	}
}

// plain reports whether a block can be split without a CSV parser: no
// quotes, no carriage returns, no comment lines, a one-byte separator.
// Then every newline ends a record and every separator a field, exactly
// as encoding/csv reads it (a test compares the two).
func (rd *csvReader) plain(data []byte) bool {
	comma := cmp.Or(rd.opt.Comma, ',')
	return comma < utf8.RuneSelf && rd.opt.Comment == 0 &&
		bytes.IndexByte(data, '"') < 0 && bytes.IndexByte(data, '\r') < 0
}

// splitPlain converts a plain block (see plain) into bs: fields are
// substrings of the block, with no copy. The block's bytes are never
// written after splitBlocks sends them, and no field outlives the call
// (a String column keeps a clone of each distinct value), so the block
// is viewed as a string in place rather than copied.
func (rd *csvReader) splitPlain(bs []*builder, b block) error {
	if len(b.data) == 0 {
		return nil
	}
	text := unsafe.String(&b.data[0], len(b.data))
	comma := byte(cmp.Or(rd.opt.Comma, ','))
	rec := make([]string, 0, len(bs))
	for line := b.line; len(text) > 0; line++ {
		end := strings.IndexByte(text, '\n')
		if end < 0 {
			end = len(text)
		}
		row := text[:end]
		text = text[min(end+1, len(text)):]
		if row == "" {
			continue // encoding/csv skips empty lines
		}
		rec = rec[:0]
		for {
			k := strings.IndexByte(row, comma)
			if k < 0 {
				rec = append(rec, row)
				break
			}
			rec = append(rec, row[:k])
			row = row[k+1:]
		}
		if err := rd.put(bs, rec, line); err != nil {
			return err
		}
	}
	return nil
}

// csvError names the file, line and column of a csv reader's error in a
// block starting on line first.
func csvError(name string, first int, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("table: %s:%d: column %d: %v", name, pe.Line+first-1, pe.Column, pe.Err)
	}
	return fmt.Errorf("table: %s: %w", name, err)
}

// naSet recognises missing-value tokens; most fields are rejected by
// their first and last bytes without a map lookup (no default token ends
// in a digit, so numbers never reach the map).
type naSet struct {
	tokens      map[string]bool
	first, last [256]bool
	empty       bool
	maxLen      int
}

func newNASet(tokens []string) naSet {
	if tokens == nil {
		tokens = NATokens()
	}
	s := naSet{tokens: map[string]bool{}}
	for _, t := range tokens {
		if t == "" {
			s.empty = true
			continue
		}
		s.tokens[t] = true
		s.first[t[0]], s.last[t[len(t)-1]] = true, true
		s.maxLen = max(s.maxLen, len(t))
	}
	return s
}

func (s *naSet) has(f string) bool {
	if len(f) == 0 {
		return s.empty
	}
	return len(f) <= s.maxLen && s.first[f[0]] && s.last[f[len(f)-1]] && s.tokens[f]
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
