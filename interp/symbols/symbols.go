package symbols

import (
	"reflect"
	"sync"

	"github.com/gokernel/gokernel/interp/symbols/stdlib"
)

// yaegiStdlib is the key of yaegi's own stdlib package, whose Symbols is
// every standard table (yaegi's stdlib.Symbols has it too).
const yaegiStdlib = "github.com/traefik/yaegi/stdlib/stdlib"

var cache struct {
	sync.Mutex
	tables map[string]map[string]reflect.Value
}

// Table returns the symbol table of key ("import/path/name" as in Symbols
// and stdlib.Symbols, "." for stdlib.MapTypes, or yaegi's own stdlib
// package), ready for yaegi's Interpreter.Use, and false for a key no
// table has. The first call for a key builds its table; later calls, from
// any session or goroutine, return the same map (Use copies its entries,
// never changing it).
func Table(key string) (map[string]reflect.Value, bool) {
	cache.Lock()
	defer cache.Unlock()
	return lookup(key)
}

// lookup is Table with cache held.
func lookup(key string) (map[string]reflect.Value, bool) {
	if t, ok := cache.tables[key]; ok {
		return t, true
	}
	var t map[string]reflect.Value
	if build := stdlib.Symbols[key]; build != nil {
		t = build()
	} else if build := Symbols[key]; build != nil {
		t = build()
	} else if key == "." {
		t = map[string]reflect.Value{"MapTypes": reflect.ValueOf(stdlib.MapTypes())}
	} else if key == yaegiStdlib {
		all := make(map[string]map[string]reflect.Value, len(stdlib.Symbols)+2)
		for k := range stdlib.Symbols {
			all[k], _ = lookup(k)
		}
		all["."], _ = lookup(".")
		all[key] = map[string]reflect.Value{"Symbols": reflect.ValueOf(all)}
		t = all[key]
	} else {
		return nil, false
	}
	if cache.tables == nil {
		cache.tables = map[string]map[string]reflect.Value{}
	}
	cache.tables[key] = t
	return t, true
}

// StdlibTables returns every standard table keyed like yaegi's
// stdlib.Symbols (with "." and yaegi's own stdlib package), for a plain
// yaegi interpreter's Use: benchmarks and tests that compare the engine
// with yaegi. Sessions load packages one at a time with Table.
func StdlibTables() map[string]map[string]reflect.Value {
	t, _ := Table(yaegiStdlib)
	return t["Symbols"].Interface().(map[string]map[string]reflect.Value)
}

//go:generate go run ./gen
