//go:build unix

package cli

import (
	"fmt"
	"syscall"
)

// runReplacing replaces xrole's process with the command, so that its exit
// status and signals are the command's own.
func runReplacing(path string, argv, env []string) error {
	err := syscall.Exec(path, argv, env)
	return fmt.Errorf("exec %s: %w", path, err)
}
