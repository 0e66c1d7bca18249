// Package cli wires xrole's commands: it turns flags, XROLE_* variables and
// profile keys into options, calls the library, prints the payload on
// stdout and errors on stderr, and decides the exit code in one place
// (exit.go).
//
// Precedence for every role setting: flag > XROLE_* variable > profile key >
// default. Flags may stand before or after the profile name.
package cli
