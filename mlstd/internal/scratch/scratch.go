package scratch

var mark, done func(t any)

// Install sets the functions Mark and Done call (package tensor's init
// does).
func Install(markFunc, doneFunc func(t any)) { mark, done = markFunc, doneFunc }

// Mark declares that t (a *tensor.Tensor an op just returned) is private:
// the caller keeps no reference to it or its data and passes it only to
// one op or layer that keeps no reference either, outside the autograd
// graph. Backward recycles it when it frees the graph.
func Mark(t any) {
	if mark != nil {
		mark(t)
	}
}

// Done tells that the one reader of t, marked by Mark, has run and
// recorded no graph (on an inference tensor, under tensor.NoGrad, or with
// nothing requiring gradients): no one reads t again, and unless t is a
// node of a graph itself (then Backward recycles it) its storage is
// recycled at once. A reader that recorded a graph holds t for its
// backward, so the caller does not call Done then.
func Done(t any) {
	if done != nil {
		done(t)
	}
}
