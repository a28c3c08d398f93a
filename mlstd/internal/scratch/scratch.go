package scratch

var mark func(t any)

// Install sets the function Mark calls (package tensor's init does).
func Install(f func(t any)) { mark = f }

// Mark declares that t (a *tensor.Tensor an op just returned) will be read
// only by the autograd graph: the caller keeps no reference to it or its
// data and passes it only to ops that do not keep their inputs either.
func Mark(t any) {
	if mark != nil {
		mark(t)
	}
}
