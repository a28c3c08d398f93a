package symbols

import "fmt"

// The interpreter hands a value of a type defined in a cell to compiled
// code as one of the wrapper types `yaegi extract` generates for each
// interface (IValue holds the cell's value, one func field per method).
// Methods declared here give a wrapper what compiled code asks of it
// beyond the interface's own methods, so mlstd sees plain values and
// never the interpreter's types.

// String describes a layer defined in a cell, for nn's printing of a model
// and nn.Summary ("Module(&{K:2})", type Module): the cell type's own
// String and name are not visible to compiled code.
func (W _github_com_gokernel_gokernel_mlstd_nn_Module) String() string {
	return fmt.Sprintf("Module(%+v)", W.IValue)
}
