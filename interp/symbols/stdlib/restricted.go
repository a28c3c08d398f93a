package stdlib

import (
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"strconv"
)

// The extractor refers to these in place of os.Exit, os.FindProcess,
// log.Fatal, log.Fatalf, log.Fatalln and log.New, so that a cell cannot end
// or signal the process it runs in; as in yaegi's stdlib package, except
// that os.Exit panics with an Exit, and the Fatal functions print their
// message and then exit as os.Exit(1) does (yaegi's panic with the message,
// which cannot be told from a panic).

var errRestricted = errors.New("restricted")

// Exit is the panic value of os.Exit(Code) called by interpreted code (and
// of log.Fatal, which calls os.Exit(1)): the engine ends the cell there and
// reports the status, which a program's front end (gokernel run) exits with.
type Exit struct{ Code int }

func (e Exit) String() string { return "os.Exit(" + strconv.Itoa(e.Code) + ")" }

// osExit invokes panic instead of exit.
func osExit(code int) { panic(Exit{code}) }

// osFindProcess returns os.FindProcess, except for self process.
func osFindProcess(pid int) (*os.Process, error) {
	if pid == os.Getpid() {
		return nil, errRestricted
	}
	return os.FindProcess(pid)
}

// The following functions print as Fatal does and then call osExit(1).
func logFatal(v ...interface{})            { log.Output(2, fmt.Sprint(v...)); osExit(1) }
func logFatalf(f string, v ...interface{}) { log.Output(2, fmt.Sprintf(f, v...)); osExit(1) }
func logFatalln(v ...interface{})          { log.Output(2, fmt.Sprintln(v...)); osExit(1) }

type logLogger struct {
	l *log.Logger
}

// logNew Returns a wrapped logger.
func logNew(out io.Writer, prefix string, flag int) *logLogger {
	return &logLogger{log.New(out, prefix, flag)}
}

// The following methods print as Fatal does and then call osExit(1).
func (l *logLogger) Fatal(v ...interface{}) { l.l.Output(2, fmt.Sprint(v...)); osExit(1) }
func (l *logLogger) Fatalf(f string, v ...interface{}) {
	l.l.Output(2, fmt.Sprintf(f, v...))
	osExit(1)
}
func (l *logLogger) Fatalln(v ...interface{}) { l.l.Output(2, fmt.Sprintln(v...)); osExit(1) }

// The following methods just forward to wrapped logger.
func (l *logLogger) Flags() int                        { return l.l.Flags() }
func (l *logLogger) Output(d int, s string) error      { return l.l.Output(d, s) }
func (l *logLogger) Panic(v ...interface{})            { l.l.Panic(v...) }
func (l *logLogger) Panicf(f string, v ...interface{}) { l.l.Panicf(f, v...) }
func (l *logLogger) Panicln(v ...interface{})          { l.l.Panicln(v...) }
func (l *logLogger) Prefix() string                    { return l.l.Prefix() }
func (l *logLogger) Print(v ...interface{})            { l.l.Print(v...) }
func (l *logLogger) Printf(f string, v ...interface{}) { l.l.Printf(f, v...) }
func (l *logLogger) Println(v ...interface{})          { l.l.Println(v...) }
func (l *logLogger) SetFlags(flag int)                 { l.l.SetFlags(flag) }
func (l *logLogger) SetOutput(w io.Writer)             { l.l.SetOutput(w) }
func (l *logLogger) Writer() io.Writer                 { return l.l.Writer() }
