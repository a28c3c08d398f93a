package install_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/gokernel/gokernel/install"
)

func Example() {
	data, _ := os.MkdirTemp("", "jupyter")
	defer os.RemoveAll(data)
	spec, _ := install.NewSpec("/usr/local/bin/gokernel")
	dir, err := install.Install(data, install.DefaultName, spec)
	if err != nil {
		panic(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		fmt.Println(filepath.Base(f))
	}
	fmt.Println(spec.Argv)
	// Output:
	// kernel.json
	// logo-32x32.png
	// logo-64x64.png
	// logo-svg.svg
	// [/usr/local/bin/gokernel kernel -f {connection_file}]
}
