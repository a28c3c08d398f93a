package interp

import (
	"errors"
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/scanner"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// IsComplete reports whether code is a complete cell ("complete"), needs
// more lines ("incomplete", with the indent for the next line) or cannot
// become valid ("invalid"). Code that is still open (brackets, an operator
// at the end) is invalid when it has a syntax error before its end: no
// further line can fix `func f( {}`.
func (s *Session) IsComplete(code string) (status, indent string) {
	code, _ = splitMagics(code)
	status, indent = scanComplete(code)
	if status == "incomplete" && errorBeforeEnd(code) {
		return "invalid", ""
	}
	return status, indent
}

// scanComplete judges code from its tokens alone: unterminated strings,
// open brackets and a trailing operator make it incomplete.
func scanComplete(code string) (status, indent string) {
	if strings.TrimSpace(code) == "" {
		return "complete", ""
	}
	fset := token.NewFileSet()
	f := fset.AddFile("", -1, len(code))
	var sc scanner.Scanner
	incomplete, invalid := false, false
	sc.Init(f, []byte(code), func(pos token.Position, msg string) {
		if strings.Contains(msg, "not terminated") {
			incomplete = true
		} else {
			invalid = true
		}
	}, 0)
	depth := 0
	for {
		_, t, _ := sc.Scan()
		if t == token.EOF {
			break
		}
		switch t {
		case token.LPAREN, token.LBRACE, token.LBRACK:
			depth++
		case token.RPAREN, token.RBRACE, token.RBRACK:
			depth--
		}
	}
	switch {
	case incomplete:
		return "incomplete", ""
	case invalid || depth < 0:
		return "invalid", ""
	case depth > 0:
		return "incomplete", strings.Repeat("\t", depth)
	}
	t := strings.TrimRight(code, " \t\r\n")
	if strings.HasSuffix(t, "\\") || endsWithOperator(t) {
		return "incomplete", ""
	}
	return "complete", ""
}

// errorBeforeEnd reports whether parsing code as a cell finds a syntax
// error before the end of the code (an error at the end is what more
// input could fix; an unterminated string or comment is never an error
// before the end).
func errorBeforeEnd(code string) bool {
	end := len(strings.TrimRight(code, " \t\r\n"))
	items := splitItems(code)
	for _, u := range units(items) {
		src := unitSource(0, code, items, u)
		_, err := parser.ParseFile(token.NewFileSet(), "_.go", src, 0)
		var el scanner.ErrorList
		if !errors.As(err, &el) || len(el) == 0 {
			continue
		}
		e := el[0]
		if strings.Contains(e.Msg, "not terminated") {
			return false
		}
		// Positions are the cell's own (//line directives): find the
		// offset of the error's line and column in code.
		if off := offsetOf(code, e.Pos.Line, e.Pos.Column); off >= 0 && off < end {
			return true
		}
	}
	return false
}

// offsetOf returns the byte offset of line:col (1-based) in code, or -1
// when it is past the end.
func offsetOf(code string, line, col int) int {
	off := 0
	for l := 1; l < line; l++ {
		i := strings.IndexByte(code[off:], '\n')
		if i < 0 {
			return -1
		}
		off += i + 1
	}
	if off+col-1 > len(code) {
		return -1
	}
	return off + col - 1
}

func endsWithOperator(t string) bool {
	if strings.HasSuffix(t, "++") || strings.HasSuffix(t, "--") {
		return false
	}
	for _, op := range []string{"+", "-", "*", "/", "%", "&&", "||", "=", ",", "(", ".", "&", "|", "^", "<-"} {
		if strings.HasSuffix(t, op) {
			return true
		}
	}
	return false
}

var keywords = []string{"break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough",
	"for", "func", "go", "goto", "if", "import", "interface", "map", "package", "range", "return", "select",
	"struct", "switch", "type", "var",
	// predeclared
	"append", "cap", "clear", "close", "complex", "copy", "delete", "imag", "len", "make", "max", "min", "new",
	"panic", "print", "println", "real", "recover", "bool", "byte", "complex128", "complex64", "error",
	"float32", "float64", "int", "int16", "int32", "int64", "int8", "rune", "string", "uint", "uint16",
	"uint32", "uint64", "uint8", "uintptr", "any", "true", "false", "nil", "iota"}

func isIdentRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// byteOffset converts a code-point offset into a byte offset.
func byteOffset(code string, cp int) int {
	off := 0
	for i := 0; i < cp && off < len(code); i++ {
		_, n := utf8.DecodeRuneInString(code[off:])
		off += n
	}
	return off
}

// wordAt returns the identifier prefix ending at byte offset off and, if it
// follows "X.", the identifier X.
func wordAt(code string, off int) (start int, word, qual string) {
	start = off
	for start > 0 {
		r, n := utf8.DecodeLastRuneInString(code[:start])
		if !isIdentRune(r) {
			break
		}
		start -= n
	}
	word = code[start:off]
	if start > 0 && code[start-1] == '.' {
		q := start - 1
		for q > 0 {
			r, n := utf8.DecodeLastRuneInString(code[:q])
			if !isIdentRune(r) {
				break
			}
			q -= n
		}
		qual = code[q : start-1]
	}
	return start, word, qual
}

// Complete returns completions for the identifier before cursorPos (code
// points): package members after "pkg.", fields and methods after "v.",
// otherwise variables, functions, packages and keywords.
func (s *Session) Complete(code string, cursorPos int) (matches []string, start, end int) {
	off := byteOffset(code, cursorPos)
	bs, word, qual := wordAt(code, off)
	start = utf8.RuneCountInString(code[:bs])
	end = cursorPos
	seen := map[string]bool{}
	add := func(name string) {
		if strings.HasPrefix(name, word) && !strings.HasPrefix(name, "_") && !seen[name] {
			seen[name] = true
			matches = append(matches, name)
		}
	}
	globals := s.globalsGrow(false)
	if qual != "" {
		if v, isVar := globals[qual]; isVar && v.IsValid() {
			for _, name := range members(v.Type()) {
				add(name)
			}
			for _, name := range s.interpretedMethods(v.Type()) {
				add(name)
			}
		} else if syms := s.pkgSymbols(qual); syms != nil {
			for name := range syms {
				add(name)
			}
		} else if v, ok := globals[qual]; ok && v.IsValid() {
			for _, name := range members(v.Type()) {
				add(name)
			}
			for _, name := range s.interpretedMethods(v.Type()) {
				add(name)
			}
		}
		sort.Strings(matches)
		return matches, start, end
	}
	for name := range globals {
		if !strings.HasPrefix(name, "__gk") {
			add(name)
		}
	}
	s.state.Lock()
	for name := range s.imports {
		if !strings.HasPrefix(name, "__gk") {
			add(name)
		}
	}
	s.state.Unlock()
	for name := range autoPackages {
		add(name)
	}
	for _, k := range keywords {
		add(k)
	}
	sort.Strings(matches)
	return matches, start, end
}

// members lists the exported fields and methods of t (and *t).
func members(t reflect.Type) []string {
	var out []string
	for _, tt := range []reflect.Type{t, reflect.PointerTo(t)} {
		for i := 0; i < tt.NumMethod(); i++ {
			out = append(out, tt.Method(i).Name)
		}
	}
	st := t
	if st.Kind() == reflect.Pointer {
		st = st.Elem()
	}
	if st.Kind() == reflect.Struct {
		for i := 0; i < st.NumField(); i++ {
			out = append(out, st.Field(i).Name)
		}
	}
	return out
}

// pkgSymbols returns the compiled symbols of the package a cell knows as
// name: its table (or the session's own, for the runtime helpers), not
// yaegi's copy, which a running cell may be adding packages to
// (loadPackages).
func (s *Session) pkgSymbols(name string) map[string]reflect.Value {
	s.state.Lock()
	p, ok := s.imports[name]
	own := s.own[p]
	s.state.Unlock()
	if !ok {
		if p, ok = autoPackages[name]; !ok {
			return nil
		}
	}
	if syms, _, ok := table(p); ok {
		return syms
	}
	return own
}

// Inspect describes the identifier at cursorPos: the signature or type of a
// package member with its doc comment, or the type and value of a variable.
// A type a cell declared shows its declaration and methods. At detailLevel
// 1 and above a package member's Go source follows its doc (from the
// standard library's or gokernel's source tree, when it is on disk).
func (s *Session) Inspect(code string, cursorPos, detailLevel int) (map[string]any, bool) {
	off := byteOffset(code, cursorPos)
	endOff := off
	for endOff < len(code) {
		r, n := utf8.DecodeRuneInString(code[endOff:])
		if !isIdentRune(r) {
			break
		}
		endOff += n
	}
	_, word, qual := wordAt(code, endOff)
	if word == "" {
		return nil, false
	}
	var text string
	if qual != "" {
		syms := s.pkgSymbols(qual)
		v, ok := syms[word]
		if !ok {
			// A method or field of a variable.
			g, isVar := s.globalsGrow(false)[qual]
			if !isVar || !g.IsValid() {
				return nil, false
			}
			for _, t := range []reflect.Type{g.Type(), reflect.PointerTo(g.Type())} {
				if m, ok := t.MethodByName(word); ok {
					return map[string]any{"text/plain": methodSig(m)}, true
				}
			}
			st := g.Type()
			if st.Kind() == reflect.Pointer {
				st = st.Elem()
			}
			if st.Kind() == reflect.Struct {
				if f, ok := st.FieldByName(word); ok {
					return map[string]any{"text/plain": fmt.Sprintf("%s.%s %s", qual, word, f.Type)}, true
				}
			}
			return nil, false
		}
		s.state.Lock()
		p := s.imports[qual]
		s.state.Unlock()
		if p == "" {
			p = autoPackages[qual]
		}
		text = describeSymbol(qual, word, v)
		if d := docFor(p, word); d != "" {
			text += "\n\n" + d
		}
		if detailLevel > 0 {
			if src := sourceFor(p, word); src != "" {
				text = strings.TrimRight(text, "\n") + "\n\n" + src
			}
		}
	} else {
		v, ok := s.globalsGrow(false)[word]
		if !ok {
			if def := s.cellDecl(word); def != "" {
				return map[string]any{"text/plain": def}, true
			}
			if s.pkgSymbols(word) != nil {
				s.state.Lock()
				p := s.imports[word]
				s.state.Unlock()
				if p == "" {
					p = autoPackages[word]
				}
				return map[string]any{"text/plain": fmt.Sprintf("package %s // import %q\n\n%s", word, p, docFor(p, ""))}, true
			}
			return nil, false
		}
		if !v.IsValid() {
			text = word + ": constant"
		} else {
			text = fmt.Sprintf("%s %s", word, v.Type())
			if v.CanInterface() && v.Kind() != reflect.Func {
				val := fmt.Sprintf("%v", v.Interface())
				if len(val) > 500 {
					val = val[:500] + "…"
				}
				text += " = " + val
			}
		}
	}
	return map[string]any{"text/plain": text}, true
}

func describeSymbol(pkg, name string, v reflect.Value) string {
	if !v.IsValid() {
		return pkg + "." + name
	}
	switch {
	case v.Kind() == reflect.Func:
		return "func " + pkg + "." + name + strings.TrimPrefix(v.Type().String(), "func")
	case v.Kind() == reflect.Pointer && v.IsNil() && v.Type().Elem().Kind() != reflect.Interface:
		return "type " + pkg + "." + name + " " + v.Type().Elem().Kind().String()
	case v.Kind() == reflect.Pointer && v.IsNil():
		return "type " + pkg + "." + name + " interface"
	}
	if v.CanInterface() {
		return fmt.Sprintf("%s.%s %s = %v", pkg, name, v.Type(), v.Interface())
	}
	return fmt.Sprintf("%s.%s %s", pkg, name, v.Type())
}

var docCache sync.Map // import path -> *doc.Package (or nil)

// docFor returns the doc comment of name in the package at path (the
// package doc if name is ""), read from source in GOROOT or this module.
func docFor(path, name string) string {
	var pkg *doc.Package
	if v, ok := docCache.Load(path); ok {
		pkg, _ = v.(*doc.Package)
	} else {
		pkg = loadDoc(path)
		docCache.Store(path, pkg)
	}
	if pkg == nil {
		return ""
	}
	if name == "" {
		return pkg.Doc
	}
	for _, f := range pkg.Funcs {
		if f.Name == name {
			return f.Doc
		}
	}
	for _, t := range pkg.Types {
		if t.Name == name {
			return t.Doc
		}
		for _, f := range t.Funcs {
			if f.Name == name {
				return f.Doc
			}
		}
	}
	for _, vs := range append(pkg.Vars, pkg.Consts...) {
		for _, n := range vs.Names {
			if n == name {
				return vs.Doc
			}
		}
	}
	return ""
}

// pkgDir is the source directory of a standard library or gokernel
// package, "" when it is not on disk.
func pkgDir(path string) string {
	var dir string
	const mod = "github.com/gokernel/gokernel/"
	if strings.HasPrefix(path, mod) {
		_, file, _, ok := runtime.Caller(0)
		if !ok {
			return ""
		}
		dir = filepath.Join(filepath.Dir(filepath.Dir(file)), strings.TrimPrefix(path, mod))
	} else if path != "" && !strings.Contains(path, ".") {
		dir = filepath.Join(runtime.GOROOT(), "src", path)
	} else {
		return ""
	}
	if _, err := os.Stat(dir); err != nil {
		return ""
	}
	return dir
}

// parsePkgDir parses the package's non-test files.
func parsePkgDir(fset *token.FileSet, dir string) (map[string]*ast.Package, error) {
	return parser.ParseDir(fset, dir, func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, parser.ParseComments)
}

func loadDoc(path string) *doc.Package {
	dir := pkgDir(path)
	if dir == "" {
		return nil
	}
	fset := token.NewFileSet()
	pkgs, err := parsePkgDir(fset, dir)
	if err != nil {
		return nil
	}
	for name, p := range pkgs {
		if name == "main" || strings.HasSuffix(name, "_test") {
			continue
		}
		files := make([]*ast.File, 0, len(p.Files))
		for _, f := range p.Files {
			files = append(files, f)
		}
		d, err := doc.NewFromFiles(fset, files, path)
		if err == nil {
			return d
		}
	}
	return nil
}

// interpretedMethods guesses the methods of a value of an interpreted
// struct type: yaegi's reflect types carry neither the type name nor its
// methods, so match the field names against the struct types cells defined.
func (s *Session) interpretedMethods(t reflect.Type) []string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t.NumField() == 0 {
		return nil
	}
	s.state.Lock()
	defer s.state.Unlock()
	var out []string
	for key, def := range s.decls {
		name, ok := strings.CutPrefix(key, "type ")
		if !ok || !strings.HasPrefix(def, "struct{") {
			continue
		}
		match := true
		for i := 0; i < t.NumField() && match; i++ {
			match = strings.Contains(def, t.Field(i).Name)
		}
		if !match {
			continue
		}
		for k := range s.decls {
			if m, ok := strings.CutPrefix(k, "method "+name+"."); ok {
				out = append(out, m)
			}
		}
	}
	return out
}

// methodSig formats a method as "func (T) Name(params) results".
func methodSig(m reflect.Method) string {
	t := m.Type
	var in, out []string
	for i := 1; i < t.NumIn(); i++ {
		p := t.In(i).String()
		if t.IsVariadic() && i == t.NumIn()-1 {
			p = "..." + t.In(i).Elem().String()
		}
		in = append(in, p)
	}
	for i := 0; i < t.NumOut(); i++ {
		out = append(out, t.Out(i).String())
	}
	res := strings.Join(out, ", ")
	if len(out) > 1 {
		res = "(" + res + ")"
	}
	return strings.TrimSpace(fmt.Sprintf("func (%s) %s(%s) %s", t.In(0), m.Name, strings.Join(in, ", "), res))
}

// sourceFor returns the Go source of the package-level function, type, var
// or const name in the package at path, exactly as written (without its
// doc comment, which Inspect shows already), or "" when the source is not
// on disk. It parses the package on each call: it serves `??`, not typing.
func sourceFor(path, name string) string {
	dir := pkgDir(path)
	if dir == "" {
		return ""
	}
	fset := token.NewFileSet()
	pkgs, err := parsePkgDir(fset, dir)
	if err != nil {
		return ""
	}
	var keys []string
	for k := range pkgs {
		if k != "main" && !strings.HasSuffix(k, "_test") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		files := make([]string, 0, len(pkgs[k].Files))
		for fn := range pkgs[k].Files {
			files = append(files, fn)
		}
		sort.Strings(files) // deterministic when build-tagged files repeat a name
		for _, fn := range files {
			for _, d := range pkgs[k].Files[fn].Decls {
				if from, to, ok := declSpan(d, name); ok {
					src, err := os.ReadFile(fn)
					if err != nil {
						return ""
					}
					a, b := fset.Position(from).Offset, fset.Position(to).Offset
					if a < 0 || b > len(src) || a >= b {
						return ""
					}
					return string(src[a:b])
				}
			}
		}
	}
	return ""
}

// declSpan finds name among the top-level declarations in d: a function
// (not a method), or one spec of a type, var or const declaration.
func declSpan(d ast.Decl, name string) (from, to token.Pos, ok bool) {
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv == nil && d.Name.Name == name {
			return d.Pos(), d.End(), true
		}
	case *ast.GenDecl:
		for _, sp := range d.Specs {
			switch sp := sp.(type) {
			case *ast.TypeSpec:
				if sp.Name.Name == name && d.Lparen.IsValid() {
					return sp.Pos(), sp.End(), true
				}
				if sp.Name.Name == name {
					return d.Pos(), d.End(), true
				}
			case *ast.ValueSpec:
				for _, n := range sp.Names {
					if n.Name == name {
						if d.Lparen.IsValid() {
							return sp.Pos(), sp.End(), true
						}
						return d.Pos(), d.End(), true
					}
				}
			}
		}
	}
	return 0, 0, false
}

// cellDecl returns how a cell declared the type name and its methods, ""
// if no cell did.
func (s *Session) cellDecl(name string) string {
	s.state.Lock()
	defer s.state.Unlock()
	def, ok := s.decls["type "+name]
	if !ok {
		return ""
	}
	lines := []string{"type " + name + " " + def}
	var methods []string
	for k, v := range s.decls {
		if strings.HasPrefix(k, "method "+name+".") {
			methods = append(methods, v)
		}
	}
	sort.Strings(methods)
	return strings.Join(append(lines, methods...), "\n\n")
}
