// Package stdlib holds the yaegi symbol tables of the standard packages
// notebook cells can import: `go list std` of the toolchain that generated
// them (less os/exec, unsafe, syscall and the packages only the compiler
// or `go test` use), extracted by yaegi's extractor from its sources (run
// `GEN_STDLIB=1 go generate ./interp/...` after a Go upgrade;
// TestStdlibCurrent says when). GenericAPI (generic.go) holds the
// declarations of the generic functions and types of cmp, iter, maps and
// slices, which no table can hold, for the type check of cells.
//
// Unlike yaegi's stdlib package, whose init functions build every table
// when the process starts, nothing here runs before a session asks:
// Symbols holds one constructor per package, and interp/symbols.Table
// builds and keeps a package's table the first time a cell imports it. A
// program that links the engine but never starts a session (such as
// `gokernel serve`) pays neither the time nor the memory of the tables.
//
// restricted.go and maptypes.go are adapted from yaegi's stdlib package
// (Apache License 2.0, Copyright 2019 Containous SAS, 2020 Traefik Labs SAS):
// the extractor refers to their replacements of os.Exit, os.FindProcess,
// log.Fatal* and log.New, and yaegi's interpreter reads the "." entry for
// its special interface wrappers.
package stdlib
