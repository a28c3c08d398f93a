// Package exepages returns the gokernel executable's read-only pages that
// start-up touched to the OS.
//
// One binary holds the kernel, the interpreter with the symbol tables of
// the whole standard library, the ML library and the server. Go runs every
// linked package's initialisation at start-up, and Linux maps file pages
// in blocks around each fault, so a process starts with tens of MiB of
// the binary resident although what it goes on to do touches far less of
// it; each dependency linked in (a Parquet reader with its compressors)
// adds to that. Release drops the read-only file mappings of the
// executable from the process's page table (MADV_DONTNEED): the pages stay
// in the page cache, and a page used later comes back by a minor fault,
// without a disk read. `gokernel serve` calls it once it is ready; the
// kernel once, the first time it has been idle (after start-up and the
// first cells), so an idle notebook's kernel holds what it uses.
package exepages
