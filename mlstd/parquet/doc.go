// Package parquet reads Apache Parquet files into mlstd/table tables:
//
//	t, err := parquet.Read("penguins.parquet")
//
// Parquet is the column format of pandas' to_parquet, Spark, DuckDB and
// Polars; a file read here becomes the same kind of table ReadCSV makes,
// with missing values tracked per column (a Parquet null, or a NaN float).
//
// # Types
//
// Flat schemas only (every top-level field a primitive column, optional or
// required): BOOLEAN becomes a Bool column; INT32 and INT64 an Int column
// (a DECIMAL annotation makes them Float, divided by 10^scale); FLOAT and
// DOUBLE a Float column; BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY a String
// column of their bytes (STRING/UTF8, ENUM, JSON or no annotation); INT64
// TIMESTAMP (milli-, micro- or nanoseconds) and INT32 DATE a Time column,
// in UTC. Repeated fields, groups (nested structs, lists, maps), INT96
// timestamps and other annotations are an error naming the column.
//
// # Why a dependency
//
// Parquet is a binary format with several encodings (plain, dictionary,
// RLE/bit-packed, delta) and compressions (Snappy, gzip, zstd, LZ4,
// Brotli) and a Thrift footer; a reader of its own would be thousands of
// lines for no gain. github.com/parquet-go/parquet-go (v0.32.1) is pure Go
// and maintained, and its page API maps onto table's columns directly. The
// alternative served by the module proxy, github.com/apache/arrow-go/v18,
// builds an Arrow table first and brings Arrow's memory, compute and
// flatbuffers packages; measured with go1.26 here, a program that opens a
// file with parquet-go v0.32.1 links to 10.5 MB, one that reads it into
// an Arrow table with arrow-go v18.9.0 to 52.7 MB (unstripped). The
// reader is a package of its own, not part of package table, so programs
// that link table without reading Parquet (gokernel-serve, through a
// model's preprocessing pipeline) do not link the library.
//
// # Tests
//
// Debian's pandas 1.5.3 has no Parquet engine (no python3-pyarrow or
// fastparquet package), so the tests write files with parquet-go's own
// writer — every type above, nulls, dictionary-encoded text, several row
// groups, Snappy and zstd pages — and compare the table read here value by
// value with the table package's CSV reader (itself tested against pandas)
// on the same data written as CSV, Describe included. Bad files are
// errors naming the file, and a panic inside the library on a corrupt
// file is turned into one; FuzzRead checks that no input panics (3,000
// random byte mutations of a file read in 0.4 s, the slowest in 21 ms).
package parquet
