package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xrole/xrole/credproc"
)

// Exit codes, documented in the README.
const (
	ExitOK          = 0
	ExitUnexpected  = 1
	ExitUsage       = 2 // usage or configuration
	ExitBase        = 3 // base credentials unavailable
	ExitDenied      = 4 // denied by AWS
	ExitUnavailable = 5 // AWS unreachable, throttled or failing after retries
)

// usageError is a mistake on the command line.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// exitCode maps an error to the documented exit code.
func exitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ue usageError
	if errors.As(err, &ue) {
		return ExitUsage
	}
	var passed interface{ ExitCode() int }
	if errors.As(err, &passed) {
		return passed.ExitCode()
	}
	var nf cmdNotFound
	if errors.As(err, &nf) {
		return ExitNotFound
	}
	return kindExit(credproc.KindOf(err))
}

// kindExit is the exit code of a failure of kind k.
func kindExit(k credproc.Kind) int {
	switch k {
	case credproc.KindConfig:
		return ExitUsage
	case credproc.KindBase:
		return ExitBase
	case credproc.KindDenied:
		return ExitDenied
	case credproc.KindUnavailable:
		return ExitUnavailable
	}
	return ExitUnexpected
}

// printError writes one "xrole: error:" line and the hints.
func printError(w io.Writer, err error) {
	var s interface{ Silent() bool }
	if errors.As(err, &s) && s.Silent() {
		return // a child's exit status, passed on
	}
	fmt.Fprintf(w, "xrole: error: %s\n", oneLine(err.Error()))
	for _, h := range credproc.HintsOf(err) {
		fmt.Fprintf(w, "xrole: hint: %s\n", oneLine(h))
	}
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
