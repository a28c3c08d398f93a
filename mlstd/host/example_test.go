package host_test

import (
	"fmt"
	"os"

	"github.com/gokernel/gokernel/mlstd/host"
)

// A host program without a rich front end says once where the text form
// of live displays goes; compiled code asks with Text.
func ExampleSetText() {
	host.SetText(os.Stdout, false) // piped: plain lines
	defer host.SetText(nil, false)
	w, live := host.Text()
	fmt.Println(w == os.Stdout, live)
	// Output: true false
}
