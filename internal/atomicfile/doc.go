// Package atomicfile writes files so that a reader sees either the old
// content or the complete new one, never a part of it, and so that a writer
// that dies half-way leaves no debris behind for long. It is the one
// implementation of this for gokernel: the notebook runner's executed
// notebooks and images, mlstd/export's models, mlstd/chart's saved figures,
// mlstd/data's cached data sets and the symbol tables that go generate
// writes for interp (interp/symbols/gen).
//
// The data goes to a temporary file in the destination's directory, named
// ".NAME.tmp-PID-RANDOM" after the destination and the writing process; it
// is flushed, fsynced, given its permissions and renamed over the
// destination, and the directory is fsynced (best effort). On an error the
// temporary file is removed. A process that is killed while writing cannot
// remove it, so each write of a destination first removes the temporary
// files of that destination that are older than StaleAfter and whose
// writing process is gone (and old ones in the form of earlier versions,
// ".NAME.tmpDIGITS"): a crashed save of a large model costs its size on
// disk only until the next save of the same file.
package atomicfile
