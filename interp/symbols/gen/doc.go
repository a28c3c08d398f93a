// Command gen regenerates the yaegi symbol tables of package symbols and of
// its subpackage stdlib. Run it with `go generate ./interp/...` from
// anywhere in the module.
//
// Package symbols gets one `yaegi extract` run over every non-internal
// mlstd package plus the gonum and gonum/plot packages notebooks use.
// Package stdlib gets the tables of the standard library of the Go
// toolchain running gen: yaegi's extractor (the code of `yaegi extract`,
// from go.mod's yaegi) over `go list std`, less what stdPackages leaves
// out. The extractor type-checks each package and its dependencies from
// source, minutes of CPU, and the API only changes with Go's minor
// version, so gen skips it when the files say they come from the running
// minor version (GEN_STDLIB=1 forces it).
//
// yaegi writes each table as an init function filling a global map, which
// builds every table (and pages in the reflect data they reference) when
// the process starts, in programs that never run a cell. gen rewrites each
// init function into a constructor and writes an index, tables.go, from
// "path/name" to constructor; symbols.Table builds a package's table the
// first time a session's cell imports it.
package main
