package credproc

import (
	"errors"
	"fmt"
)

// Kind says which part of the chain failed; the CLI maps it to an exit code.
type Kind int

const (
	// KindUnexpected is a bug or an unclassified failure.
	KindUnexpected Kind = iota
	// KindConfig is bad input: flags, environment or the AWS config file.
	KindConfig
	// KindBase means the base credentials could not be had.
	KindBase
	// KindDenied means AWS refused (trust policy, identity policy, ExternalId, MFA).
	KindDenied
	// KindUnavailable means AWS was unreachable, throttling or failing after retries.
	KindUnavailable
)

// Error is an error the caller can branch on, with optional hints that name the fix.
type Error struct {
	Kind  Kind
	Err   error
	Hints []string
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error of the given kind.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Err: fmt.Errorf(format, args...)}
}

// WithHint returns e with one more hint line.
func (e *Error) WithHint(format string, args ...any) *Error {
	e.Hints = append(e.Hints, fmt.Sprintf(format, args...))
	return e
}

// KindOf returns the Kind of the first *Error in err's chain, or KindUnexpected.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindUnexpected
}

// HintsOf returns the hints of every *Error in err's chain, outermost first.
func HintsOf(err error) []string {
	var hints []string
	for err != nil {
		var e *Error
		if !errors.As(err, &e) {
			break
		}
		hints = append(hints, e.Hints...)
		err = e.Err
	}
	return hints
}
